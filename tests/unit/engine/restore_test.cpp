#include "engine/restore.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/backup_metadata.hpp"
#include "engine/backups.hpp"
#include "engine/migrate.hpp"
#include "engine/run_lock.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"
#include "unit/engine/raw_database.hpp"

namespace belay::engine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::dump_database;
using testing::header_versions;
using testing::names_in;
using testing::RawDatabase;

constexpr uid_t k_nobody_uid = 65534;
constexpr gid_t k_nobody_gid = 65534;

void flip_bytes_in_the_middle(const fs::path& path) {
    std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(static_cast<std::streamoff>(fs::file_size(path) / 2));
    file.write("\xde\xad\xbe\xef", 4);
    ASSERT_TRUE(file.good()) << path;
}

struct stat stat_of(const fs::path& path) {
    struct stat info {};
    EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
    return info;
}

// app.db with rows "one" and "two", backed up by belay, then changed: what a restore undoes.
class RestoreTest : public ::testing::Test {
  protected:
    fs::path db() const { return m_dir / "app.db"; }

    void prepare(bool wal = false, int page_size = 4096) {
        {
            RawDatabase raw(db());
            raw.exec("PRAGMA page_size = " + std::to_string(page_size));
            if (wal) {
                raw.exec("PRAGMA journal_mode = WAL");
            }
            raw.exec(
                "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);"
                "CREATE INDEX items_by_name ON items (name);"
                "INSERT INTO items (name) VALUES ('one'), ('two');");
        }
        m_backed_up = dump_database(db());
        BackupOptions request;
        request.db = options().db;
        auto snapshot = run_backup(request);
        ASSERT_TRUE(snapshot.has_value()) << snapshot.error().message;
        m_backup = snapshot->path;
        {
            RawDatabase raw(db());
            raw.exec(
                "INSERT INTO items (name) VALUES ('three');"
                "CREATE TABLE extra (id INTEGER PRIMARY KEY);"
                "INSERT INTO extra DEFAULT VALUES;");
        }
        m_changed = dump_database(db());
        ASSERT_NE(m_changed, m_backed_up);
    }

    RestoreOptions options() const {
        RestoreOptions options;
        options.db.database = db();
        options.db.migrations_dir = m_dir / "migrations";
        options.db.lock_timeout = 2s;
        options.backup = m_backup;
        options.assume_yes = true;
        return options;
    }

    RestoreReport restore(const RestoreOptions& request) {
        auto report = run_restore(request);
        if (!report) {
            ADD_FAILURE() << "run_restore failed: " << report.error().message;
            return {};
        }
        return *report;
    }
    RestoreReport restore() { return restore(options()); }

    Error refusal(const RestoreOptions& request) {
        auto report = run_restore(request);
        if (report) {
            ADD_FAILURE() << "expected run_restore to refuse";
            return {};
        }
        return report.error();
    }

    testing::TempDir m_dir;
    fs::path m_backup;
    std::string m_backed_up;  // dump of app.db when the backup was taken
    std::string m_changed;    // dump of app.db after the later changes
};

TEST_F(RestoreTest, PutsTheBackupContentBack) {
    prepare();
    const auto report = restore();
    EXPECT_EQ(report.backup, m_backup);
    EXPECT_EQ(dump_database(db()), m_backed_up);
    EXPECT_FALSE(report.converted_page_size);
    EXPECT_FALSE(report.moved_aside.has_value());
    RawDatabase raw(db(), false);
    EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(raw.text("PRAGMA journal_mode"), "delete");
}

TEST_F(RestoreTest, TakesASafetySnapshotOfTheReplacedState) {
    prepare();
    const auto report = restore();
    ASSERT_TRUE(report.safety_snapshot.has_value());
    ASSERT_TRUE(fs::exists(*report.safety_snapshot));
    EXPECT_NE(*report.safety_snapshot, m_backup);
    EXPECT_EQ(dump_database(*report.safety_snapshot), m_changed);
    const auto sidecar = sidecar_path(*report.safety_snapshot);
    auto metadata = parse_backup_metadata(testing::read_file(sidecar), sidecar.string());
    ASSERT_TRUE(metadata.has_value()) << metadata.error().message;
    EXPECT_EQ(metadata->reason, "before restore");
    EXPECT_EQ(metadata->source, fs::canonical(db()).string());
}

