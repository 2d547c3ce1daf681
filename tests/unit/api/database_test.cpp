// The public API as a program uses it: only <belay/...> headers, real SQLite files in a
// temporary directory, and a plain sqlite3 connection to look at what belay left behind.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <belay/belay.hpp>

#include "support/expect.hpp"
#include "support/temp_dir.hpp"
#include "unit/engine/raw_database.hpp"

namespace belay {
namespace {

using testing::RawDatabase;
using testing::TempDir;
namespace fs = std::filesystem;

EmbeddedMigration embedded_migration(std::string version, std::string name, std::string up,
                                     std::string down = "", std::string verify = "") {
    EmbeddedMigration migration;
    migration.version = std::move(version);
    migration.name = std::move(name);
    migration.up = std::move(up);
    migration.down = std::move(down);
    migration.verify = std::move(verify);
    return migration;
}

std::vector<EmbeddedMigration> two_migrations() {
    return {
        embedded_migration("0002", "add_email", "ALTER TABLE users ADD COLUMN email TEXT;",
                           "ALTER TABLE users DROP COLUMN email;",
                           "SELECT count(*) = 0 FROM users WHERE email IS NOT NULL;"),
        embedded_migration("0001", "create_users",
                           "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
                           "DROP TABLE users;"),
    };
}

DatabaseOptions embedded(const fs::path& database, std::vector<EmbeddedMigration> migrations) {
    DatabaseOptions options;
    options.database = database;
    options.embedded_migrations = std::move(migrations);
    return options;
}

std::vector<fs::path> backups_in(const fs::path& directory) {
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(directory)) {
        if (entry.path().extension() == ".bak") {
            found.push_back(entry.path());
        }
    }
    return found;
}

std::vector<std::string> versions_applied(const fs::path& database) {
    RawDatabase raw(database, false);
    std::vector<std::string> versions;
    for (const auto& row : raw.rows("SELECT version FROM schema_migrations ORDER BY version")) {
        versions.push_back(row[0]);
    }
    return versions;
}

TEST(DatabaseApi, EmbeddedMigrationsRunInVersionOrderAfterASnapshot) {
    TempDir dir;
    const auto path = dir / "app.db";
    RawDatabase(path).exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep');");

    auto db = Database::open(embedded(path, two_migrations()));
    ASSERT_TRUE(db) << db.error().message;
    auto report = db->migrate();
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_TRUE(report->succeeded()) << report->error->message;

    ASSERT_EQ(report->steps.size(), 2u);
    EXPECT_EQ(report->steps[0].version, "0001");
    EXPECT_EQ(report->steps[1].version, "0002");
    EXPECT_EQ(report->version_after, "0002");
    EXPECT_EQ(versions_applied(path), (std::vector<std::string>{"0001", "0002"}));
    RawDatabase raw(path, false);
    EXPECT_EQ(raw.rows("SELECT count(*) FROM pragma_table_info('users') WHERE name = 'email'"),
              (std::vector<std::vector<std::string>>{{"1"}}));

    // The snapshot on disk holds the state before the run: the notes, no users table.
    ASSERT_TRUE(report->snapshot.has_value());
    const auto backups = backups_in(dir.path());
    ASSERT_EQ(backups.size(), 1u);
    EXPECT_EQ(backups[0], fs::path(*report->snapshot));
    EXPECT_TRUE(backups[0].filename().string().starts_with("app-"));
    RawDatabase before(backups[0], false);
    EXPECT_EQ(before.rows("SELECT body FROM notes"),
              (std::vector<std::vector<std::string>>{{"keep"}}));
    EXPECT_TRUE(before.rows("SELECT name FROM sqlite_schema WHERE name = 'users'").empty());
}

TEST(DatabaseApi, PlanAndMigrateTakeFlywaysRepeatableMigrationsLast) {
    TempDir dir;
    dir.write("migrations/V1__users.sql",
              "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n");
    dir.write("migrations/R__names.sql",
              "DROP VIEW IF EXISTS names;\nCREATE VIEW names AS SELECT name FROM users;\n");
    DatabaseOptions options;
    options.database = dir / "app.db";
    options.migrations_dir = dir / "migrations";
    auto db = Database::open(options);
    ASSERT_TRUE(db) << db.error().message;
    auto plan = db->plan();
    ASSERT_TRUE(plan) << plan.error().message;
    ASSERT_EQ(plan->steps.size(), 2u);
    EXPECT_FALSE(plan->steps[0].repeatable);
    EXPECT_TRUE(plan->steps[1].repeatable);
    EXPECT_EQ(plan->steps[1].name, "names");
    EXPECT_EQ(plan->steps[1].version, "");

    auto report = db->migrate();
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_TRUE(report->succeeded()) << report->error->message;
    ASSERT_EQ(report->steps.size(), 2u);
    EXPECT_TRUE(report->steps[1].repeatable);
    EXPECT_EQ(report->steps[1].result, StepResult::applied);
    auto status = db->status();
    ASSERT_TRUE(status) << status.error().message;
    ASSERT_EQ((*status)->repeatables.size(), 1u);
    EXPECT_EQ((*status)->repeatables[0].status, RepeatableStatus::applied);
    EXPECT_FALSE((*status)->needs_attention());
    EXPECT_EQ((*status)->set.repeatables.size(), 1u);
    EXPECT_TRUE(db->plan()->steps.empty()) << "nothing new or changed";
}

TEST(DatabaseApi, PlanSaysWhatMigrateWouldDoAndWritesNothing) {
    TempDir dir;
    const auto path = dir / "app.db";
    auto db = Database::open(embedded(path, two_migrations()));
    ASSERT_TRUE(db) << db.error().message;

    auto plan = db->plan();
    ASSERT_TRUE(plan) << plan.error().message;
    ASSERT_EQ(plan->steps.size(), 2u);
    EXPECT_EQ(plan->steps[0].name, "create_users");
    EXPECT_EQ(plan->steps[1].direction, Direction::up);
    EXPECT_EQ(plan->version_before, "0");
    EXPECT_FALSE(fs::exists(path)) << "plan must not create the database";
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 0);

