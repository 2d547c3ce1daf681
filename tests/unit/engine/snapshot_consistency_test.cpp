// The raw copy (main file, plus the WAL frames of the pinned snapshot) against SQLite's own
// backup API: for the same committed state both must give the same pages, in both journal
// modes, with uncheckpointed and partly checkpointed WALs, a WAL holding pages past the end of
// a database that shrank, and another process committing and checkpointing during the copy.
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "engine/snapshot.hpp"
#include "support/temp_dir.hpp"
#include "unit/engine/raw_database.hpp"

namespace belay::engine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::RawDatabase;

// What SQLite's backup API makes of `source` now, the way belay's fallback copies: pages
// through the pager into a new file, which is then switched to rollback-journal mode.
void copy_with_backup_api(const fs::path& source, const fs::path& out) {
    RawDatabase from(source, false);
    RawDatabase to(out);
    to.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF");
    sqlite3_backup* backup = sqlite3_backup_init(to.handle(), "main", from.handle(), "main");
    ASSERT_NE(backup, nullptr) << sqlite3_errmsg(to.handle());
    EXPECT_EQ(sqlite3_backup_step(backup, -1), SQLITE_DONE);
    ASSERT_EQ(sqlite3_backup_finish(backup), SQLITE_OK) << sqlite3_errmsg(to.handle());
    to.exec("PRAGMA journal_mode = DELETE");
}

// Whether header byte `offset` of page 1 may differ between the raw copy and the backup API's
// copy of the same state. Only these do, because the backup API's destination is a database
// of its own that SQLite writes as such:
//   24-27  file change counter: bumped by each of the destination's own commits (the copy and
//          the journal-mode switch); the raw copy keeps the source's;
//   40-43  schema cookie: sqlite3_backup_step sets the destination's to its old value + 1
//          (backup.c, sqlite3BtreeUpdateMeta) so that its connections reread the schema;
//   92-95  version-valid-for: written together with the change counter;
//   96-99  SQLITE_VERSION_NUMBER of the library that wrote the file last.
// Everything else must be equal, bytes 18/19 too (both copies say rollback journal), and the
// in-header page count at 28-31.
bool may_differ(std::size_t offset) {
    return (offset >= 24 && offset < 28) || (offset >= 40 && offset < 44) ||
           (offset >= 92 && offset < 100);
}

void expect_same_pages(const fs::path& raw_copy, const fs::path& reference) {
    const auto raw = testing::read_file(raw_copy);
    const auto expected = testing::read_file(reference);
    ASSERT_GE(expected.size(), 100U);
    ASSERT_EQ(raw.size(), expected.size()) << "the copies differ in length";
    const unsigned size_field =
        (static_cast<unsigned char>(expected[16]) << 8) | static_cast<unsigned char>(expected[17]);
    const std::size_t page_size = size_field == 1 ? 65536 : size_field;
    ASSERT_EQ(expected.size() % page_size, 0U);
    for (std::size_t i = 0; i < 100; ++i) {
        if (!may_differ(i)) {
            ASSERT_EQ(raw[i], expected[i]) << "header byte " << i;
        }
    }
    for (std::size_t page = 0; page < expected.size() / page_size; ++page) {
        const auto from = page == 0 ? 100 : page * page_size;
        const auto length = (page + 1) * page_size - from;
        ASSERT_EQ(raw.compare(from, length, expected, from, length), 0)
            << "page " << page + 1 << " of " << expected.size() / page_size << " differs";
    }
}

class SnapshotConsistencyTest : public ::testing::Test {
  protected:
    fs::path db() const { return m_dir / "app.db"; }
    fs::path reference() const { return m_dir / "reference.db"; }

    // About `megabytes` MiB in a table and an index, rows of several sizes, some deleted (free
    // pages), so that every kind of page is there.
    void make_database(bool wal, int megabytes) {
        RawDatabase raw(db());
        raw.exec("PRAGMA page_size = 4096");
        if (wal) {
            raw.exec("PRAGMA journal_mode = WAL");
        }
        raw.exec(
            "CREATE TABLE items (id INTEGER PRIMARY KEY, payload BLOB, label TEXT);"
            "CREATE INDEX items_label ON items (label);"
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
            std::to_string(megabytes * 1000) +
            ") INSERT INTO items SELECT i, randomblob(200 + i % 1500), hex(randomblob(8)) FROM n;"
            "DELETE FROM items WHERE id % 7 = 0;");
    }

