// Error::subject.path through the public calls: every error about one file or directory names
// it there, so that a program can point at the file without reading the message.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include <belay/belay.hpp>

#include "support/expect.hpp"
#include "unit/api/api_fixture.hpp"
#include "unit/engine/raw_database.hpp"

namespace belay {
namespace {

namespace fs = std::filesystem;
using testing::RawDatabase;

constexpr uid_t k_nobody_uid = 65534;
constexpr gid_t k_nobody_gid = 65534;

constexpr const char* k_migration =
    "-- +migrate Up\nCREATE TABLE items (id INTEGER PRIMARY KEY);\n";

// What a failed call's error is about, and its message for the failure report.
template <typename T>
fs::path subject_of(const Result<T>& result) {
    EXPECT_FALSE(result.has_value()) << "the call succeeded";
    return result ? fs::path() : result.error().subject.path;
}

// Runs `check` as a user whom file permissions bind: this process's user, or, when that is root
// (whom they do not bind), nobody, in a child process, after everything in `dir` is given to
// nobody (the permissions the test set stay). True when `check` returned true.
bool as_bound_user(const fs::path& dir, const std::function<bool()>& check) {
    if (::geteuid() != 0) {
        return check();
    }
    EXPECT_EQ(::chown(dir.c_str(), k_nobody_uid, k_nobody_gid), 0);
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        EXPECT_EQ(::lchown(entry.path().c_str(), k_nobody_uid, k_nobody_gid), 0) << entry.path();
    }
    const pid_t child = ::fork();
    if (child == 0) {
        if (::setgid(k_nobody_gid) != 0 || ::setuid(k_nobody_uid) != 0) {
            ::_exit(10);
        }
        ::_exit(check() ? 0 : 1);
    }
    int status = 0;
    EXPECT_EQ(::waitpid(child, &status, 0), child);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// In the child of as_bound_user: whether `result` failed about `expected`, saying what it got
// on stderr when not (no gtest assertion reaches the parent from there).
template <typename T>
bool fails_about(const Result<T>& result, const fs::path& expected) {
    if (result) {
        std::fprintf(stderr, "the call succeeded\n");
        return false;
    }
    if (result.error().subject.path != expected) {
        std::fprintf(stderr, "subject.path is '%s', not '%s'; the error: %s\n",
                     result.error().subject.path.c_str(), expected.c_str(),
                     result.error().message.c_str());
        return false;
    }
    return true;
}

class ErrorSubject : public testing::ApiTest {
  protected:
    RestoreOptions restore_options(const fs::path& backup) const {
        RestoreOptions options;
        options.db = this->options();
        options.backup = backup;
        options.assume_yes = true;
        return options;
    }