    MigrateOptions only_first;
    only_first.target = Version::parse("1");
    auto first = db->plan(only_first);
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_EQ(first->steps.size(), 1u);
    EXPECT_EQ(first->steps[0].version, "0001");

    ASSERT_TRUE(db->migrate()->succeeded());
    auto after = db->plan();
    ASSERT_TRUE(after) << after.error().message;
    EXPECT_TRUE(after->steps.empty());
    MigrateOptions down;
    down.operation = Operation::down;
    auto back = db->plan(down);
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_EQ(back->steps.size(), 1u);
    EXPECT_EQ(back->steps[0].version, "0002");
    EXPECT_EQ(back->steps[0].direction, Direction::down);
    EXPECT_EQ(versions_applied(path), (std::vector<std::string>{"0001", "0002"}));
}

TEST(DatabaseApi, AnAppliedEmbeddedMigrationWhoseSqlChangedIsRefusedAsModified) {
    TempDir dir;
    const auto path = dir / "app.db";
    ASSERT_TRUE(Database::open(embedded(path, two_migrations()))->migrate()->succeeded());

    auto changed = two_migrations();
    changed[1].up = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);";
    changed.push_back(
        embedded_migration("0003", "add_age", "ALTER TABLE users ADD COLUMN age INTEGER;"));
    auto db = Database::open(embedded(path, changed));
    ASSERT_TRUE(db) << db.error().message;
    auto status = db->status();
    ASSERT_TRUE(status) << status.error().message;
    const auto& entries = status.value()->plan.entries;
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].status, MigrationStatus::modified);
    EXPECT_EQ(entries[2].status, MigrationStatus::pending);

    auto run = db->migrate();
    ASSERT_FALSE(run);
    EXPECT_EQ(run.error().code, ErrorCode::refused);
    EXPECT_CONTAINS(run.error().message, "0001") << run.error().message;
    EXPECT_EQ(versions_applied(path), (std::vector<std::string>{"0001", "0002"}));
    EXPECT_TRUE(backups_in(dir.path()).empty()) << "a refused run takes no snapshot";
}