    // Commits that change pages all over the file, grow it, and free pages, one transaction
    // per statement.
    static void scatter_commits(RawDatabase& writer, int round) {
        const auto r = std::to_string(round);
        writer.exec("UPDATE items SET label = 'r" + r +
                    "-' || id WHERE id % 97 = " + std::to_string(round % 97));
        writer.exec("INSERT INTO items (payload, label) SELECT randomblob(3000), 'new" + r +
                    "' FROM items WHERE id % 501 = 1");
        writer.exec("DELETE FROM items WHERE id % 389 = " + std::to_string(round % 389));
    }

    // belay's snapshot of the database as it is now, checked page for page against the backup
    // API's copy of the same state (taken first: nothing commits in between).
    void expect_raw_copy_matches_backup_api() {
        copy_with_backup_api(db(), reference());
        auto taken = take_snapshot(request());
        ASSERT_TRUE(taken.has_value()) << taken.error().message;
        EXPECT_TRUE(taken->raw_copy) << "the snapshot did not take the raw path";
        expect_same_pages(taken->path, reference());
    }

    SnapshotRequest request() const {
        SnapshotRequest request;
        request.database = db();
        request.out = m_dir / "copy.bak";
        request.reason = std::string(k_reason_manual);
        return request;
    }

    testing::TempDir m_dir;
};

TEST_F(SnapshotConsistencyTest, RollbackJournalCopyHasTheBackupApisPages) {
    make_database(false, 3);
    expect_raw_copy_matches_backup_api();
}

