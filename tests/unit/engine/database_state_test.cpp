#include "engine/database_state.hpp"

#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "engine/migrate.hpp"
#include "engine/migration_set.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"
#include "unit/engine/raw_database.hpp"

namespace belay::engine {
namespace {

namespace fs = std::filesystem;
using testing::RawDatabase;

DatabaseOptions options_for(const testing::TempDir& dir) {
    DatabaseOptions options;
    options.database = dir / "app.db";
    options.migrations_dir = dir / "migrations";
    return options;
}

std::set<std::string> entries_of(const fs::path& directory) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(directory)) {
        names.insert(entry.path().filename().string());
    }
    return names;
}

TEST(ReadDatabaseState, MissingDatabaseIsNotAnErrorAndIsNotCreated) {
    testing::TempDir dir;
    auto state = read_database_state(options_for(dir));
    ASSERT_TRUE(state.has_value()) << state.error().message;
    EXPECT_FALSE(state->exists);
    EXPECT_EQ(state->size_bytes, 0U);
    EXPECT_FALSE(state->history.table_exists);
    EXPECT_TRUE(state->history.applied.empty());
    EXPECT_TRUE(fs::is_empty(dir.path()));  // no database, journal or lock file
}

TEST(ReadDatabaseState, DatabaseNeverMigratedHasNoHistoryAndGainsNoTable) {
    testing::TempDir dir;
    {
        RawDatabase db(dir / "app.db");
        db.exec("CREATE TABLE notes (id INTEGER, body TEXT); INSERT INTO notes VALUES (1, 'x');");
    }
    const auto bytes_before = testing::read_file(dir / "app.db");
    auto state = read_database_state(options_for(dir));
    ASSERT_TRUE(state.has_value()) << state.error().message;
    EXPECT_TRUE(state->exists);
    EXPECT_EQ(state->size_bytes, bytes_before.size());
    EXPECT_FALSE(state->history.table_exists);
    EXPECT_EQ(testing::read_file(dir / "app.db"), bytes_before);
    EXPECT_EQ(entries_of(dir.path()), std::set<std::string>{"app.db"});
}

TEST(ReadDatabaseState, ReadsTheHistoryOfAMigratedDatabase) {
    testing::TempDir dir;
    dir.write("migrations/0001_a.sql", "-- +migrate Up\nCREATE TABLE a (id INTEGER);\n");
    dir.write("migrations/0002_b.sql", "-- +migrate Up\nINSERT INTO nowhere VALUES (1);\n");
    MigrateOptions migrate;
    migrate.db = options_for(dir);
    ASSERT_TRUE(run_migrate(migrate).has_value());

    auto state = read_database_state(options_for(dir));
    ASSERT_TRUE(state.has_value()) << state.error().message;
    EXPECT_TRUE(state->exists);
    EXPECT_TRUE(state->history.table_exists);
    ASSERT_EQ(state->history.applied.size(), 1U);
    EXPECT_EQ(state->history.applied[0].version, "0001");
    EXPECT_EQ(state->history.applied[0].name, "a");
    ASSERT_EQ(state->history.failures.size(), 1U);
    EXPECT_EQ(state->history.failures[0].version, "0002");
    EXPECT_CONTAINS(state->history.failures[0].error, "no such table: nowhere");
    EXPECT_TRUE(state->history.dirty.empty());
}

TEST(ReadDatabaseState, OtherHistoryTableNameSeesNoHistory) {
    testing::TempDir dir;
    dir.write("migrations/0001_a.sql", "-- +migrate Up\nCREATE TABLE a (id INTEGER);\n");
    MigrateOptions migrate;
    migrate.db = options_for(dir);
    ASSERT_TRUE(run_migrate(migrate).has_value());
    auto options = options_for(dir);
    options.history_table = "other_history";
    auto state = read_database_state(options);
    ASSERT_TRUE(state.has_value()) << state.error().message;
    EXPECT_FALSE(state->history.table_exists);
    EXPECT_TRUE(state->history.applied.empty());
    EXPECT_TRUE(state->history.failures.empty());
}

TEST(ReadDatabaseState, AnotherToolsHistoryTableIsRefusedAndLeftAlone) {
    testing::TempDir dir;
    {
        RawDatabase db(dir / "app.db");
        db.exec(
            "CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, version_id INTEGER, "
            "is_applied INTEGER, tstamp TEXT);"
            "INSERT INTO schema_migrations VALUES (1, 0, 1, '2020-01-01');");
    }
    const auto bytes_before = testing::read_file(dir / "app.db");
    auto state = read_database_state(options_for(dir));
    ASSERT_FALSE(state.has_value());
    EXPECT_EQ(state.error().code, ErrorCode::refused);
    EXPECT_CONTAINS(state.error().message, "goose");
    EXPECT_EQ(testing::read_file(dir / "app.db"), bytes_before);
}

