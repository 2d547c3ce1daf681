#include "engine/snapshot.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "belay/cancellation.hpp"
#include "core/checksum.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"
#include "unit/engine/raw_database.hpp"

namespace belay::engine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::dump_database;
using testing::header_versions;
using testing::names_in;
using testing::RawDatabase;

constexpr uid_t k_nobody_uid = 65534;
constexpr gid_t k_nobody_gid = 65534;

void overwrite(const fs::path& path, std::size_t offset, std::string_view bytes) {
    std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(static_cast<std::streamoff>(offset));
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(file.good()) << path;
}

BackupMetadata read_sidecar(const fs::path& backup) {
    const auto sidecar = sidecar_path(backup);
    auto metadata = parse_backup_metadata(testing::read_file(sidecar), sidecar.string());
    EXPECT_TRUE(metadata.has_value()) << metadata.error().message;
    return metadata.value_or(BackupMetadata{});
}

// Resets the process-wide cancellation flag when the test ends, however it ends.
struct CancellationReset {
    CancellationReset() { reset_cancellation(); }
    ~CancellationReset() { reset_cancellation(); }
};

class SnapshotTest : public ::testing::Test {
  protected:
    fs::path db() const { return m_dir / "app.db"; }
    fs::path backups() const { return m_dir / "backups"; }

    void SetUp() override { fs::create_directories(backups()); }

    // A database with a table, an index, a view, a trigger and a few rows.
    void make_database(bool wal = false, int page_size = 4096) {
        RawDatabase raw(db());
        raw.exec("PRAGMA page_size = " + std::to_string(page_size));
        if (wal) {
            raw.exec("PRAGMA journal_mode = WAL");
        }
        raw.exec(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL);"
            "CREATE INDEX users_by_name ON users (name);"
            "CREATE VIEW top_users AS SELECT name FROM users WHERE score > 1;"
            "CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT);"
            "CREATE TRIGGER users_audit AFTER INSERT ON users BEGIN "
            "  INSERT INTO audit (what) VALUES ('added ' || new.name); END;"
            "INSERT INTO users (name, score) VALUES ('ada', 2.5), ('bob', 0.5), ('cy', NULL);");
    }

    // Grows the database to about `megabytes` MiB of 1 KiB pages (many backup steps).
    void make_large_database(int megabytes) {
        RawDatabase raw(db());
        raw.exec("PRAGMA page_size = 1024");
        raw.exec(
            "CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB);"
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
            std::to_string(megabytes * 1024 / 2) +
            ") INSERT INTO blobs (data) SELECT randomblob(2000) FROM n;");
    }

    SnapshotRequest request() const {
        SnapshotRequest request;
        request.database = db();
        request.directory = backups();
        request.reason = std::string(k_reason_manual);
        request.lock_timeout = 2s;
        return request;
    }

    Snapshot snapshot(const SnapshotRequest& request) {
        auto snapshot = take_snapshot(request);
        if (!snapshot) {
            ADD_FAILURE() << "take_snapshot failed: " << snapshot.error().message;
            return {};
        }
        return *snapshot;
    }
    Snapshot snapshot() { return snapshot(request()); }

    testing::TempDir m_dir;
};

TEST_F(SnapshotTest, HoldsTheSourceRowsAndSchemaUnderADatedName) {
    make_database();
    const auto taken = snapshot();

    EXPECT_EQ(taken.path.parent_path(), backups());
    EXPECT_TRUE(
        std::regex_match(taken.path.filename().string(), std::regex(R"(app-\d{8}-\d{6}\.bak)")))
        << taken.path;
    EXPECT_EQ(dump_database(taken.path), dump_database(db()));
    EXPECT_EQ(names_in(backups()),
              (std::set<std::string>{taken.path.filename().string(),
                                     taken.path.filename().string() + ".json"}));
}