TEST(DatabaseApi, OpenListsEveryProblemOfABadEmbeddedListAndCreatesNothing) {
    TempDir dir;
    const auto path = dir / "app.db";
    std::vector<EmbeddedMigration> bad = {
        embedded_migration("1a", "letters", "SELECT 1;"),
        embedded_migration("2", "", "SELECT 1;"),
        embedded_migration("3", "first", "SELECT 1;"),
        embedded_migration("0003", "again", "SELECT 1;"),
    };
    auto db = Database::open(embedded(path, bad));
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error().code, ErrorCode::invalid_input);
    const auto& message = db.error().message;
    EXPECT_CONTAINS(message, "embedded migration #1 (version \"1a\"") << message;
    EXPECT_CONTAINS(message, "embedded migration #2") << message;
    EXPECT_CONTAINS(message, "#4 (version \"0003\", name \"again\")") << message;
    EXPECT_CONTAINS(message, "same version") << message;
    EXPECT_FALSE(fs::exists(path));

    std::vector<EmbeddedMigration> vacuum = {
        embedded_migration("1", "compact", "CREATE TABLE t (x);\nVACUUM;")};
    auto refused = Database::open(embedded(path, vacuum));
    ASSERT_FALSE(refused);
    EXPECT_CONTAINS(refused.error().message, "(embedded) 1_compact, up:2")
        << refused.error().message;
    EXPECT_FALSE(fs::exists(path));
}

TEST(DatabaseApi, AFailingStepIsRolledBackAndNamedWithItsLine) {
    TempDir dir;
    const auto path = dir / "app.db";
    RawDatabase(path).exec("CREATE TABLE notes (body TEXT);");
    auto migrations = two_migrations();
    migrations[0].up = "ALTER TABLE users ADD COLUMN email TEXT;\nINSERT INTO missing VALUES (1);";
    auto db = Database::open(embedded(path, migrations));
    ASSERT_TRUE(db) << db.error().message;
    auto report = db->migrate();
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_FALSE(report->succeeded());
    EXPECT_EQ(report->error->code, ErrorCode::step_failed);
    EXPECT_CONTAINS(report->error->message, "(embedded) 0002_add_email, up:2")
        << report->error->message;
    // The migration and the line of the failing statement are facts of the error.
    EXPECT_EQ(report->error->subject.migration, "0002_add_email");
    EXPECT_EQ(report->error->subject.line, 2);
    EXPECT_EQ(versions_applied(path), (std::vector<std::string>{"0001"}));
    RawDatabase raw(path, false);
    EXPECT_TRUE(raw.rows("SELECT 1 FROM pragma_table_info('users') WHERE name = 'email'").empty());
    ASSERT_TRUE(report->snapshot.has_value());
    EXPECT_TRUE(fs::exists(*report->snapshot));
    // The call that undoes the run: a restore of this database from the snapshot.
    ASSERT_TRUE(report->undo.has_value());
    EXPECT_EQ(report->undo->command, Command::restore);
    EXPECT_EQ(report->undo->arguments,
              (std::vector<Argument>{{Option::database, path.string(), false},
                                     {Option::backup, *report->snapshot, false}}));
}

TEST(DatabaseApi, AFalseVerifyCheckFailsItsStep) {
    TempDir dir;
    const auto path = dir / "app.db";
    auto migrations = two_migrations();
    migrations[0].verify = "SELECT count(*) = 1 FROM users;";  // the table is empty
    auto report = Database::open(embedded(path, migrations))->migrate();
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_FALSE(report->succeeded());
    EXPECT_CONTAINS(report->error->message, "0002_add_email") << report->error->message;
    EXPECT_EQ(versions_applied(path), (std::vector<std::string>{"0001"}));
}

TEST(DatabaseApi, OpenRefusesAMissingDirectoryAndAFileThatIsNotADatabase) {
    TempDir dir;
    auto missing = Database::open(embedded(dir / "no" / "app.db", two_migrations()));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(missing.error().message, (dir / "no").string()) << missing.error().message;

    const auto text = dir.write("notes.txt", "not a database, just notes\n");
    auto not_db = Database::open(embedded(text, two_migrations()));
    ASSERT_FALSE(not_db);
    EXPECT_CONTAINS(not_db.error().message, text.string()) << not_db.error().message;
    EXPECT_EQ(testing::read_file(text), "not a database, just notes\n");
}