TEST_F(SnapshotConsistencyTest, WalWithUncheckpointedFramesHasTheBackupApisPages) {
    make_database(true, 3);
    RawDatabase writer(db());  // stays open: closing the last connection would checkpoint
    writer.exec("PRAGMA wal_autocheckpoint = 0");
    for (int round = 0; round < 5; ++round) {
        scatter_commits(writer, round);
    }
    ASSERT_GT(fs::file_size(db().string() + "-wal"), 100'000U);
    expect_raw_copy_matches_backup_api();
}

// A checkpoint that could copy only part of the WAL into the main file (a reader held an older
// snapshot), then more commits: some frames are backfilled, the later ones are not.
TEST_F(SnapshotConsistencyTest, PartlyCheckpointedWalHasTheBackupApisPages) {
    make_database(true, 3);
    RawDatabase writer(db());
    writer.exec("PRAGMA wal_autocheckpoint = 0");
    scatter_commits(writer, 0);
    {
        RawDatabase old_reader(db(), false);
        old_reader.exec("BEGIN; SELECT count(*) FROM items;");
        scatter_commits(writer, 1);
        int log_frames = 0;
        int backfilled = 0;
        ASSERT_EQ(sqlite3_wal_checkpoint_v2(writer.handle(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                            &log_frames, &backfilled),
                  SQLITE_OK);
        ASSERT_GT(backfilled, 0);
        ASSERT_LT(backfilled, log_frames);
        old_reader.exec("COMMIT");
    }
    scatter_commits(writer, 2);
    expect_raw_copy_matches_backup_api();
}

// Every frame is in the main file, but the WAL still holds them (no writer has restarted it).
TEST_F(SnapshotConsistencyTest, FullyCheckpointedWalHasTheBackupApisPages) {
    make_database(true, 3);
    RawDatabase writer(db());
    writer.exec("PRAGMA wal_autocheckpoint = 0");
    scatter_commits(writer, 0);
    int log_frames = 0;
    int backfilled = 0;
    ASSERT_EQ(sqlite3_wal_checkpoint_v2(writer.handle(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                        &log_frames, &backfilled),
              SQLITE_OK);
    ASSERT_GT(log_frames, 0);
    ASSERT_EQ(backfilled, log_frames);
    expect_raw_copy_matches_backup_api();
}

// VACUUM in WAL mode shrinks the database in the WAL only: the main file is longer than the
// snapshot, and earlier frames hold pages past its end, none of which may reach the copy.
TEST_F(SnapshotConsistencyTest, WalOfAShrunkDatabaseHasTheBackupApisPages) {
    make_database(true, 3);
    RawDatabase writer(db());
    writer.exec("PRAGMA wal_autocheckpoint = 0");
    scatter_commits(writer, 0);
    writer.exec("DELETE FROM items WHERE id % 2 = 0");
    writer.exec("VACUUM");
    const auto pages = writer.integer("PRAGMA page_count");
    ASSERT_GT(static_cast<std::int64_t>(fs::file_size(db())), pages * 4096);
    expect_raw_copy_matches_backup_api();
}

// A child process that commits and checkpoints (PASSIVE: as far as readers allow, which is
// what autocheckpoints do) once per byte it reads from `commands`, answering each on `done`.
class CommandedWriter {
  public:
    explicit CommandedWriter(const fs::path& database) {
        int to_child[2];
        int from_child[2];
        if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) {
            ADD_FAILURE() << "pipe failed";
            return;
        }
        m_pid = ::fork();
        if (m_pid == 0) {
            ::close(to_child[1]);
            ::close(from_child[0]);
            ::_exit(run(database, to_child[0], from_child[1]));
        }
        ::close(to_child[0]);
        ::close(from_child[1]);
        m_commands = to_child[1];
        m_done = from_child[0];
    }
    ~CommandedWriter() {
        if (m_pid > 0) {
            ::close(m_commands);  // end of input: the child exits
            int status = 0;
            ::waitpid(m_pid, &status, 0);
        }
        ::close(m_done);
    }
    CommandedWriter(const CommandedWriter&) = delete;
    CommandedWriter& operator=(const CommandedWriter&) = delete;

    // Has the child commit `rounds` times and waits until it has; false if it failed.
    bool commit(int rounds) {
        for (int i = 0; i < rounds; ++i) {
            char answer = 0;
            if (::write(m_commands, "c", 1) != 1 || ::read(m_done, &answer, 1) != 1 ||
                answer != 'k') {
                return false;
            }
        }
        return true;
    }

  private:
    // In the child: plain C API only, and _exit, never back into the test framework.
    static int run(const fs::path& database, int commands, int done) {
        sqlite3* db = nullptr;
        if (sqlite3_open(database.c_str(), &db) != SQLITE_OK) {
            return 2;
        }
        sqlite3_busy_timeout(db, 60000);
        sqlite3_exec(db, "PRAGMA wal_autocheckpoint = 0", nullptr, nullptr, nullptr);
        char command = 0;
        for (int round = 100; ::read(commands, &command, 1) == 1; ++round) {
            const auto r = std::to_string(round);
            const std::string sql =
                "BEGIN IMMEDIATE; UPDATE items SET label = 'w" + r +
                "' WHERE id % 53 = " + std::to_string(round % 53) +
                "; INSERT INTO items (payload, label) VALUES " + "(randomblob(5000), 'w" + r +
                "'); DELETE FROM items WHERE id % 211 = " + std::to_string(round % 211) +
                "; COMMIT;";
            int log_frames = 0;
            int backfilled = 0;
            const bool ok = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK &&
                            sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE,
                                                      &log_frames, &backfilled) == SQLITE_OK;
            if (::write(done, ok ? "k" : "e", 1) != 1) {
                break;
            }
        }
        sqlite3_close(db);
        return 0;
    }

    pid_t m_pid = -1;
    int m_commands = -1;
    int m_done = -1;
};

// Another process commits and checkpoints while the copy runs: the checkpoints write frames
// of the snapshot into the main file under the copy's feet, and new frames go into the WAL.
// The copy must still be exactly the state its read transaction began with.
TEST_F(SnapshotConsistencyTest, WalWrittenAndCheckpointedByAnotherProcessDuringTheCopy) {
    make_database(true, 4);
    RawDatabase keeper(db());  // keeps the WAL from being checkpointed on close
    keeper.exec("PRAGMA wal_autocheckpoint = 0");
    scatter_commits(keeper, 0);
    scatter_commits(keeper, 1);  // frames no checkpoint has copied yet: the first one will
    CommandedWriter writer(db());

    copy_with_backup_api(db(), reference());  // the writer is idle: this is the state to copy
    auto req = request();
    bool commanded = false;
    bool committed = false;
    // After the first chunk (of four or more): the rest is read while these commits land.
    req.progress = [&](std::int64_t, std::int64_t, std::int64_t) {
        if (!commanded) {
            commanded = true;
            committed = writer.commit(5);
        }
    };
    auto taken = take_snapshot(req);

    ASSERT_TRUE(taken.has_value()) << taken.error().message;
    ASSERT_TRUE(commanded);
    EXPECT_TRUE(committed) << "the writer failed to commit during the copy";
    EXPECT_TRUE(taken->raw_copy) << "the snapshot did not take the raw path";
    expect_same_pages(taken->path, reference());
    RawDatabase live(db(), false);
    EXPECT_GT(live.integer("SELECT count(*) FROM items WHERE label LIKE 'w10_'"), 0)
        << "the writer's commits are in the database";
}

}  // namespace
}  // namespace belay::engine