// In rollback-journal mode the snapshot is a sequential copy of the main file taken under the
// read transaction's SHARED lock: it must be byte for byte the database, and the sidecar's
// SHA-256 (computed during the copy) the file's.
TEST_F(SnapshotTest, RollbackJournalSourceIsCopiedByteForByte) {
    make_database();
    const auto taken = snapshot();

    EXPECT_EQ(testing::read_file(taken.path), testing::read_file(db()));
    EXPECT_EQ(read_sidecar(taken.path).sha256, sha256_hex(testing::read_file(taken.path)));
}

TEST_F(SnapshotTest, NameIsTheCurrentUtcSecond) {
    make_database();
    const auto before = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    const auto taken = snapshot();
    const auto after = std::chrono::system_clock::now();
    bool matched = false;
    for (auto t = before; t <= after; t += 1s) {
        matched = matched || taken.path.filename() == backup_file_name("app", t, 0);
    }
    EXPECT_TRUE(matched) << taken.path;
}

TEST_F(SnapshotTest, WalSourceGivesASelfContainedRollbackJournalCopy) {
    make_database(true);
    // Rows that exist only in the -wal file while this connection keeps it from checkpointing.
    RawDatabase writer(db());
    writer.exec("PRAGMA wal_autocheckpoint = 0");
    writer.exec("INSERT INTO users (name, score) VALUES ('only-in-wal', 9)");
    ASSERT_TRUE(fs::exists(db().string() + "-wal"));
    ASSERT_EQ(header_versions(db()), std::make_pair(2, 2));

    const auto taken = snapshot();

    EXPECT_EQ(header_versions(taken.path), std::make_pair(1, 1));
    EXPECT_FALSE(fs::exists(taken.path.string() + "-wal"));
    EXPECT_FALSE(fs::exists(taken.path.string() + "-journal"));
    EXPECT_EQ(dump_database(taken.path), dump_database(db()));
    RawDatabase copy(taken.path, false);
    EXPECT_EQ(copy.text("PRAGMA journal_mode"), "delete");
    EXPECT_EQ(copy.integer("SELECT count(*) FROM users WHERE name = 'only-in-wal'"), 1);
}

TEST_F(SnapshotTest, SidecarDescribesTheBackup) {
    make_database();
    auto req = request();
    req.reason = std::string(k_reason_before_migrate);
    req.schema_version = "0007";
    const auto start = std::chrono::system_clock::now();
    const auto taken = snapshot(req);

    const auto metadata = read_sidecar(taken.path);
    RawDatabase source(db(), false);
    EXPECT_EQ(metadata.source, fs::canonical(db()).string());
    EXPECT_EQ(metadata.reason, "before migrate");
    EXPECT_EQ(metadata.schema_version, "0007");
    EXPECT_EQ(metadata.sha256, sha256_file_hex(taken.path).value_or("?"));
    EXPECT_EQ(metadata.size_bytes, fs::file_size(taken.path));
    EXPECT_EQ(metadata.page_count, source.integer("PRAGMA page_count"));
    EXPECT_EQ(metadata.page_size, 4096);
    EXPECT_TRUE(std::regex_match(metadata.schema_fingerprint, std::regex("[0-9a-f]{64}")));
    EXPECT_TRUE(metadata.verified);
    EXPECT_FALSE(metadata.belay_version.empty());
    // created_at is the UTC time of the snapshot (generous margin for a loaded machine).
    std::tm parts{};
    ASSERT_NE(::strptime(metadata.created_at.c_str(), "%Y-%m-%dT%H:%M:%SZ", &parts), nullptr)
        << metadata.created_at;
    const auto created = ::timegm(&parts);
    const auto started = std::chrono::system_clock::to_time_t(start);
    EXPECT_GE(created, started - 1);
    EXPECT_LE(created, started + 120);
    // What take_snapshot reports is what the sidecar says.
    EXPECT_EQ(taken.metadata.sha256, metadata.sha256);
    EXPECT_EQ(taken.metadata.created_at, metadata.created_at);
    EXPECT_EQ(taken.metadata.source, metadata.source);
}