TEST(DatabaseApi, BackupRestorePruneAndCheckThroughTheHandle) {
    TempDir dir;
    const auto path = dir / "app.db";
    auto db = Database::open(embedded(path, two_migrations()));
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(db->migrate()->succeeded());
    RawDatabase(path, false).exec("INSERT INTO users(name) VALUES ('ada');");

    auto backup = db->backup();
    ASSERT_TRUE(backup) << backup.error().message;
    EXPECT_TRUE(fs::exists(backup->path));
    EXPECT_EQ(backup->metadata.schema_version, "0002");
    auto listed = db->backups(true);
    ASSERT_TRUE(listed) << listed.error().message;
    ASSERT_EQ(listed->size(), 1u);
    ASSERT_TRUE(listed->front().problems.has_value());
    EXPECT_TRUE(listed->front().problems->empty());

    RawDatabase(path, false).exec("DELETE FROM users;");
    RestoreOptions restore;
    restore.backup = backup->path;
    restore.assume_yes = true;
    auto restored = db->restore(restore);
    ASSERT_TRUE(restored) << restored.error().message;
    EXPECT_EQ(RawDatabase(path, false).rows("SELECT name FROM users"),
              (std::vector<std::vector<std::string>>{{"ada"}}));
    ASSERT_TRUE(restored->safety_snapshot.has_value());

    auto check = db->check();
    ASSERT_TRUE(check) << check.error().message;
    EXPECT_TRUE(check->findings.empty());

    PruneOptions prune;
    prune.keep = 1;
    auto pruned = db->prune(prune);
    ASSERT_TRUE(pruned) << pruned.error().message;
    EXPECT_EQ(pruned->removed.size(), 1u);
    EXPECT_EQ(backups_in(dir.path()).size(), 1u);
}

TEST(DatabaseApi, LogLinesGoToTheProgramsSink) {
    TempDir dir;
    std::vector<std::string> lines;
    set_log(LogLevel::info, [&](LogLevel level, std::string_view message) {
        if (level == LogLevel::info) {
            lines.emplace_back(message);
        }
    });
    auto report = Database::open(embedded(dir / "app.db", two_migrations()))->migrate();
    set_log(LogLevel::warning);
    ASSERT_TRUE(report && report->succeeded());
    EXPECT_TRUE(std::ranges::any_of(lines, [](const std::string& line) {
        return line.find("0001_create_users") != std::string::npos;
    })) << lines.size();
}

TEST(DatabaseApi, ADryRunRehearsesOnACopyAndLeavesTheDatabaseAsItWas) {
    TempDir dir;
    const auto path = dir / "app.db";
    RawDatabase(path).exec("CREATE TABLE notes (body TEXT);");
    const auto before = testing::read_file(path);
    MigrateOptions rehearse;
    rehearse.dry_run = true;
    auto report = Database::open(embedded(path, two_migrations()))->migrate(rehearse);
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_TRUE(report->succeeded()) << report->error->message;
    ASSERT_EQ(report->steps.size(), 2u);
    EXPECT_EQ(report->steps[0].result, StepResult::would_apply);
    EXPECT_EQ(testing::read_file(path), before);
    EXPECT_TRUE(backups_in(dir.path()).empty());
}

TEST(DatabaseApi, AnEmbeddedTimeoutStopsARunawayStep) {
    TempDir dir;
    const auto path = dir / "app.db";
    auto migrations = two_migrations();
    migrations[0].up =
        "CREATE TABLE spin AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
        "SELECT count(*) AS n FROM c;";
    migrations[0].timeout = std::chrono::milliseconds(300);
    auto report = Database::open(embedded(path, migrations))->migrate();
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_FALSE(report->succeeded());
    EXPECT_EQ(report->error->code, ErrorCode::step_failed);
    EXPECT_CONTAINS(report->error->message, "0002_add_email") << report->error->message;
    EXPECT_CONTAINS(report->error->message, "timeout") << report->error->message;
    // step_timeout does not apply to a migration with its own timeout: the advice is that one.
    EXPECT_CONTAINS(report->error->message, "raise the migration's own timeout, 300 ms now")
        << report->error->message;
    EXPECT_NE(report->error->option(), Option::step_timeout) << report->error->message;
    EXPECT_EQ(report->error->said.text(), report->error->message);
    EXPECT_EQ(versions_applied(path), (std::vector<std::string>{"0001"}));
}