    // app.db with a row, and a backup of it in the database's directory.
    fs::path make_backup() {
        RawDatabase(db()).exec("CREATE TABLE t (x); INSERT INTO t VALUES (1);");
        BackupOptions backup;
        backup.db = options();
        auto taken = run_backup(backup);
        EXPECT_TRUE(taken.has_value()) << taken.error().message;
        return taken ? taken->path : fs::path();
    }
};

// A busy database is about another connection, not about the file: no path, as error.hpp says.
TEST_F(ErrorSubject, ABusyDatabaseNamesNoPath) {
    fs::create_directories(migrations());
    RawDatabase(db()).exec("CREATE TABLE t (x);");
    RawDatabase holder(db());
    holder.exec("BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);");
    BackupOptions backup;
    backup.db = options();
    backup.db.lock_timeout = std::chrono::milliseconds(50);
    auto busy = run_backup(backup);
    ASSERT_FALSE(busy);
    EXPECT_EQ(busy.error().code, ErrorCode::busy) << busy.error().message;
    EXPECT_EQ(busy.error().subject.path, fs::path()) << busy.error().message;
    auto status = build_status(backup.db);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code, ErrorCode::busy) << status.error().message;
    EXPECT_EQ(status.error().subject.path, fs::path()) << status.error().message;
}

TEST_F(ErrorSubject, RestoreNamesABackupThatIsMissingOrNotAFile) {
    make_backup();
    const auto missing = m_dir / "missing.bak";
    EXPECT_EQ(subject_of(run_restore(restore_options(missing))), missing);

    const auto directory = m_dir / "directory.bak";
    fs::create_directory(directory);
    EXPECT_EQ(subject_of(run_restore(restore_options(directory))), directory);

    const auto fifo = m_dir / "fifo.bak";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_EQ(subject_of(run_restore(restore_options(fifo))), fifo);

    const auto dangling = m_dir / "dangling.bak";
    fs::create_symlink(m_dir / "nowhere.bak", dangling);
    EXPECT_EQ(subject_of(run_restore(restore_options(dangling))), dangling);
}

TEST_F(ErrorSubject, RestoreNamesABackupThatFailsVerification) {
    const auto backup = make_backup();

    const auto unverifiable = m_dir / "copy.bak";
    fs::copy_file(backup, unverifiable);  // no sidecar beside it
    auto no_sidecar = run_restore(restore_options(unverifiable));
    EXPECT_EQ(subject_of(no_sidecar), unverifiable);

    {
        std::fstream file(backup, std::ios::binary | std::ios::in | std::ios::out);
        file.seekp(static_cast<std::streamoff>(fs::file_size(backup) / 2));
        file.write("\xde\xad\xbe\xef", 4);
    }
    auto changed = run_restore(restore_options(backup));
    EXPECT_EQ(subject_of(changed), backup);
    ASSERT_FALSE(changed);
    EXPECT_EQ(changed.error().code, ErrorCode::refused);
    EXPECT_CONTAINS(changed.error().message, "SHA-256");
}

TEST_F(ErrorSubject, RestoreNamesASidecarItCannotRead) {
    const auto backup = make_backup();
    const auto sidecar = fs::path(backup.string() + ".json");
    fs::remove(sidecar);
    ASSERT_EQ(::mkfifo(sidecar.c_str(), 0600), 0);
    EXPECT_EQ(subject_of(run_restore(restore_options(backup))), sidecar);

    fs::remove(sidecar);
    m_dir.write(sidecar.filename().string(), "{ not json");
    EXPECT_EQ(subject_of(run_restore(restore_options(backup))), sidecar);
}

TEST_F(ErrorSubject, RestoreNamesAnotherDatabasesBackup) {
    const auto backup = backup_of_another_database();
    ASSERT_FALSE(backup.empty());
    EXPECT_EQ(subject_of(run_restore(restore_options(backup))), backup);
}

TEST_F(ErrorSubject, RestoreLatestNamesTheBackupDirectoryWithoutAnIntactBackup) {
    RawDatabase(db()).exec("CREATE TABLE t (x);");
    auto options = restore_options({});
    options.backup.reset();
    options.latest = true;
    options.db.backup_dir = m_dir / "backups";
    fs::create_directory(options.db.backup_dir);
    EXPECT_EQ(subject_of(run_restore(options)), options.db.backup_dir);
}

TEST_F(ErrorSubject, RestoreNamesADatabasePathThatIsNotADatabaseFile) {
    const auto backup = make_backup();
    fs::remove(db());
    fs::create_directory(db());
    EXPECT_EQ(subject_of(run_restore(restore_options(backup))), db());
}

TEST_F(ErrorSubject, RestoreNamesADatabaseItCannotWrite) {
    const auto backup = make_backup();
    ASSERT_EQ(::chmod(db().c_str(), 0444), 0);
    const auto options = restore_options(backup);
    EXPECT_TRUE(as_bound_user(m_dir.path(), [&] {
        return fails_about(run_restore(options), db());
    })) << "(the child's error is on stderr above)";
}

TEST_F(ErrorSubject, BackupNamesTheBackupDirectoryItCannotUse) {
    RawDatabase(db()).exec("CREATE TABLE t (x);");
    BackupOptions backup;
    backup.db = options();

    backup.db.backup_dir = m_dir / "missing";
    EXPECT_EQ(subject_of(run_backup(backup)), backup.db.backup_dir);

    backup.db.backup_dir = m_dir.write("file", "not a directory");
    EXPECT_EQ(subject_of(run_backup(backup)), backup.db.backup_dir);

    backup.db.backup_dir = m_dir / "read-only";
    fs::create_directory(backup.db.backup_dir);
    ASSERT_EQ(::chmod(backup.db.backup_dir.c_str(), 0555), 0);
    EXPECT_TRUE(as_bound_user(m_dir.path(), [&] {
        return fails_about(run_backup(backup), backup.db.backup_dir);
    })) << "(the child's error is on stderr above)";
}

TEST_F(ErrorSubject, BackupNamesAnOutPathThatIsTakenAndADatabaseThatIsMissing) {
    RawDatabase(db()).exec("CREATE TABLE t (x);");
    BackupOptions backup;
    backup.db = options();
    backup.out = m_dir.write("taken.bak", "someone's file");
    EXPECT_EQ(subject_of(run_backup(backup)), *backup.out);

    backup.out.reset();
    backup.db.database = m_dir / "missing.db";
    EXPECT_EQ(subject_of(run_backup(backup)), backup.db.database);
}

TEST_F(ErrorSubject, PruneNamesTheBackupItCannotRemoveAndADirectoryItCannotList) {
    const auto oldest = make_backup();
    BackupOptions backup;
    backup.db = options();
    ASSERT_TRUE(run_backup(backup));
    PruneOptions prune;
    prune.db = options();
    prune.keep = 1;
    ASSERT_EQ(::chmod(m_dir.path().c_str(), 0555), 0);  // nothing in it can be removed
    const auto now = std::chrono::system_clock::now();
    EXPECT_TRUE(as_bound_user(m_dir.path(), [&] {
        return fails_about(run_prune(prune, now), oldest);
    })) << "(the child's error is on stderr above)";
    ASSERT_EQ(::chmod(m_dir.path().c_str(), 0700), 0);

    prune.db.backup_dir = m_dir.write("file", "not a directory");
    EXPECT_EQ(subject_of(run_prune(prune, now)), prune.db.backup_dir);
}

TEST_F(ErrorSubject, MigrateNamesAMigrationsDirectoryItCannotUse) {
    RawDatabase(db()).exec("CREATE TABLE t (x);");
    EXPECT_EQ(subject_of(run_migrate(migrate_options())), migrations());

    m_dir.write("migrations", "a file, not a directory");
    EXPECT_EQ(subject_of(run_migrate(migrate_options())), migrations());

    fs::remove(migrations());
    fs::create_directory(migrations());
    EXPECT_EQ(subject_of(run_migrate(migrate_options())), migrations()) << "no migration files";

    m_dir.write("migrations/0001_items.sql", k_migration);
    ASSERT_EQ(::chmod(migrations().c_str(), 0), 0);
    const auto options = migrate_options();
    EXPECT_TRUE(as_bound_user(m_dir.path(), [&] {
        return fails_about(load_migration_set(options.db), migrations());
    })) << "(the child's error is on stderr above)";
    ASSERT_EQ(::chmod(migrations().c_str(), 0700), 0);
}

TEST_F(ErrorSubject, MigrateNamesAMigrationFileItCannotRead) {
    RawDatabase(db()).exec("CREATE TABLE t (x);");
    fs::create_directory(migrations());
    const auto fifo = migrations() / "0001_items.sql";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_EQ(subject_of(run_migrate(migrate_options())), fifo);

    fs::remove(fifo);
    const auto file = m_dir.write("migrations/0001_items.sql", k_migration);
    ASSERT_EQ(::chmod(file.c_str(), 0), 0);
    const auto options = migrate_options();
    EXPECT_TRUE(as_bound_user(m_dir.path(), [&] {
        return fails_about(load_migration_set(options.db), file);
    })) << "(the child's error is on stderr above)";
}

TEST_F(ErrorSubject, AProblemInOneMigrationFileKeepsItsFileAndLine) {
    const std::string twice_verify = "-- +migrate Up\n-- +migrate Verify\n-- +migrate Verify\n";
    const auto bad = m_dir.write("migrations/0001_items.sql", twice_verify);
    auto one = load_migration_set(migrations());
    EXPECT_EQ(subject_of(one), bad);
    ASSERT_FALSE(one);
    EXPECT_EQ(one.error().subject.line, 3) << one.error().message;

    m_dir.write("migrations/0002_more.sql", twice_verify);
    auto two = load_migration_set(migrations());
    EXPECT_EQ(subject_of(two), fs::path()) << "problems in two files are about neither alone";
}

TEST_F(ErrorSubject, MigrateNamesADatabaseItRefuses) {
    m_dir.write("migrations/0001_items.sql", k_migration);

    m_dir.write("app.db", std::string(4096, 'x'));
    EXPECT_EQ(subject_of(run_migrate(migrate_options())), db()) << "not a database";

    fs::remove(db());
    RawDatabase(db()).exec("CREATE TABLE t (x); INSERT INTO t VALUES (randomblob(10000));");
    fs::resize_file(db(), fs::file_size(db()) - 100);
    EXPECT_EQ(subject_of(run_migrate(migrate_options())), db()) << "damaged";

    fs::remove(db());
    RawDatabase(db()).exec("CREATE TABLE t (x);");
    fs::create_hard_link(db(), m_dir / "second-name.db");
    EXPECT_EQ(subject_of(run_migrate(migrate_options())), db()) << "hard links";
    fs::remove(m_dir / "second-name.db");

    ASSERT_EQ(::chmod(db().c_str(), 0444), 0);
    const auto options = migrate_options();
    EXPECT_TRUE(as_bound_user(m_dir.path(), [&] {
        return fails_about(run_migrate(options), db());
    })) << "(the child's error is on stderr above)";
}

TEST_F(ErrorSubject, CallsOnAMissingDatabaseNameIt) {
    m_dir.write("migrations/0001_items.sql", k_migration);
    CheckOptions check;
    check.db = options();
    EXPECT_EQ(subject_of(run_check(check)), db());
    auto down = migrate_options();
    down.operation = Operation::down;
    EXPECT_EQ(subject_of(run_migrate(down)), db());
}

}  // namespace
}  // namespace belay