TEST_F(SnapshotTest, UnverifiedSnapshotSaysSo) {
    make_database();
    auto req = request();
    req.verify = false;
    const auto taken = snapshot(req);
    EXPECT_FALSE(read_sidecar(taken.path).verified);
    EXPECT_EQ(dump_database(taken.path), dump_database(db()));
}

TEST_F(SnapshotTest, CopiesTheDatabaseModeWhateverTheUmask) {
    make_database();
    ::chmod(db().c_str(), 0640);
    const mode_t old_mask = ::umask(0);
    const auto taken = snapshot();
    ::umask(old_mask);

    struct stat info {};
    ASSERT_EQ(::stat(taken.path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0640U);
    ASSERT_EQ(::stat(sidecar_path(taken.path).c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0640U);
}

TEST_F(SnapshotTest, CopiesTheDatabaseOwnerWhenRoot) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "only root can give a file away";
    }
    make_database();
    ASSERT_EQ(::chown(db().c_str(), k_nobody_uid, k_nobody_gid), 0);
    ::chmod(db().c_str(), 0600);
    const auto taken = snapshot();

    for (const auto& path : {taken.path, sidecar_path(taken.path)}) {
        struct stat info {};
        ASSERT_EQ(::stat(path.c_str(), &info), 0);
        EXPECT_EQ(info.st_uid, k_nobody_uid) << path;
        EXPECT_EQ(info.st_gid, k_nobody_gid) << path;
        EXPECT_EQ(info.st_mode & 07777, 0600U) << path;
    }
}

// An unprivileged user backing up a database they protected with chmod 0444: the backup gets
// mode 0444 too, which must not stop belay from writing the copy it owns.
TEST_F(SnapshotTest, ReadOnlyDatabaseOfAnUnprivilegedUserCanBeSnapshotted) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to switch to an unprivileged user in a child process";
    }
    make_database();
    ASSERT_EQ(::chown(m_dir.path().c_str(), k_nobody_uid, k_nobody_gid), 0);
    ASSERT_EQ(::chown(backups().c_str(), k_nobody_uid, k_nobody_gid), 0);
    ASSERT_EQ(::chown(db().c_str(), k_nobody_uid, k_nobody_gid), 0);
    ::chmod(db().c_str(), 0444);
    const auto req = request();

    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        if (::setgid(k_nobody_gid) != 0 || ::setuid(k_nobody_uid) != 0) {
            ::_exit(10);
        }
        auto taken = take_snapshot(req);
        if (!taken) {
            std::fprintf(stderr, "take_snapshot: %s\n", taken.error().message.c_str());
        }
        ::_exit(taken ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "the snapshot failed (its error is on stderr above)";
    std::vector<std::string> baks;
    for (const auto& name : names_in(backups())) {
        if (name.ends_with(".bak")) {
            baks.push_back(name);
        }
    }
    ASSERT_EQ(baks.size(), 1U) << "files: " << names_in(backups()).size();
    EXPECT_EQ(dump_database(backups() / baks.front()), dump_database(db()));
}

TEST_F(SnapshotTest, WritesToAnExactOutPath) {
    make_database();
    auto req = request();
    req.out = m_dir / "manual.bak";
    const auto taken = snapshot(req);
    EXPECT_EQ(taken.path, m_dir / "manual.bak");
    EXPECT_TRUE(fs::exists(m_dir / "manual.bak.json"));
    EXPECT_EQ(dump_database(taken.path), dump_database(db()));
    EXPECT_TRUE(names_in(backups()).empty());
}

TEST_F(SnapshotTest, NeverOverwritesAnExistingOutPath) {
    make_database();
    const auto out = m_dir.write("manual.bak", "precious");
    const auto before = names_in(m_dir.path());
    auto req = request();
    req.out = out;

    auto taken = take_snapshot(req);

    ASSERT_FALSE(taken.has_value());
    EXPECT_EQ(taken.error().code, ErrorCode::snapshot_failed);
    EXPECT_CONTAINS(taken.error().message, out.string());
    EXPECT_EQ(testing::read_file(out), "precious");
    EXPECT_EQ(names_in(m_dir.path()), before);
}