TEST_F(RestoreTest, RefusesACorruptBackupTouchingNothing) {
    prepare();
    flip_bytes_in_the_middle(m_backup);
    const auto bytes = testing::read_file(db());
    const auto files = names_in(m_dir.path());

    const auto error = refusal(options());

    EXPECT_EQ(error.code, ErrorCode::refused);
    EXPECT_CONTAINS(error.message, m_backup.string());
    EXPECT_EQ(testing::read_file(db()), bytes);
    EXPECT_EQ(names_in(m_dir.path()), files);
}

TEST_F(RestoreTest, RefusesABackupWithoutItsSidecar) {
    prepare();
    fs::remove(sidecar_path(m_backup));
    const auto bytes = testing::read_file(db());
    const auto error = refusal(options());
    EXPECT_EQ(error.code, ErrorCode::refused);
    EXPECT_EQ(testing::read_file(db()), bytes);
}

TEST_F(RestoreTest, RefusesWithoutAConfirmationOrYes) {
    prepare();
    const auto bytes = testing::read_file(db());
    const auto files = names_in(m_dir.path());
    auto request = options();
    request.assume_yes = false;
    request.confirm = nullptr;

    const auto error = refusal(request);

    EXPECT_EQ(error.code, ErrorCode::refused);
    EXPECT_CONTAINS(error.message, "without a terminal to confirm on, pass assume_yes");
    EXPECT_EQ(error.option(), Option::assume_yes);
    EXPECT_EQ(testing::read_file(db()), bytes);
    EXPECT_EQ(names_in(m_dir.path()), files);
}

TEST_F(RestoreTest, DeclinedConfirmationIsRefusedTouchingNothing) {
    prepare();
    const auto bytes = testing::read_file(db());
    const auto files = names_in(m_dir.path());
    std::vector<std::string> questions;
    auto request = options();
    request.assume_yes = false;
    request.confirm = [&](const Message& question) {
        questions.push_back(question.text());
        return false;
    };

    const auto error = refusal(request);

    EXPECT_EQ(error.code, ErrorCode::refused);
    ASSERT_EQ(questions.size(), 1U);
    EXPECT_CONTAINS(questions[0], db().string());
    EXPECT_CONTAINS(questions[0], m_backup.string());
    EXPECT_EQ(testing::read_file(db()), bytes);
    EXPECT_EQ(names_in(m_dir.path()), files);
}

TEST_F(RestoreTest, AcceptedConfirmationRestores) {
    prepare();
    int asked = 0;
    auto request = options();
    request.assume_yes = false;
    request.confirm = [&](const Message&) {
        ++asked;
        return true;
    };
    restore(request);
    EXPECT_EQ(asked, 1);
    EXPECT_EQ(dump_database(db()), m_backed_up);
}

// What is copied is what was verified: a backup replaced (here while the user is asked) after
// its verification is refused, and the database keeps its content.
TEST_F(RestoreTest, BackupReplacedAfterItsVerificationIsRefusedTouchingNothing) {
    prepare();
    auto request = options();
    request.assume_yes = false;
    request.confirm = [&](const Message&) {
        const auto forged = m_dir / "forged.bak";
        fs::copy_file(m_backup, forged);
        RawDatabase(forged).exec("UPDATE items SET name = 'forged'");
        fs::rename(forged, m_backup);
        return true;
    };

    const auto error = refusal(request);

    EXPECT_EQ(error.code, ErrorCode::refused);
    EXPECT_CONTAINS(error.message, "changed after it was verified");
    EXPECT_EQ(dump_database(db()), m_changed);
}