TEST(DatabaseApi, StrictValidationFailsAStepThatLeavesADanglingForeignKey) {
    const std::vector<EmbeddedMigration> dangling = {
        embedded_migration("1", "orders",
                           "CREATE TABLE orders (customer INTEGER "
                           "REFERENCES customers(id));",
                           "DROP TABLE orders;")};
    TempDir dir;
    MigrateOptions strict;
    strict.validation = ValidationLevel::strict;
    auto refused = Database::open(embedded(dir / "strict.db", dangling))->migrate(strict);
    ASSERT_TRUE(refused) << refused.error().message;
    ASSERT_FALSE(refused->succeeded());
    EXPECT_CONTAINS(refused->error->message, "customers") << refused->error->message;

    auto warned = Database::open(embedded(dir / "normal.db", dangling))->migrate();
    ASSERT_TRUE(warned) << warned.error().message;
    ASSERT_TRUE(warned->succeeded()) << warned->error->message;
    ASSERT_EQ(warned->steps.size(), 1u);
    EXPECT_FALSE(warned->steps[0].warnings.empty());
}

TEST(DatabaseApi, OptionsTheCliWouldRefuseAreRefusedBeforeAnythingIsWritten) {
    TempDir dir;
    const auto path = dir / "app.db";
    RawDatabase(path).exec("CREATE TABLE notes (body TEXT);");
    const auto before = testing::read_file(path);
    auto db = Database::open(embedded(path, two_migrations()));
    ASSERT_TRUE(db) << db.error().message;

    MigrateOptions no_time;
    no_time.step_timeout = std::chrono::milliseconds(0);
    MigrateOptions keep_none;
    keep_none.keep = 0;
    MigrateOptions contradiction;
    contradiction.backup_only = true;
    contradiction.dry_run = true;
    for (const auto& [options, field] :
         {std::pair{no_time, "step_timeout"}, std::pair{keep_none, "keep 0"},
          std::pair{contradiction, "backup_only with dry_run"}}) {
        auto run = db->migrate(options);
        ASSERT_FALSE(run) << field;
        EXPECT_EQ(run.error().code, ErrorCode::invalid_input) << field;
        EXPECT_CONTAINS(run.error().message, field) << run.error().message;
        auto plan = db->plan(options);
        ASSERT_FALSE(plan) << field;
        EXPECT_EQ(plan.error().message, run.error().message);
    }
    PruneOptions prune;
    prune.keep = -1;
    auto pruned = db->prune(prune);
    ASSERT_FALSE(pruned);
    EXPECT_EQ(pruned.error().code, ErrorCode::invalid_input);
    EXPECT_EQ(testing::read_file(path), before);
    EXPECT_TRUE(backups_in(dir.path()).empty());
}

TEST(DatabaseApi, PlanRefusesWhatMigrateRefuses) {
    TempDir dir;
    MigrateOptions down;
    down.operation = Operation::down;
    auto missing = Database::open(embedded(dir / "app.db", two_migrations()));
    ASSERT_TRUE(missing) << missing.error().message;
    auto plan = missing->plan(down);
    ASSERT_FALSE(plan) << "nothing to revert in a database that does not exist";
    EXPECT_EQ(plan.error().code, ErrorCode::invalid_input);
    EXPECT_EQ(plan.error().message, missing->migrate(down).error().message);

    auto empty = Database::open(embedded(dir / "app.db", {}));
    ASSERT_TRUE(empty) << empty.error().message;
    auto nothing = empty->plan();
    ASSERT_FALSE(nothing);
    EXPECT_CONTAINS(nothing.error().message, "embedded migrations is empty")
        << nothing.error().message;

    MigrateOptions unknown;
    unknown.target = Version::parse("7");
    auto target = missing->plan(unknown);
    ASSERT_FALSE(target);
    EXPECT_EQ(target.error().code, ErrorCode::invalid_input);
    EXPECT_FALSE(fs::exists(dir / "app.db"));
}