TEST_F(SnapshotTest, NeverWritesThroughASymlinkOrBesideAnExistingSidecar) {
    make_database();
    const auto target = m_dir.write("target.txt", "keep me");
    fs::create_symlink(target, m_dir / "link.bak");
    fs::create_symlink(m_dir / "nowhere", m_dir / "dangling.bak");
    m_dir.write("orphan.bak.json", "{}");
    const auto before = names_in(m_dir.path());

    for (const char* name : {"link.bak", "dangling.bak", "orphan.bak"}) {
        auto req = request();
        req.out = m_dir / name;
        auto taken = take_snapshot(req);
        ASSERT_FALSE(taken.has_value()) << name;
        EXPECT_EQ(taken.error().code, ErrorCode::snapshot_failed) << name;
    }

    EXPECT_EQ(testing::read_file(target), "keep me");
    EXPECT_FALSE(fs::exists(m_dir / "nowhere"));
    EXPECT_EQ(testing::read_file(m_dir / "orphan.bak.json"), "{}");
    EXPECT_EQ(names_in(m_dir.path()), before);
}

TEST_F(SnapshotTest, SameSecondNameTakenGetsTheNextSuffix) {
    make_database();
    // Occupy the plain name of every second the snapshot can run in: a file, and for the -1
    // name a dangling symlink and a sidecar without its backup, which must count as taken.
    const auto start = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    for (int s = 0; s < 60; ++s) {
        const auto t = start + std::chrono::seconds(s);
        m_dir.write("backups/" + backup_file_name("app", t, 0), "placeholder");
        fs::create_symlink(m_dir / "nowhere", backups() / backup_file_name("app", t, 1));
        m_dir.write("backups/" + backup_file_name("app", t, 2) + ".json", "{}");
    }

    const auto taken = snapshot();
    const auto finished = std::chrono::system_clock::now();

    ASSERT_LT(finished, start + 60s) << "the machine is too slow for this test";
    bool matched = false;
    for (auto t = start; t <= finished; t += 1s) {
        matched = matched || taken.path.filename() == backup_file_name("app", t, 3);
    }
    EXPECT_TRUE(matched) << taken.path;
    EXPECT_EQ(dump_database(taken.path), dump_database(db()));
    EXPECT_EQ(testing::read_file(backups() / backup_file_name("app", start, 0)), "placeholder");
    EXPECT_FALSE(fs::exists(m_dir / "nowhere"));
}

TEST_F(SnapshotTest, TwoSnapshotsInARowGetDistinctNames) {
    make_database();
    const auto first = snapshot();
    const auto second = snapshot();
    EXPECT_NE(first.path, second.path);
    EXPECT_EQ(dump_database(first.path), dump_database(second.path));
    EXPECT_EQ(names_in(backups()).size(), 4U);
}

// `db backup` does not take the run lock, so it can run beside a migrate's snapshot: two
// snapshots of one database that start in the same second must both end up under their own
// names, the later one with the next suffix, instead of one failing over a taken name.
TEST_F(SnapshotTest, ConcurrentSnapshotsInTheSameSecondBothSucceed) {
    make_large_database(10);
    std::atomic<bool> first_copying{false};
    std::atomic<bool> second_done{false};
    auto slow = request();
    slow.progress = [&](std::int64_t, std::int64_t, std::int64_t) {
        first_copying = true;
        const auto give_up = std::chrono::steady_clock::now() + 60s;
        while (!second_done && std::chrono::steady_clock::now() < give_up) {
            std::this_thread::sleep_for(1ms);
        }
    };
    Result<Snapshot> first = fail(ErrorCode::invalid_input, "not run");
    std::thread runner([&] { first = take_snapshot(slow); });
    const auto give_up = std::chrono::steady_clock::now() + 60s;
    while (!first_copying && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(1ms);
    }
    auto second = take_snapshot(request());
    second_done = true;
    runner.join();

    ASSERT_TRUE(second.has_value()) << second.error().message;
    ASSERT_TRUE(first.has_value()) << first.error().message;
    EXPECT_NE(first->path, second->path);
    EXPECT_EQ(names_in(backups()).size(), 4U);
    EXPECT_EQ(verify_backup(first->path, read_sidecar(first->path))
                  .value_or(std::vector<std::string>{"<error>"}),
              std::vector<std::string>{});
}