TEST_F(RestoreTest, WalDatabaseStaysWal) {
    prepare(true);
    const auto report = restore();
    EXPECT_FALSE(report.converted_page_size);
    EXPECT_EQ(dump_database(db()), m_backed_up);
    EXPECT_EQ(header_versions(db()), std::make_pair(2, 2));
    RawDatabase raw(db(), false);
    EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
}

// SQLite cannot change a WAL database's page size through the backup API. The database used to
// be switched to rollback-journal mode for the copy (a kill left it there, and another open
// connection made the switch fail as busy); now the backup is copied with the database's page
// size first, and the copy goes in as one WAL transaction.
TEST_F(RestoreTest, DifferentPageSizeInWalModeStaysWalWhileAnotherConnectionReads) {
    prepare(false, 4096);
    {
        RawDatabase raw(db());
        raw.exec("PRAGMA page_size = 8192; VACUUM; PRAGMA journal_mode = WAL;");
        raw.exec("INSERT INTO items (name) VALUES ('four')");
        ASSERT_EQ(raw.integer("PRAGMA page_size"), 8192);
    }
    RawDatabase reader(db(), false);  // an application's connection, open throughout
    ASSERT_EQ(reader.integer("SELECT count(*) FROM items"), 4);

    const auto report = restore();

    EXPECT_TRUE(report.converted_page_size);
    EXPECT_EQ(reader.integer("SELECT count(*) FROM items"), 2) << "the open connection sees it";
    EXPECT_EQ(dump_database(db()), m_backed_up);
    EXPECT_EQ(header_versions(db()), std::make_pair(2, 2));
    RawDatabase raw(db(), false);
    EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(raw.integer("PRAGMA page_size"), 8192) << "the database keeps its page size";
    EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
    for (const auto& name : names_in(m_dir.path())) {
        EXPECT_NOT_CONTAINS(name, ".tmp-");
    }
}

TEST_F(RestoreTest, KeepsModeAndOwner) {
    prepare();
    ::chmod(db().c_str(), 0640);
    const bool root = ::geteuid() == 0;
    if (root) {
        ASSERT_EQ(::chown(db().c_str(), k_nobody_uid, k_nobody_gid), 0);
    }
    restore();
    const auto info = stat_of(db());
    EXPECT_EQ(info.st_mode & 07777, 0640U);
    if (root) {
        EXPECT_EQ(info.st_uid, k_nobody_uid);
        EXPECT_EQ(info.st_gid, k_nobody_gid);
    }
}

TEST_F(RestoreTest, UnreadableDatabaseIsMovedAsideNotDeleted) {
    prepare();
    const std::string garbage = std::string(4096, 'g') + " this was app.db";
    fs::remove(db());
    m_dir.write("app.db", garbage);
    ::chmod(db().c_str(), 0640);
    const bool root = ::geteuid() == 0;
    if (root) {
        ASSERT_EQ(::chown(db().c_str(), k_nobody_uid, k_nobody_gid), 0);
    }

    const auto report = restore();

    ASSERT_TRUE(report.moved_aside.has_value());
    EXPECT_EQ(report.moved_aside->parent_path(), m_dir.path());
    EXPECT_TRUE(std::regex_match(report.moved_aside->filename().string(),
                                 std::regex(R"(app-corrupt-\d{8}-\d{6}\.db)")))
        << *report.moved_aside;
    EXPECT_EQ(testing::read_file(*report.moved_aside), garbage);
    EXPECT_FALSE(report.safety_snapshot.has_value());
    EXPECT_EQ(dump_database(db()), m_backed_up);
    EXPECT_EQ(header_versions(db()), std::make_pair(1, 1));
    const auto info = stat_of(db());
    EXPECT_EQ(info.st_mode & 07777, 0640U);
    if (root) {
        EXPECT_EQ(info.st_uid, k_nobody_uid);
        EXPECT_EQ(info.st_gid, k_nobody_gid);
    }
    for (const auto& name : names_in(m_dir.path())) {
        EXPECT_NOT_CONTAINS(name, ".tmp-");
    }
}