TEST(ReadDatabaseState, NonSqliteFileIsInvalidInputAndUntouched) {
    testing::TempDir dir;
    const std::string text = "id,name\n1,alice\n";
    dir.write("app.db", text);
    auto state = read_database_state(options_for(dir));
    ASSERT_FALSE(state.has_value());
    EXPECT_EQ(state.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(state.error().message, (dir / "app.db").string());
    EXPECT_EQ(testing::read_file(dir / "app.db"), text);
    EXPECT_EQ(entries_of(dir.path()), std::set<std::string>{"app.db"});
}

TEST(ReadDatabaseState, WalDatabaseIsReadWithoutLeavingFilesBehind) {
    testing::TempDir dir;
    {
        RawDatabase db(dir / "app.db");
        db.exec("PRAGMA journal_mode = WAL; CREATE TABLE notes (id INTEGER);");
    }
    ASSERT_EQ(entries_of(dir.path()), std::set<std::string>{"app.db"});
    const auto bytes_before = testing::read_file(dir / "app.db");
    auto state = read_database_state(options_for(dir));
    ASSERT_TRUE(state.has_value()) << state.error().message;
    EXPECT_TRUE(state->exists);
    EXPECT_EQ(entries_of(dir.path()), std::set<std::string>{"app.db"});
    EXPECT_EQ(testing::read_file(dir / "app.db"), bytes_before);
}

TEST(ReadVersionAfter, IsTheVersionTheHistoryNowSays) {
    testing::TempDir dir;
    dir.write("migrations/0001_a.sql", "-- +migrate Up\nCREATE TABLE a (id INTEGER);\n");
    dir.write("migrations/0002_b.sql", "-- +migrate Up\nCREATE TABLE b (id INTEGER);\n");
    MigrateOptions migrate;
    migrate.db = options_for(dir);
    ASSERT_TRUE(run_migrate(migrate).has_value());
    auto set = load_migration_set(options_for(dir));
    ASSERT_TRUE(set.has_value()) << set.error().message;
    auto db = sqlite::Database::open(dir / "app.db", sqlite::OpenMode::read_only);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    EXPECT_EQ(read_version_after(*db, "schema_migrations", set->migrations), "0002");
}

// Not "?" nor any other made-up version: the caller's report says it does not know.
TEST(ReadVersionAfter, IsUnknownWhenTheHistoryCannotBeRead) {
    testing::TempDir dir;
    {
        RawDatabase raw(dir / "app.db");
        raw.exec(
            "CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, version_id INTEGER, "
            "is_applied INTEGER, tstamp TEXT);");  // goose's: belay refuses to read it as its own
    }
    auto db = sqlite::Database::open(dir / "app.db", sqlite::OpenMode::read_only);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    EXPECT_EQ(read_version_after(*db, "schema_migrations", {}), std::nullopt);
}

// What a backup or a restore reports: belay's version, "0" without belay history, and no
// version at all (not a made-up one) when the table under belay's name is another tool's; the
// backup's sidecar writes that as "-".
TEST(ReadAnyVersion, IsBelaysVersionOrUnknownUnderAnotherToolsHistoryTable) {
    testing::TempDir dir;
    RawDatabase(dir / "app.db").exec("CREATE TABLE notes (id INTEGER);");
    auto none = read_any_version(options_for(dir));
    ASSERT_TRUE(none.has_value()) << none.error().message;
    EXPECT_EQ(*none, "0");

    dir.write("migrations/0001_a.sql", "-- +migrate Up\nCREATE TABLE a (id INTEGER);\n");
    MigrateOptions migrate;
    migrate.db = options_for(dir);
    ASSERT_TRUE(run_migrate(migrate).has_value());
    auto belays = read_any_version(options_for(dir));
    ASSERT_TRUE(belays.has_value()) << belays.error().message;
    EXPECT_EQ(*belays, "0001");
    EXPECT_EQ(read_version_for_backup(options_for(dir)), "0001");

    testing::TempDir goose;
    RawDatabase(goose / "app.db")
        .exec(
            "CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, version_id INTEGER, "
            "is_applied INTEGER, tstamp TEXT);"
            "INSERT INTO schema_migrations VALUES (1, 3, 1, '2020-01-01');");
    auto unknown = read_any_version(options_for(goose));
    ASSERT_TRUE(unknown.has_value()) << unknown.error().message;
    EXPECT_EQ(*unknown, std::nullopt);
    EXPECT_EQ(read_version_for_backup(options_for(goose)), "-");
}

}  // namespace
}  // namespace belay::engine