TEST_F(SnapshotTest, SourceHeldByBeginImmediateStillSnapshotsItsCommittedState) {
    for (const bool wal : {false, true}) {
        SCOPED_TRACE(wal ? "WAL" : "rollback journal");
        fs::remove_all(backups());
        fs::create_directories(backups());
        fs::remove(db());
        make_database(wal);
        const auto committed = dump_database(db());
        RawDatabase holder(db());
        holder.exec("BEGIN IMMEDIATE");
        holder.exec("INSERT INTO users (name) VALUES ('uncommitted')");

        const auto taken = snapshot();

        EXPECT_EQ(dump_database(taken.path), committed);
        holder.exec("COMMIT");  // the snapshot left no lock behind
        RawDatabase after(db(), false);
        EXPECT_EQ(after.integer("SELECT count(*) FROM users WHERE name = 'uncommitted'"), 1);
    }
}

TEST_F(SnapshotTest, SourceLockedExclusivelyPastTheTimeoutIsBusyAndLeavesNoFiles) {
    make_database();
    RawDatabase holder(db());
    holder.exec("BEGIN EXCLUSIVE");
    auto req = request();
    req.lock_timeout = 300ms;

    const auto start = std::chrono::steady_clock::now();
    auto taken = take_snapshot(req);
    const auto elapsed = std::chrono::steady_clock::now() - start;

    ASSERT_FALSE(taken.has_value());
    EXPECT_EQ(taken.error().code, ErrorCode::busy) << taken.error().message;
    EXPECT_GE(elapsed, 250ms);
    EXPECT_LT(elapsed, 30s);
    EXPECT_TRUE(names_in(backups()).empty());
    holder.exec("COMMIT");
}

TEST_F(SnapshotTest, ProgressReportsIncreasingBytesEndingAtTheTotal) {
    make_large_database(10);
    std::vector<std::pair<std::int64_t, std::int64_t>> calls;
    auto req = request();
    req.progress = [&](std::int64_t done, std::int64_t total, std::int64_t) {
        calls.emplace_back(done, total);
    };

    const auto taken = snapshot(req);

    RawDatabase source(db(), false);
    const auto total = source.integer("PRAGMA page_count") * 1024;
    ASSERT_GE(calls.size(), 2U) << "a 10 MiB copy of 1 KiB pages takes several steps";
    for (std::size_t i = 0; i < calls.size(); ++i) {
        EXPECT_EQ(calls[i].second, total) << i;
        if (i > 0) {
            EXPECT_GT(calls[i].first, calls[i - 1].first) << i;
        }
    }
    EXPECT_GT(calls.front().first, 0);
    EXPECT_EQ(calls.back().first, total);
    EXPECT_EQ(static_cast<std::int64_t>(fs::file_size(taken.path)), total);
}

