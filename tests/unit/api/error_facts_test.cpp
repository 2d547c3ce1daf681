// What an error says as facts through the public calls: the file and line of a problem in a
// migration (read from files or embedded), the option an invalid value is about, and the same
// refusals from every call.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <belay/belay.hpp>

#include "support/expect.hpp"
#include "unit/api/api_fixture.hpp"
#include "unit/engine/raw_database.hpp"

namespace belay {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::RawDatabase;

constexpr const char* k_items = "-- +migrate Up\nCREATE TABLE items (id INTEGER PRIMARY KEY);\n";

EmbeddedMigration embedded(std::string version, std::string name, std::string up,
                           std::string verify = "") {
    EmbeddedMigration migration;
    migration.version = std::move(version);
    migration.name = std::move(name);
    migration.up = std::move(up);
    migration.verify = std::move(verify);
    return migration;
}

// The error of a call that must fail (an empty one, after a failed expectation, when it did
// not).
template <typename T>
Error error_of(const Result<T>& result) {
    EXPECT_FALSE(result.has_value()) << "the call succeeded";
    return result ? Error{} : result.error();
}

// The error of a run whose step failed (it is in the report).
Error step_error(const Result<RunReport>& run) {
    EXPECT_TRUE(run.has_value()) << run.error().message;
    EXPECT_TRUE(run && run->error) << "the run succeeded";
    return run && run->error ? *run->error : Error{};
}

class ErrorFacts : public testing::ApiTest {
  protected:
    MigrateOptions embedded_options(std::vector<EmbeddedMigration> list) const {
        auto options = migrate_options();
        options.db.migrations_dir.clear();
        options.db.embedded_migrations = std::move(list);
        return options;
    }