TEST(DatabaseApi, EmbeddedTimeoutsOutOfRangeAreRefusedAndTimeoutsCountInTheChecksum) {
    TempDir dir;
    auto zero = two_migrations();
    zero[0].timeout = std::chrono::milliseconds(0);
    auto refused = Database::open(embedded(dir / "app.db", zero));
    ASSERT_FALSE(refused);
    EXPECT_CONTAINS(refused.error().message,
                    "#1 (version \"0002\", name \"add_email\"): the "
                    "timeout must be between 1 ms")
        << refused.error().message;

    auto plain = load_migration_set(two_migrations());
    auto timed = two_migrations();
    timed[0].timeout = std::chrono::milliseconds(5000);
    auto with_timeout = load_migration_set(timed);
    ASSERT_TRUE(plain && with_timeout);
    EXPECT_NE(plain->migrations[1].checksum, with_timeout->migrations[1].checksum);
    EXPECT_EQ(plain->migrations[0].checksum, with_timeout->migrations[0].checksum);
    EXPECT_EQ(with_timeout->migrations[1].timeout, std::chrono::milliseconds(5000));
}

TEST(DatabaseApi, StatementsThatCannotRunInATransactionSayWhichFieldToSet) {
    TempDir dir;
    const auto path = dir / "app.db";
    auto migrations = two_migrations();
    migrations.push_back(embedded_migration("0003", "compact", "VACUUM;"));
    auto refused = Database::open(embedded(path, migrations));
    ASSERT_FALSE(refused);
    EXPECT_CONTAINS(refused.error().message, "no_transaction") << refused.error().message;
    EXPECT_NOT_CONTAINS(refused.error().message, "-- +migrate") << refused.error().message;

    migrations.back().no_transaction = true;
    migrations.back().down = "VACUUM;";
    migrations.back().down_no_transaction = true;
    auto db = Database::open(embedded(path, migrations));
    ASSERT_TRUE(db) << db.error().message;
    auto up = db->migrate();
    ASSERT_TRUE(up && up->succeeded());
    EXPECT_TRUE(up->steps.back().no_transaction);
    MigrateOptions down;
    down.operation = Operation::down;
    auto reverted = db->migrate(down);
    ASSERT_TRUE(reverted) << reverted.error().message;
    ASSERT_TRUE(reverted->succeeded()) << reverted->error->message;
    EXPECT_EQ(versions_applied(path), (std::vector<std::string>{"0001", "0002"}));
}

TEST(DatabaseApi, ADatabaseMigratedFromFilesMovesToEmbeddedMigrationsThroughRepair) {
    TempDir dir;
    const auto path = dir / "app.db";
    dir.write("migrations/0001_create_users.sql",
              "-- +migrate Up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT "
              "NULL);\n-- +migrate Down\nDROP TABLE users;\n");
    DatabaseOptions files;
    files.database = path;
    files.migrations_dir = dir / "migrations";
    auto from_files = Database::open(files)->migrate();
    ASSERT_TRUE(from_files && from_files->succeeded());

    // The same migration, compiled in: its checksum is not the file's, so it reads as modified
    // and a run is refused until the history is told.
    auto migrations = two_migrations();
    auto db = Database::open(embedded(path, migrations));
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ(db->status().value()->plan.entries[0].status, MigrationStatus::modified);
    ASSERT_FALSE(db->migrate());

    HistoryEditOptions repair;
    repair.db = db->options();
    repair.edit = HistoryEdit::repair;
    repair.assume_yes = true;
    auto repaired = run_history_edit(repair);
    ASSERT_TRUE(repaired) << repaired.error().message;
    ASSERT_TRUE(repaired->snapshot.has_value()) << "a history edit is snapshotted first";
    EXPECT_EQ(db->status().value()->plan.entries[0].status, MigrationStatus::applied);
    auto report = db->migrate();
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_TRUE(report->succeeded()) << report->error->message;
    EXPECT_EQ(versions_applied(path), (std::vector<std::string>{"0001", "0002"}));
}