TEST_F(SnapshotTest, CancellationFromAnotherThreadInterruptsAndLeavesNoFiles) {
    CancellationReset reset;
    make_large_database(10);
    std::atomic<bool> copying{false};
    std::atomic<bool> cancelled{false};
    auto req = request();
    // The first chunk waits until the other thread has asked to stop, so the request is sure
    // to land in the middle of the copy.
    req.progress = [&](std::int64_t, std::int64_t, std::int64_t) {
        copying = true;
        const auto give_up = std::chrono::steady_clock::now() + 60s;
        while (!cancelled && std::chrono::steady_clock::now() < give_up) {
            std::this_thread::sleep_for(1ms);
        }
    };
    std::thread canceller([&] {
        const auto give_up = std::chrono::steady_clock::now() + 60s;
        while (!copying && std::chrono::steady_clock::now() < give_up) {
            std::this_thread::sleep_for(1ms);
        }
        request_cancellation(SIGINT);
        cancelled = true;
    });

    auto taken = take_snapshot(req);
    canceller.join();

    ASSERT_FALSE(taken.has_value());
    EXPECT_EQ(taken.error().code, ErrorCode::interrupted);
    EXPECT_TRUE(names_in(backups()).empty());

    reset_cancellation();
    req.progress = nullptr;
    auto again = take_snapshot(req);
    ASSERT_TRUE(again.has_value()) << "after reset_cancellation: " << again.error().message;
    EXPECT_EQ(dump_database(again->path), dump_database(db()));
}

TEST_F(SnapshotTest, FailureToWriteLeavesNoFiles) {
    make_database();
    m_dir.write("not-a-directory", "x");
    auto req = request();
    req.directory = m_dir / "not-a-directory";
    auto taken = take_snapshot(req);
    ASSERT_FALSE(taken.has_value());
    EXPECT_EQ(taken.error().code, ErrorCode::snapshot_failed);
    EXPECT_TRUE(names_in(backups()).empty());
    EXPECT_EQ(testing::read_file(m_dir / "not-a-directory"), "x");
}

TEST_F(SnapshotTest, MissingSourceFailsAndCreatesNothing) {
    auto taken = take_snapshot(request());
    ASSERT_FALSE(taken.has_value());
    EXPECT_CONTAINS(taken.error().message, db().string());
    EXPECT_FALSE(fs::exists(db()));
    EXPECT_TRUE(names_in(backups()).empty());
}

class VerifyBackupTest : public SnapshotTest {
  protected:
    void SetUp() override {
        SnapshotTest::SetUp();
        make_database();
        {
            RawDatabase raw(db());
            raw.exec(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                "INSERT INTO users (name, score) SELECT 'user' || i, i FROM n;");
        }
        m_taken = snapshot();
        m_metadata = read_sidecar(m_taken.path);
    }

    std::vector<std::string> problems(const BackupMetadata& metadata) {
        auto found = verify_backup(m_taken.path, metadata);
        if (!found) {
            ADD_FAILURE() << "verify_backup failed instead of reporting problems: "
                          << found.error().message;
            return {"<error>"};
        }
        return *found;
    }

    // The sidecar rewritten to carry the SHA-256 of the file as it is now (a forger's sidecar).
    BackupMetadata forged() const {
        auto metadata = m_metadata;
        metadata.sha256 = sha256_file_hex(m_taken.path).value_or("?");
        return metadata;
    }

    std::string joined(const std::vector<std::string>& items) {
        std::string text;
        for (const auto& item : items) {
            text += item + "\n";
        }
        return text;
    }

    Snapshot m_taken;
    BackupMetadata m_metadata;
};

TEST_F(VerifyBackupTest, IntactBackupHasNoProblems) {
    EXPECT_EQ(problems(m_metadata), std::vector<std::string>{});
}

TEST_F(VerifyBackupTest, FlippedBytesAreCaughtByTheSha256) {
    const auto size = fs::file_size(m_taken.path);
    overwrite(m_taken.path, size / 2, "\xde\xad\xbe\xef");
    const auto found = problems(m_metadata);
    ASSERT_FALSE(found.empty());
    EXPECT_CONTAINS(joined(found), "SHA-256");
}

TEST_F(VerifyBackupTest, TruncatedFileIsAProblem) {
    fs::resize_file(m_taken.path, fs::file_size(m_taken.path) / 2);
    EXPECT_FALSE(problems(m_metadata).empty());
    // Even with a sidecar that agrees with the damaged bytes, SQLite's checks catch it.
    EXPECT_FALSE(problems(forged()).empty());
}