    // The error of loading migrations/ when it holds only `contents` as 0001_x.sql.
    Error load_one(const std::string& contents) {
        fs::remove_all(migrations());
        m_dir.write("migrations/0001_x.sql", contents);
        return error_of(load_migration_set(migrations()));
    }
};

TEST_F(ErrorFacts, AProblemInAMigrationFileNamesItsFileAndLine) {
    const auto file = migrations() / "0001_x.sql";
    const std::vector<std::pair<std::string, int>> cases = {
        {"-- +migrate Up\nCREATE TABLE a (x);\n\n-- comment\nVACUUM;\n", 5},
        {"-- +migrate Up\nPRAGMA writable_schema = ON;\n", 2},
        {"-- +migrate Up\nCREATE TABLE a (x);\n-- +migrate Sideways\n", 3},
        {"CREATE TABLE a (x);\n-- +migrate Up\n", 1},
        {"-- +migrate Timeout soon\n-- +migrate Up\n", 1},
        {"-- +migrate Up\n-- +migrate StatementBegin\nCREATE TABLE a (x);\n", 2},
        {"-- +migrate Up\nCREATE TABLE a (x)\n-- +migrate Down\n-- +migrate Up\n", 2},
        {"-- +migrate Down\nDROP TABLE a;\n", 0},
    };
    for (const auto& [contents, line] : cases) {
        const auto error = load_one(contents);
        EXPECT_EQ(error.subject.path, file) << error.message;
        EXPECT_EQ(error.subject.line, line) << error.message;
    }
    // Through a run too, and with the same facts.
    load_one(cases[0].first);
    RawDatabase(db()).exec("CREATE TABLE t (x);");
    const auto run = error_of(run_migrate(migrate_options()));
    EXPECT_EQ(run.subject.path, file) << run.message;
    EXPECT_EQ(run.subject.line, 5) << run.message;
}

TEST_F(ErrorFacts, SeveralProblemsInOneFileNameTheFirstAndInSeveralFilesNone) {
    const std::string two_statements = "-- +migrate Up\nVACUUM;\nPRAGMA writable_schema = ON;\n";
    const auto error = load_one(two_statements);
    EXPECT_EQ(error.subject.path, migrations() / "0001_x.sql") << error.message;
    EXPECT_EQ(error.subject.line, 2) << error.message;
    const auto parsed = load_one("-- +migrate Up\n-- +migrate Sideways\n-- +migrate Up\n");
    EXPECT_EQ(parsed.subject.path, migrations() / "0001_x.sql") << parsed.message;
    EXPECT_EQ(parsed.subject.line, 2) << parsed.message;

    load_one(two_statements);
    m_dir.write("migrations/0002_y.sql", two_statements);
    const auto two = error_of(load_migration_set(migrations()));
    EXPECT_EQ(two.subject.path, fs::path()) << two.message;
    EXPECT_EQ(two.subject.line, 0) << two.message;
}

TEST_F(ErrorFacts, AProblemInAnEmbeddedMigrationNamesItsSectionAndLine) {
    auto vacuum = load_migration_set(std::vector{
        embedded("0001", "items", "CREATE TABLE items (id);\nVACUUM;\n"),
    });
    const auto error = error_of(vacuum);
    EXPECT_EQ(error.subject.path, "(embedded) 0001_items, up") << error.message;
    EXPECT_EQ(error.subject.line, 2) << error.message;

    auto bad_timeout = embedded("0001", "items", "CREATE TABLE items (id);");
    bad_timeout.timeout = 0ms;
    const auto timeout = error_of(load_migration_set(std::vector{bad_timeout}));
    EXPECT_EQ(timeout.subject.path, "(embedded) 0001_items") << timeout.message;
    EXPECT_EQ(timeout.subject.line, 0) << timeout.message;
}

TEST_F(ErrorFacts, AnEmbeddedListReportsEveryProblemAtOnce) {
    const auto error = error_of(load_migration_set(std::vector{
        embedded("0001", "bad name", "CREATE TABLE a (x);"),
        embedded("0002", "items", "CREATE TABLE items (id);\nVACUUM;\n"),
    }));
    EXPECT_CONTAINS(error.message, "the name must be");
    EXPECT_CONTAINS(error.message, "VACUUM cannot run inside the transaction");
    EXPECT_EQ(error.subject.path, fs::path()) << "problems of two migrations are about neither";
}

TEST_F(ErrorFacts, AFailedVerifyCheckNamesItsFileAndLine) {
    RawDatabase(db()).exec("CREATE TABLE t (x);");
    m_dir.write("migrations/0001_x.sql",
                "-- +migrate Up\nCREATE TABLE a (x);\n-- +migrate Verify\nSELECT 0;\n");
    const auto error = step_error(run_migrate(migrate_options()));
    EXPECT_EQ(error.code, ErrorCode::step_failed);
    EXPECT_EQ(error.subject.path, migrations() / "0001_x.sql") << error.message;
    EXPECT_EQ(error.subject.line, 4) << error.message;
    EXPECT_EQ(error.subject.migration, "0001_x");
}

TEST_F(ErrorFacts, AFailedEmbeddedStepNamesItsSectionAndLine) {
    RawDatabase(db()).exec("CREATE TABLE t (x);");
    const auto verify = step_error(run_migrate(embedded_options({
        embedded("0001", "items", "CREATE TABLE items (id);", "SELECT 1;\nSELECT 0;\n"),
    })));
    EXPECT_EQ(verify.subject.path, "(embedded) 0001_items, verify") << verify.message;
    EXPECT_EQ(verify.subject.line, 2) << verify.message;
    EXPECT_EQ(verify.subject.migration, "0001_items");

    const auto up = step_error(run_migrate(embedded_options({
        embedded("0001", "items", "CREATE TABLE items (id);\nINSERT INTO nowhere VALUES (1);\n"),
    })));
    EXPECT_EQ(up.subject.path, "(embedded) 0001_items, up") << up.message;
    EXPECT_EQ(up.subject.line, 2) << up.message;
}

TEST_F(ErrorFacts, EveryCallNamesADatabaseItCannotUse) {
    m_dir.write("migrations/0001_items.sql", k_items);
    const auto check_all = [&](const DatabaseOptions& db, const fs::path& expected,
                               const char* what) {
        auto migrate = migrate_options();
        migrate.db = db;
        EXPECT_EQ(error_of(run_migrate(migrate)).subject.path, expected) << what << ": migrate";
        EXPECT_EQ(error_of(plan_run(migrate)).subject.path, expected) << what << ": plan";
        EXPECT_EQ(error_of(build_status(db)).subject.path, expected) << what << ": status";
        EXPECT_EQ(error_of(read_current_version(db)).subject.path, expected) << what;
        EXPECT_EQ(error_of(Database::open(db)).subject.path, expected) << what << ": open";
        BackupOptions backup;
        backup.db = db;
        EXPECT_EQ(error_of(run_backup(backup)).subject.path, expected) << what << ": backup";
        CheckOptions check;
        check.db = db;
        EXPECT_EQ(error_of(run_check(check)).subject.path, expected) << what << ": check";
    };

    m_dir.write("app.db", "just some text\n");
    check_all(options(), db(), "a text file");

    fs::remove(db());
    RawDatabase(db()).exec("CREATE TABLE t (x); INSERT INTO t VALUES (randomblob(20000));");
    fs::resize_file(db(), 4096 + 100);
    check_all(options(), db(), "a truncated database");

    // A database whose directory does not exist: the calls that would create it name the
    // directory; those that read it, the database that is not there.
    auto elsewhere = options();
    elsewhere.database = m_dir / "no-such-dir" / "app.db";
    auto migrate = migrate_options();
    migrate.db = elsewhere;
    EXPECT_EQ(error_of(run_migrate(migrate)).subject.path, m_dir / "no-such-dir");
    EXPECT_EQ(error_of(Database::open(elsewhere)).subject.path, m_dir / "no-such-dir");
    BackupOptions backup;
    backup.db = elsewhere;
    EXPECT_EQ(error_of(run_backup(backup)).subject.path, elsewhere.database);
    CheckOptions check;
    check.db = elsewhere;
    EXPECT_EQ(error_of(run_check(check)).subject.path, elsewhere.database);
}

TEST_F(ErrorFacts, InvalidOptionsNameTheirField) {
    m_dir.write("migrations/0001_items.sql", k_items);
    auto no_database = options();
    no_database.database.clear();
    EXPECT_EQ(error_of(Database::open(no_database)).option(), Option::database);

    auto refused_table = options();
    refused_table.history_table = "belay_x";
    EXPECT_EQ(error_of(Database::open(refused_table)).option(), Option::history_table);

    auto negative_lock = options();
    negative_lock.lock_timeout = -5ms;
    const auto open = error_of(Database::open(negative_lock));
    EXPECT_EQ(open.code, ErrorCode::invalid_input);
    EXPECT_EQ(open.option(), Option::lock_timeout);
    auto migrate = migrate_options();
    migrate.db = negative_lock;
    EXPECT_EQ(error_of(run_migrate(migrate)).message, open.message);

    auto no_dir = options();
    no_dir.migrations_dir = m_dir / "missing";
    EXPECT_EQ(error_of(load_migration_set(no_dir)).option(), Option::migrations_dir);

    PruneOptions prune;
    prune.db = options();
    const auto now = std::chrono::system_clock::now();
    prune.keep = 0;
    EXPECT_EQ(error_of(run_prune(prune, now)).option(), Option::keep);
    prune.keep = -3;
    EXPECT_EQ(error_of(run_prune(prune, now)).option(), Option::keep);
    prune.keep = 2;
    prune.keep_days = -1;
    EXPECT_EQ(error_of(run_prune(prune, now)).option(), Option::keep_days);
}

TEST_F(ErrorFacts, ARoundTripRefusesAStepTimeoutOfZero) {
    m_dir.write("migrations/0001_items.sql", k_items);
    CheckOptions check;
    check.db = options();
    check.roundtrip = true;
    check.step_timeout = 0ms;
    const auto error = error_of(run_check(check));
    EXPECT_EQ(error.code, ErrorCode::invalid_input);
    EXPECT_EQ(error.option(), Option::step_timeout);
}

TEST_F(ErrorFacts, RestoringAnotherDatabasesBackupNamesTheOptionThatAllowsIt) {
    const auto backup = backup_of_another_database();
    ASSERT_FALSE(backup.empty());
    RestoreOptions restore;
    restore.db = options();
    restore.backup = backup;
    restore.assume_yes = true;
    const auto error = error_of(run_restore(restore));
    EXPECT_EQ(error.code, ErrorCode::refused);
    EXPECT_EQ(error.option(), Option::from_other_database);
}

TEST_F(ErrorFacts, AChangedEmbeddedMigrationIsNotToldToRestoreAFile) {
    RawDatabase(db()).exec("CREATE TABLE t (x);");
    ASSERT_TRUE(run_migrate(embedded_options({embedded("0001", "items", "CREATE TABLE a (x);")})));
    const auto error =
        error_of(run_migrate(embedded_options({embedded("0001", "items", "CREATE TABLE b (x);")})));
    EXPECT_EQ(error.code, ErrorCode::refused);
    EXPECT_NOT_CONTAINS(error.message, "on disk");
    EXPECT_NOT_CONTAINS(error.message, "Restore the file");
}

TEST_F(ErrorFacts, AnAdvisedCallNamesTheDatabase) {
    m_dir.write("migrations/0001_items.sql", k_items);
    auto migrate = migrate_options();
    migrate.target = Version::parse("0009");
    const auto error = error_of(run_migrate(migrate));
    // The migrations directory too: not the default ("migrations" in the current directory).
    const Call status{Command::status,
                      {{Option::database, db().string(), false},
                       {Option::migrations_dir, migrations().string(), false}},
                      true};
    EXPECT_EQ(error.advised_call(), status) << error.message;
    EXPECT_CONTAINS(error.message, "build_status(database = " + db().string() +
                                       ", migrations_dir = " + migrations().string() + ")");
}

// breakit: an advised call carried the database but not a history table, migrations directory
// or backup directory other than the defaults, so the call made as advised worked on another
// history (or found no migrations).
TEST_F(ErrorFacts, AnAdvisedCallCarriesTheOptionsThatPickOutTheDatabasesHistory) {
    m_dir.write("migrations/0001_items.sql", k_items);
    auto migrate = migrate_options();
    migrate.db.history_table = "app_history";
    migrate.db.backup_dir = m_dir / "backups";
    migrate.db.layout = Layout::sql_migrate;
    migrate.target = Version::parse("0009");
    const auto error = error_of(run_migrate(migrate));
    const Call status{Command::status,
                      {{Option::database, db().string(), false},
                       {Option::history_table, "app_history", false},
                       {Option::migrations_dir, migrations().string(), false},
                       {Option::layout, "sql-migrate", false}},
                      true};
    EXPECT_EQ(error.advised_call(), status) << error.message;

    // Embedded migrations: no directory to name; a restore of the snapshot (the run's undo)
    // names its backup, so the backup directory is not needed, the history table is.
    migrate = embedded_options({embedded("0001", "items", "CREATE TABLE a (x);"),
                                embedded("0002", "bad", "INSERT INTO nowhere VALUES (1);")});
    migrate.db.history_table = "app_history";
    migrate.db.backup_dir = m_dir / "backups";
    fs::create_directories(m_dir / "backups");
    RawDatabase(db()).exec("CREATE TABLE t (x);");  // something to snapshot
    migrate.backup = true;
    const auto run = run_migrate(migrate);
    ASSERT_TRUE(run && run->error && run->undo) << (run ? "no undo" : run.error().message);
    const auto& undo = run->undo->arguments;
    ASSERT_EQ(undo.size(), 3u) << library_words(*run->undo);
    EXPECT_EQ(undo[0], (Argument{Option::database, db().string(), false}));
    EXPECT_EQ(undo[1], (Argument{Option::history_table, "app_history", false}));
    EXPECT_EQ(undo[2].option, Option::backup);
}

// breakit: a missing embedded migration was told to "restore the file" it never had.
TEST_F(ErrorFacts, AMissingEmbeddedMigrationIsToldToPutItBackInTheList) {
    ASSERT_TRUE(run_migrate(embedded_options({embedded("0001", "a", "CREATE TABLE a (x);"),
                                              embedded("0002", "b", "CREATE TABLE b (x);")})));
    const auto without_b = embedded_options({embedded("0001", "a", "CREATE TABLE a (x);")});
    const auto up = error_of(run_migrate(without_b));
    EXPECT_EQ(up.code, ErrorCode::refused);
    EXPECT_CONTAINS(up.message,
                    "0002_b is applied but the program's embedded migrations no "
                    "longer have it. Put it back in the list");
    auto down = without_b;
    down.operation = Operation::down;
    const auto reverting = error_of(run_migrate(down));
    EXPECT_CONTAINS(reverting.message,
                    "0002_b is applied but no longer among the program's embedded migrations, so "
                    "it has no Down section");
    CheckOptions check;
    check.db = without_b.db;
    const auto checked = run_check(check);
    ASSERT_TRUE(checked) << checked.error().message;
    HistoryEditOptions repair;
    repair.db = without_b.db;
    repair.edit = HistoryEdit::repair;
    repair.assume_yes = true;
    const auto repaired = run_history_edit(repair);
    ASSERT_TRUE(repaired) << repaired.error().message;
    std::string said = up.message + reverting.message;
    for (const auto& finding : checked->findings) {
        said += finding.message;
    }
    for (const auto& note : repaired->notes) {
        said += note.text();
    }
    EXPECT_CONTAINS(said,
                    "0002_b is applied but no longer among the program's embedded "
                    "migrations; put it back in the list, or remove its row");
    EXPECT_NOT_CONTAINS(said, "file is gone");
    EXPECT_NOT_CONTAINS(said, "estore the file");
}

// breakit: run_backup, run_check and run_restore took a negative lock_timeout (and waited for
// nothing), which run_migrate and Database::open refuse. Every call on a database refuses it
// now, before it opens anything.
TEST_F(ErrorFacts, EveryCallOnADatabaseRefusesANegativeLockTimeout) {
    m_dir.write("migrations/0001_items.sql", k_items);
    RawDatabase(db()).exec("CREATE TABLE t (x);");
    BackupOptions taken;
    taken.db = options();
    const auto backup = run_backup(taken);
    ASSERT_TRUE(backup) << backup.error().message;
    const auto files = [&] {
        std::vector<fs::path> all;
        for (const auto& entry : fs::recursive_directory_iterator(m_dir.path())) {
            all.push_back(entry.path());
        }
        std::ranges::sort(all);
        return all;
    };
    const auto before = files();

    auto negative = options();
    negative.lock_timeout = -1ms;
    BackupOptions backup_options;
    backup_options.db = negative;
    CheckOptions check;
    check.db = negative;
    RestoreOptions restore;
    restore.db = negative;
    restore.backup = backup->path;
    restore.assume_yes = true;
    for (const auto& error : {error_of(run_backup(backup_options)), error_of(run_check(check)),
                              error_of(run_restore(restore))}) {
        EXPECT_EQ(error.code, ErrorCode::invalid_input) << error.message;
        EXPECT_EQ(error.option(), Option::lock_timeout) << error.message;
        EXPECT_EQ(error.message, error_of(Database::open(negative)).message);
    }
    EXPECT_EQ(files(), before) << "a refused call wrote a file";
}

// A history table whose name holds a control character or bytes that are not UTF-8 is refused
// by every call on a database, as Database::open refuses one of belay's own names.
TEST_F(ErrorFacts, EveryCallOnADatabaseRefusesAHistoryTableNameThatIsNotOneLineOfUtf8) {
    m_dir.write("migrations/0001_items.sql", k_items);
    for (const std::string table : {"hist\x1b[2J", "hist\xff", "a\nb"}) {
        auto migrate = migrate_options();
        migrate.db.history_table = table;
        const auto error = error_of(run_migrate(migrate));
        EXPECT_EQ(error.code, ErrorCode::invalid_input) << error.message;
        EXPECT_EQ(error.option(), Option::history_table) << error.message;
        EXPECT_EQ(error_of(Database::open(migrate.db)).message, error.message);
        EXPECT_FALSE(fs::exists(db())) << table;
    }
}

}  // namespace
}  // namespace belay