TEST(DatabaseApi, SetLogMayBeCalledWhileAnotherThreadLogs) {
    TempDir dir;
    std::atomic<int> seen{0};
    std::atomic<bool> done{false};
    // Every sink counts: a line is counted once, by whichever sink it started with.
    const auto counting = [&seen](LogLevel, std::string_view message) {
        if (message.find("applying") != std::string_view::npos) {
            ++seen;
        }
    };
    set_log(LogLevel::info, counting);
    std::thread switcher([&] {
        while (!done) {
            set_log(LogLevel::info, counting);
            std::this_thread::yield();
        }
    });
    bool all_succeeded = true;
    for (int i = 0; i < 10; ++i) {
        auto report =
            Database::open(embedded(dir / ("app" + std::to_string(i) + ".db"), two_migrations()))
                ->migrate();
        all_succeeded = all_succeeded && report && report->succeeded();
    }
    done = true;
    switcher.join();
    set_log(LogLevel::warning);
    EXPECT_TRUE(all_succeeded);
    EXPECT_EQ(seen.load(), 20) << "each of the 20 steps logs one 'applying' line";
}

TEST(DatabaseApi, VersionsAreReported) {
    EXPECT_FALSE(library_version().empty());
    EXPECT_TRUE(sqlite_library_version().starts_with("3."));
    // The SQLite this program links (belay::sqlite3) is the one belay runs on.
    EXPECT_EQ(sqlite_library_version(), sqlite3_libversion());
    EXPECT_EQ(sqlite_source_id(), sqlite3_sourceid());
    // As configured (BELAY_SQLITE): the bundled build runs on the pinned release.
    EXPECT_EQ(sqlite_is_bundled(), BELAY_TEST_SQLITE_BUNDLED != 0);
    if (sqlite_is_bundled()) {
        EXPECT_EQ(sqlite_library_version(), BELAY_TEST_SQLITE_BUNDLED_VERSION);
    }
}

// A database another tool migrates (dbmate's schema_migrations under belay's table name) opens:
// backup, backups and check work on it and create nothing; status and migrate refuse it.
TEST(DatabaseApi, AnotherToolsDatabaseOpensForBackupsAndChecksButNotForRuns) {
    TempDir dir;
    const auto path = dir / "app.db";
    RawDatabase(path).exec(
        "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);"
        "INSERT INTO schema_migrations VALUES ('20240101000000');");
    const auto schema = [&] {
        return RawDatabase(path, false).rows("SELECT name, sql FROM sqlite_schema ORDER BY 1");
    };
    const auto before = schema();
    auto db = Database::open(embedded(path, two_migrations()));
    ASSERT_TRUE(db) << db.error().message;
    auto backup = db->backup();
    ASSERT_TRUE(backup) << backup.error().message;
    EXPECT_EQ(backup->metadata.schema_version, "-");
    auto listed = db->backups(true);
    ASSERT_TRUE(listed) << listed.error().message;
    EXPECT_EQ(listed->size(), 1u);
    auto check = db->check();
    ASSERT_TRUE(check) << check.error().message;
    EXPECT_TRUE(check->findings.empty());
    ASSERT_EQ(check->other_histories.size(), 1u);
    EXPECT_EQ(check->other_histories[0].tool, "dbmate");
    EXPECT_FALSE(check->history_skipped.empty());
    auto status = db->status();
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code, ErrorCode::refused);
    auto run = db->migrate();
    ASSERT_FALSE(run);
    EXPECT_EQ(run.error().code, ErrorCode::refused);
    EXPECT_EQ(schema(), before) << "nothing of belay's was created";
}

// breakit18 #3: the library checks the history table's name as the CLI does, without case,
// naming the field.
TEST(DatabaseApi, AHistoryTableNamedLikeBelaysOrSqlitesTablesIsRefusedInAnyCase) {
    TempDir dir;
    const auto path = dir / "app.db";
    RawDatabase(path).exec("CREATE TABLE notes (body TEXT);");
    const auto before = testing::read_file(path);
    for (const auto& name : {"", "belay_x", "Belay_Schema", "SQLITE_master"}) {
        auto options = embedded(path, two_migrations());
        options.history_table = name;
        auto db = Database::open(options);
        ASSERT_FALSE(db) << name;
        EXPECT_EQ(db.error().code, ErrorCode::invalid_input) << name;
        EXPECT_EQ(db.error().option(), Option::history_table) << db.error().message;
        EXPECT_CONTAINS(db.error().message, "history_table \"" + std::string(name) + "\"");
    }
    EXPECT_EQ(testing::read_file(path), before);
}