TEST_F(VerifyBackupTest, DamagedPageWithAForgedSha256FailsQuickCheck) {
    // Page 2 is the users table's root: scribble over its b-tree page header.
    overwrite(m_taken.path, 4096, std::string(16, '\x7f'));
    const auto found = problems(forged());
    ASSERT_FALSE(found.empty());
    EXPECT_NOT_CONTAINS(joined(found), "SHA-256");
}

TEST_F(VerifyBackupTest, NonSqliteFileWithAForgedSha256IsNotReadable) {
    fs::remove(m_taken.path);
    m_dir.write("backups/" + m_taken.path.filename().string(),
                std::string(8192, 'x') + "this is not a database");
    const auto found = problems(forged());
    ASSERT_FALSE(found.empty());
    EXPECT_CONTAINS(joined(found), "not a readable SQLite database");
}

TEST_F(VerifyBackupTest, PageCountOtherThanRecordedIsAProblem) {
    auto metadata = m_metadata;
    metadata.page_count += 1;
    const auto found = problems(metadata);
    ASSERT_EQ(found.size(), 1U) << joined(found);
    EXPECT_CONTAINS(found.front(), "pages");
}

TEST_F(VerifyBackupTest, SchemaOtherThanRecordedIsAProblem) {
    auto metadata = m_metadata;
    metadata.schema_fingerprint = std::string(64, '0');
    const auto found = problems(metadata);
    ASSERT_EQ(found.size(), 1U) << joined(found);
    EXPECT_CONTAINS(found.front(), "schema");
}

TEST_F(VerifyBackupTest, MissingFileIsAnError) {
    fs::remove(m_taken.path);
    auto found = verify_backup(m_taken.path, m_metadata);
    ASSERT_FALSE(found.has_value());
    EXPECT_CONTAINS(found.error().message, m_taken.path.string());
}

// Leaves `database` as a crash mid-transaction does: a child rewrites every users row with a
// tiny page cache, so changed pages spill into the file, and exits without committing. What is
// left is a hot -journal holding the pages as they were before that transaction.
void leave_hot_journal(const fs::path& database) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        sqlite3* raw = nullptr;
        const bool ok = sqlite3_open(database.c_str(), &raw) == SQLITE_OK &&
                        sqlite3_exec(raw,
                                     "PRAGMA cache_size = 2; BEGIN; "
                                     "UPDATE users SET name = hex(randomblob(600));",
                                     nullptr, nullptr, nullptr) == SQLITE_OK;
        ::_exit(ok ? 0 : 1);  // no rollback, no test framework in the child
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_GT(fs::file_size(database.string() + "-journal"), 0U);
}

// A -journal dropped beside a backup (here: the hot journal of another copy, which holds rows
// the backup never had) must never be rolled into it: the backup is evidence, read exactly as
// its SHA-256 covers it, and nothing is written or created beside it.
TEST_F(VerifyBackupTest, HotJournalBesideTheBackupIsNeverRolledIntoIt) {
    const auto other = m_dir / "other.db";
    fs::copy_file(m_taken.path, other);
    RawDatabase(other).exec("UPDATE users SET name = 'from the journal'");
    leave_hot_journal(other);
    const auto journal = m_taken.path.string() + "-journal";
    fs::rename(other.string() + "-journal", journal);
    {
        // The premise: any read-write open would roll this journal into the backup.
        const auto probe = m_dir / "probe.db";
        fs::copy_file(m_taken.path, probe);
        fs::copy_file(journal, probe.string() + "-journal");
        RawDatabase opened(probe);
        ASSERT_NE(opened.text("SELECT count(*) FROM users WHERE name = 'from the journal'"), "0");
    }
    const auto bytes = testing::read_file(m_taken.path);
    const auto journal_bytes = testing::read_file(journal);
    const auto modified = fs::last_write_time(m_taken.path);
    const auto before = names_in(backups());

    EXPECT_EQ(problems(m_metadata), std::vector<std::string>{});

    EXPECT_EQ(testing::read_file(m_taken.path), bytes) << "the journal was rolled into the backup";
    EXPECT_EQ(fs::last_write_time(m_taken.path), modified);
    EXPECT_EQ(testing::read_file(journal), journal_bytes);
    EXPECT_EQ(names_in(backups()), before);
}