// A stale -journal or -wal left beside the restored file would be replayed into it.
TEST_F(RestoreTest, CompanionsOfAnUnreadableDatabaseMoveAsideWithIt) {
    prepare();
    fs::remove(db());
    m_dir.write("app.db", std::string(4096, 'g'));
    m_dir.write("app.db-journal", "old journal");
    m_dir.write("app.db-wal", "old wal");

    const auto report = restore();

    ASSERT_TRUE(report.moved_aside.has_value());
    EXPECT_EQ(testing::read_file(report.moved_aside->string() + "-journal"), "old journal");
    EXPECT_EQ(testing::read_file(report.moved_aside->string() + "-wal"), "old wal");
    EXPECT_FALSE(fs::exists(db().string() + "-journal"));
    EXPECT_FALSE(fs::exists(db().string() + "-wal"));
    EXPECT_EQ(dump_database(db()), m_backed_up);
}

TEST_F(RestoreTest, MissingDatabaseIsRestoredAsANewFile) {
    prepare();
    fs::remove(db());

    const auto report = restore();

    EXPECT_EQ(report.version_before, "0");
    EXPECT_FALSE(report.safety_snapshot.has_value());
    EXPECT_FALSE(report.moved_aside.has_value());
    EXPECT_EQ(dump_database(db()), m_backed_up);
    EXPECT_EQ(header_versions(db()), std::make_pair(1, 1));
    for (const auto& name : names_in(m_dir.path())) {
        EXPECT_NOT_CONTAINS(name, ".tmp-");
        EXPECT_NOT_CONTAINS(name, "corrupt");
    }
}

// A 0-byte file is a valid, empty SQLite database: restored like any other, without a safety
// snapshot (it holds nothing to keep). It used to fail with "nothing to back up".
TEST_F(RestoreTest, ZeroByteDatabaseIsRestoredWithoutASafetySnapshot) {
    prepare();
    fs::resize_file(db(), 0);

    const auto report = restore();

    EXPECT_FALSE(report.safety_snapshot.has_value());
    EXPECT_FALSE(report.moved_aside.has_value());
    EXPECT_EQ(dump_database(db()), m_backed_up);
    RawDatabase raw(db(), false);
    EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
}

// A directory, FIFO or socket at the database path is refused before anything is opened (a
// FIFO would block an open) or moved: it used to be renamed aside and replaced by a file.
TEST_F(RestoreTest, PathThatIsNotAFileIsRefusedTouchingNothing) {
    prepare();
    fs::remove(db());
    for (const auto* kind : {"directory", "FIFO"}) {
        if (std::string(kind) == "directory") {
            fs::create_directory(db());
            m_dir.write("app.db/inside", "kept");
        } else {
            ASSERT_EQ(::mkfifo(db().c_str(), 0600), 0);
        }
        const auto before = names_in(m_dir.path());

        const auto error = refusal(options());

        EXPECT_EQ(error.code, ErrorCode::invalid_input) << kind;
        EXPECT_CONTAINS(error.message, db().string());
        EXPECT_CONTAINS(error.message, std::string("a ") + kind);
        EXPECT_EQ(names_in(m_dir.path()), before) << kind;
        const auto status = fs::symlink_status(db());
        EXPECT_TRUE(std::string(kind) == "directory" ? fs::is_directory(status)
                                                     : fs::is_fifo(status))
            << kind;
        if (std::string(kind) == "directory") {
            EXPECT_EQ(testing::read_file(db() / "inside"), "kept");
        }
        fs::remove_all(db());
    }
}