// A backup named and latest set are two answers to "which backup": run_restore restored the
// newest one, not the one named. Refused now, naming both fields; so is a call with neither
// (it said "backup  does not exist", an empty name).
TEST(DatabaseApi, RestoreRefusesABackupWithLatestAndACallWithNeither) {
    TempDir dir;
    const auto path = dir / "app.db";
    ASSERT_TRUE(Database::open(embedded(path, two_migrations()))->migrate()->succeeded());
    RawDatabase(path, false).exec("INSERT INTO users (name) VALUES ('old');");
    RestoreOptions first;
    first.db = embedded(path, two_migrations());
    BackupOptions backup;
    backup.db = first.db;
    const auto old = run_backup(backup);
    ASSERT_TRUE(old) << old.error().message;
    RawDatabase(path, false).exec("INSERT INTO users (name) VALUES ('new');");
    ASSERT_TRUE(run_backup(backup));
    RawDatabase(path, false).exec("INSERT INTO users (name) VALUES ('newest');");
    const auto before = testing::read_file(path);

    RestoreOptions both = first;
    both.backup = old->path;
    both.latest = true;
    both.assume_yes = true;
    auto refused = run_restore(both);
    ASSERT_FALSE(refused) << "restored " << refused->backup;
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_input);
    EXPECT_EQ(refused.error().message,
              "backup " + old->path.string() +
                  " and latest contradict each other: give one backup to restore, or ask for "
                  "the newest intact one, not both. Nothing was changed");
    EXPECT_EQ(refused.error().option(), Option::backup);

    RestoreOptions neither = first;
    neither.assume_yes = true;
    for (const auto& given : {std::optional<fs::path>(), std::optional<fs::path>("")}) {
        neither.backup = given;
        auto none = run_restore(neither);
        ASSERT_FALSE(none);
        EXPECT_EQ(none.error().code, ErrorCode::invalid_input);
        EXPECT_CONTAINS(none.error().message,
                        "no backup to restore was given: set backup to a backup file, or latest "
                        "for the newest intact backup of " +
                            path.string())
            << none.error().message;
        EXPECT_NOT_CONTAINS(none.error().message, "  ") << none.error().message;
    }
    EXPECT_EQ(testing::read_file(path), before);
    EXPECT_EQ(backups_in(dir.path()).size(), 2u) << "a refused restore took a safety snapshot";
}

// Sidecars record the database's full path as JSON text: a path that is not UTF-8 is refused by
// every call, before anything is created, naming the field and the path with \xNN escapes.
TEST(DatabaseApi, APathThatIsNotUtf8IsRefusedBeforeAnythingIsCreated) {
    TempDir dir;
    const auto bad = dir / "bad\xff.db";
    auto db = Database::open(embedded(bad, two_migrations()));
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error().code, ErrorCode::invalid_input);
    EXPECT_EQ(db.error().option(), Option::database);
    EXPECT_CONTAINS(db.error().message,
                    "database " + (dir / "bad\\xff.db").string() + ": this path is not valid UTF-8")
        << db.error().message;
    MigrateOptions run;
    run.db = embedded(bad, two_migrations());
    auto migrated = run_migrate(run);
    ASSERT_FALSE(migrated);
    EXPECT_EQ(migrated.error().code, ErrorCode::invalid_input);
    EXPECT_FALSE(fs::exists(bad));

    const auto path = dir / "app.db";
    RawDatabase(path).exec("CREATE TABLE notes (body TEXT);");
    fs::create_directory(dir / "backups\xfe");
    BackupOptions backup;
    backup.db = embedded(path, two_migrations());
    backup.db.backup_dir = dir / "backups\xfe";
    auto taken = run_backup(backup);
    ASSERT_FALSE(taken);
    EXPECT_EQ(taken.error().code, ErrorCode::invalid_input);
    EXPECT_EQ(taken.error().option(), Option::backup_dir);
    EXPECT_TRUE(fs::is_empty(dir / "backups\xfe"));
}

}  // namespace
}  // namespace belay