TEST_F(VerifyBackupTest, SidecarLackingAFieldMakesTheBackupUnverifiableNamingIt) {
    for (const char* field : {"schema_fingerprint", "page_count"}) {
        auto metadata = m_metadata;
        metadata.missing_fields = {field};
        const auto found = problems(metadata);
        ASSERT_EQ(found.size(), 1U) << joined(found);
        EXPECT_TRUE(found.front().starts_with("unverifiable")) << found.front();
        EXPECT_CONTAINS(found.front(), sidecar_path(m_taken.path).string());
        EXPECT_CONTAINS(found.front(), field);
    }
}

// A FIFO is never opened for reading without O_NONBLOCK: that open would wait for a writer.
TEST_F(VerifyBackupTest, FifoAtTheBackupsNameIsAnErrorAtOnce) {
    fs::remove(m_taken.path);
    ASSERT_EQ(::mkfifo(m_taken.path.c_str(), 0600), 0);
    auto checked =
        std::async(std::launch::async, [&] { return verify_backup(m_taken.path, m_metadata); });
    if (checked.wait_for(60s) != std::future_status::ready) {
        // Unblock the stuck reader so that the test can end, then fail.
        const int writer = ::open(m_taken.path.c_str(), O_WRONLY);
        ::close(writer);
        FAIL() << "verify_backup blocked on a FIFO";
    }
    auto found = checked.get();
    ASSERT_FALSE(found.has_value());
    EXPECT_CONTAINS(found.error().message, m_taken.path.string());
    EXPECT_CONTAINS(found.error().message, "FIFO");
}

TEST_F(SnapshotTest, SequenceIsOneMoreThanTheHighestOfThisDatabasesBackups) {
    make_database();
    const auto first = snapshot();
    const auto second = snapshot();
    EXPECT_EQ(read_sidecar(first.path).sequence, 1);
    EXPECT_EQ(read_sidecar(second.path).sequence, 2);
    // Another database's backups in the same directory do not count; a higher one of ours does.
    auto theirs = read_sidecar(second.path);
    theirs.source = "/elsewhere/other.db";
    theirs.sequence = 1000;
    m_dir.write("backups/other-20200101-000000.bak.json", to_json_text(theirs));
    auto ours = read_sidecar(second.path);
    ours.sequence = 7;
    m_dir.write("backups/app-20200101-000000.bak.json", to_json_text(ours));
    EXPECT_EQ(read_sidecar(snapshot().path).sequence, 8);
}

// A generated column calling a function this SQLite lacks is accepted by ALTER TABLE, but
// quick_check then fails on every copy: the message must say why and where, not just "cannot".
TEST_F(SnapshotTest, CopyThatCannotBeCheckedSaysWhyAndWhichObject) {
    make_database();
    RawDatabase(db()).exec(
        "ALTER TABLE users ADD COLUMN shout TEXT GENERATED ALWAYS AS (no_such_fn(name)) "
        "VIRTUAL");
    auto taken = take_snapshot(request());
    ASSERT_FALSE(taken.has_value());
    EXPECT_EQ(taken.error().code, ErrorCode::snapshot_failed);
    EXPECT_CONTAINS(taken.error().message, "function: no_such_fn");
    EXPECT_CONTAINS(taken.error().message, db().string());
    EXPECT_CONTAINS(taken.error().message, "table users");
    EXPECT_CONTAINS(taken.error().message, "new migration");
    EXPECT_TRUE(names_in(backups()).empty());
}

}  // namespace
}  // namespace belay::engine