// A symlink as the database: the file it points at gets the backup, the symlink stays, and
// both paths take one run lock (the target's).
TEST_F(RestoreTest, SymlinkToAnUnreadableDatabaseRestoresItsTarget) {
    prepare();
    const auto real = m_dir / "real.db";
    fs::rename(db(), real);
    m_dir.write("real.db", std::string(4096, 'g'));
    fs::create_symlink("real.db", db());

    const auto report = restore();

    ASSERT_TRUE(fs::is_symlink(db()));
    EXPECT_EQ(fs::read_symlink(db()), "real.db");
    EXPECT_EQ(dump_database(real), m_backed_up);
    ASSERT_TRUE(report.moved_aside.has_value());
    EXPECT_TRUE(report.moved_aside->filename().string().starts_with("real-corrupt-"))
        << *report.moved_aside;
    EXPECT_EQ(testing::read_file(*report.moved_aside), std::string(4096, 'g'));
    EXPECT_EQ(run_lock_path(db()), m_dir / "real.db.belay-lock");
}

// What a restore killed with kill -9 leaves beside the database (its temporary copy and that
// copy's -journal, a temporary copy of the kept file) goes with the next restore; other
// files stay.
TEST_F(RestoreTest, LeftoversOfAKilledRestoreAreRemovedByTheNextOne) {
    prepare();
    const std::vector<std::string> leftovers{
        "app.db.tmp-0123456789abcdef", "app.db.tmp-0123456789abcdef-journal",
        "app.db.tmp-fedcba9876543210-wal", "app-corrupt-20261201-000000.db.tmp-00112233445566aa"};
    for (const auto& name : leftovers) {
        m_dir.write(name, "left by a killed restore");
    }
    m_dir.write("other.db.tmp-0123456789abcdef", "someone else's");

    restore();

    for (const auto& name : leftovers) {
        EXPECT_FALSE(fs::exists(m_dir / name)) << name;
    }
    EXPECT_TRUE(fs::exists(m_dir / "other.db.tmp-0123456789abcdef"));
    EXPECT_EQ(dump_database(db()), m_backed_up);
}

// The sidecar records which database a backup was taken from. Another database's backup is not
// restored on a blanket yes; explicitly allowed, or confirmed at a question naming both, it is.
TEST_F(RestoreTest, AnotherDatabasesBackupNeedsItsOwnConfirmation) {
    prepare();
    const auto other = m_dir / "other.db";
    {
        RawDatabase raw(other);
        raw.exec("CREATE TABLE elsewhere (x); INSERT INTO elsewhere VALUES (42);");
    }
    BackupOptions request;
    request.db.database = other;
    auto theirs = run_backup(request);
    ASSERT_TRUE(theirs.has_value()) << theirs.error().message;
    const auto before = dump_database(db());
    auto request_restore = options();
    request_restore.backup = theirs->path;

    const auto error = refusal(request_restore);
    EXPECT_EQ(error.code, ErrorCode::refused);
    EXPECT_CONTAINS(error.message, k_other_database_backup);
    EXPECT_CONTAINS(error.message, fs::weakly_canonical(other).string());
    EXPECT_CONTAINS(error.message, db().string());
    EXPECT_EQ(dump_database(db()), before);

    request_restore.assume_yes = false;
    std::string asked;
    request_restore.confirm = [&](const Message& question) {
        asked = question.text();
        return true;
    };
    restore(request_restore);
    EXPECT_CONTAINS(asked, "from another database: " + fs::weakly_canonical(other).string());
    EXPECT_EQ(dump_database(db()), dump_database(other));

    request_restore = options();
    request_restore.from_other_database = true;
    restore(request_restore);  // this database's own backup: the option changes nothing
    EXPECT_EQ(dump_database(db()), m_backed_up);
}

TEST_F(RestoreTest, HeldDatabaseIsBusyAndUnchanged) {
    for (const bool wal : {false, true}) {
        SCOPED_TRACE(wal ? "WAL" : "rollback journal");
        fs::remove_all(m_dir.path());
        fs::create_directories(m_dir.path());
        prepare(wal);
        const auto bytes = testing::read_file(db());
        RawDatabase holder(db());
        holder.exec("BEGIN IMMEDIATE");
        auto request = options();
        request.db.lock_timeout = 500ms;

        const auto start = Clock::now();
        const auto error = refusal(request);
        const auto elapsed = Clock::now() - start;

        EXPECT_EQ(error.code, ErrorCode::busy) << error.message;
        EXPECT_LT(elapsed, 30s);
        holder.exec("ROLLBACK");
        EXPECT_EQ(dump_database(db()), m_changed);
        if (!wal) {
            EXPECT_EQ(testing::read_file(db()), bytes);
        }
    }
}

TEST_F(RestoreTest, AnotherBelayRunHoldingTheRunLockIsBusy) {
    prepare();
    auto lock = RunLock::acquire(db(), 1s);
    ASSERT_TRUE(lock.has_value()) << lock.error().message;
    auto request = options();
    request.db.lock_timeout = 500ms;

    const auto error = refusal(request);

    EXPECT_EQ(error.code, ErrorCode::busy) << error.message;
    EXPECT_EQ(dump_database(db()), m_changed);
}

TEST_F(RestoreTest, LatestRestoresTheNewestIntactBackup) {
    prepare();
    // A newer backup of the changed state, corrupted: --latest must pass over it.
    const auto newer = m_dir / "app-29991231-235959.bak";
    fs::copy_file(m_backup, newer);
    auto metadata = parse_backup_metadata(testing::read_file(sidecar_path(m_backup)), "sidecar");
    ASSERT_TRUE(metadata.has_value());
    metadata->created_at = "2999-12-31T23:59:59Z";
    m_dir.write(sidecar_path(newer).filename().string(), to_json_text(*metadata));
    flip_bytes_in_the_middle(newer);

    auto request = options();
    request.backup.reset();
    request.latest = true;
    const auto report = restore(request);

    EXPECT_EQ(report.backup, m_backup);
    EXPECT_EQ(dump_database(db()), m_backed_up);
}

TEST_F(RestoreTest, ReportsTheVersionsBeforeAndAfter) {
    m_dir.write("migrations/0001_items.sql",
                "-- +migrate Up\nCREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);\n");
    MigrateOptions migrate;
    migrate.db = options().db;
    migrate.backup = false;
    auto first = run_migrate(migrate);
    ASSERT_TRUE(first.has_value() && first->succeeded());
    BackupOptions request;
    request.db = options().db;
    auto snapshot = run_backup(request);
    ASSERT_TRUE(snapshot.has_value()) << snapshot.error().message;
    m_backup = snapshot->path;
    m_dir.write("migrations/0002_more.sql", "-- +migrate Up\nCREATE TABLE more (id INTEGER);\n");
    auto second = run_migrate(migrate);
    ASSERT_TRUE(second.has_value() && second->succeeded());

    const auto report = restore();

    EXPECT_EQ(report.version_before, "0002");
    EXPECT_EQ(report.version_after, "0001");
    RawDatabase raw(db(), false);
    EXPECT_FALSE(raw.has_table("more"));
}

// The version of an unreadable file, or of a database whose history table under belay's name is
// another tool's, is not known: the report says so (no made-up version such as "-").
TEST_F(RestoreTest, TheVersionBeforeIsUnknownWhenBelayCannotTellIt) {
    prepare();
    fs::remove(db());
    m_dir.write("app.db", std::string(4096, 'g'));
    const auto unreadable = restore();
    ASSERT_TRUE(unreadable.moved_aside.has_value());
    EXPECT_EQ(unreadable.version_before, std::nullopt);

    RawDatabase(db()).exec(
        "CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, version_id INTEGER, "
        "is_applied INTEGER, tstamp TEXT);"  // goose's
        "INSERT INTO schema_migrations VALUES (1, 3, 1, '2020-01-01');");
    const auto foreign = restore();
    EXPECT_FALSE(foreign.moved_aside.has_value());
    EXPECT_EQ(foreign.version_before, std::nullopt);
    EXPECT_EQ(dump_database(db()), m_backed_up);
}

}  // namespace
}  // namespace belay::engine
