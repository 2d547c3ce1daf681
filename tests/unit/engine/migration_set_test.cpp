#include "engine/migration_set.hpp"

#include <string>

#include <gtest/gtest.h>

#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay::engine {
namespace {

std::string load_error(const std::filesystem::path& directory) {
    auto set = load_migration_set(directory);
    if (set) {
        ADD_FAILURE() << "expected load_migration_set to fail for " << directory;
        return {};
    }
    EXPECT_EQ(set.error().code, ErrorCode::invalid_input);
    return set.error().message;
}

TEST(LoadMigrationSet, LoadsAValidDirectoryInOrder) {
    testing::TempDir dir;
    dir.write("0002_b.sql", "-- +migrate Up\nCREATE TABLE b (id INTEGER);\n");
    dir.write("0001_a.sql", "-- +migrate Up\nCREATE TABLE a (id INTEGER);\n");
    dir.write("README.md", "notes");
    auto set = load_migration_set(dir.path());
    ASSERT_TRUE(set.has_value()) << set.error().message;
    ASSERT_EQ(set->migrations.size(), 2U);
    EXPECT_EQ(set->migrations[0].version.text(), "0001");
    EXPECT_EQ(set->migrations[1].version.text(), "0002");
    EXPECT_TRUE(set->notes.empty());
}

TEST(LoadMigrationSet, RefusesStatementsThatCannotRunInATransactionWithFileAndLine) {
    testing::TempDir dir;
    const auto vacuum = dir.write("0001_vacuum.sql",
                                  "-- +migrate Up\n"
                                  "CREATE TABLE t (id INTEGER);\n"
                                  "VACUUM;\n");
    const auto journal = dir.write("0002_journal.sql",
                                   "-- +migrate Up\n"
                                   "\n"
                                   "PRAGMA journal_mode = WAL;\n"
                                   "ATTACH 'other.db' AS other;\n");
    const auto message = load_error(dir.path());
    EXPECT_CONTAINS(message, vacuum.string() + ":3:");
    EXPECT_CONTAINS(message, journal.string() + ":3:");
    EXPECT_CONTAINS(message, journal.string() + ":4:");
    EXPECT_CONTAINS(message, "-- +migrate NoTransaction");
}

TEST(LoadMigrationSet, RefusesTransactionControlInDownAndVerify) {
    testing::TempDir dir;
    const auto path = dir.write("0001_a.sql",
                                "-- +migrate Up\n"
                                "CREATE TABLE t (id INTEGER);\n"
                                "-- +migrate Down\n"
                                "BEGIN;\n"
                                "DROP TABLE t;\n"
                                "COMMIT;\n"
                                "-- +migrate Verify\n"
                                "SAVEPOINT s;\n");
    const auto message = load_error(path.parent_path());
    EXPECT_CONTAINS(message, path.string() + ":4:");
    EXPECT_CONTAINS(message, path.string() + ":6:");
    EXPECT_CONTAINS(message, path.string() + ":8:");
}

// Regression: a refused statement in the Verify section was reported as being in the Up section.
TEST(LoadMigrationSet, RefusedStatementInVerifyIsReportedAsVerify) {
    testing::TempDir dir;
    const auto path = dir.write("0001_a.sql",
                                "-- +migrate Up\n"
                                "CREATE TABLE t (id INTEGER);\n"
                                "-- +migrate Verify\n"
                                "SAVEPOINT s;\n");
    const auto message = load_error(dir.path());
    EXPECT_CONTAINS(message, path.string() + ":4:");
    EXPECT_CONTAINS(message, "Verify section");
    EXPECT_NOT_CONTAINS(message, "Up section");
}

TEST(LoadMigrationSet, TriggerBodiesAndStringsAreNotMistakenForTransactionControl) {
    testing::TempDir dir;
    dir.write("0001_a.sql",
              "-- +migrate Up\n"
              "CREATE TABLE t (id INTEGER, note TEXT);\n"
              "CREATE TRIGGER t_guard BEFORE DELETE ON t BEGIN\n"
              "  SELECT RAISE(ROLLBACK, 'no; COMMIT; here');\n"
              "END;\n"
              "INSERT INTO t VALUES (1, 'VACUUM; BEGIN;');\n"
              "/* VACUUM; */\n");
    auto set = load_migration_set(dir.path());
    ASSERT_TRUE(set.has_value()) << set.error().message;
}

TEST(LoadMigrationSet, NoTransactionFilesSkipTheCheck) {
    testing::TempDir dir;
    dir.write("0001_vacuum.sql",
              "-- +migrate NoTransaction\n"
              "-- +migrate Up\n"
              "VACUUM;\n"
              "PRAGMA journal_mode = WAL;\n"
              "PRAGMA foreign_keys = ON;\n"
              "-- +migrate Down\n"
              "VACUUM;\n");
    auto set = load_migration_set(dir.path());
    ASSERT_TRUE(set.has_value()) << set.error().message;
    ASSERT_EQ(set->migrations.size(), 1U);
    EXPECT_TRUE(set->migrations[0].up_no_transaction);
    // Outside a transaction the pragma does take effect, so there is nothing to note.
    EXPECT_TRUE(set->notes.empty());
}

TEST(LoadMigrationSet, UpNoTransactionStillChecksTheDownSection) {
    testing::TempDir dir;
    const auto path = dir.write("0001_a.sql",
                                "-- +migrate Up notransaction\n"
                                "VACUUM;\n"
                                "-- +migrate Down\n"
                                "VACUUM;\n");
    const auto message = load_error(dir.path());
    EXPECT_CONTAINS(message, path.string() + ":4:");
    EXPECT_NOT_CONTAINS(message, path.string() + ":2:");
}

TEST(LoadMigrationSet, NotesForeignKeysPragmaWithFileAndLine) {
    testing::TempDir dir;
    const auto path = dir.write("0001_rebuild.sql",
                                "-- +migrate Up\n"
                                "PRAGMA foreign_keys = OFF;\n"
                                "CREATE TABLE t (id INTEGER);\n"
                                "PRAGMA foreign_keys=ON;\n"
                                "PRAGMA foreign_keys;\n");
    auto set = load_migration_set(dir.path());
    ASSERT_TRUE(set.has_value()) << set.error().message;
    ASSERT_EQ(set->notes.size(), 2U);  // the plain query on line 5 sets nothing
    EXPECT_CONTAINS(set->notes[0], path.string() + ":2:");
    EXPECT_CONTAINS(set->notes[0], "PRAGMA foreign_keys");
    EXPECT_CONTAINS(set->notes[1], path.string() + ":4:");
}

TEST(LoadMigrationSet, BadFileNamesAreReportedBeforeAnythingElse) {
    testing::TempDir dir;
    dir.write("0001_a.sql", "-- +migrate Up\nSELECT 1;\n");
    dir.write("add_users.sql", "-- +migrate Up\nSELECT 1;\n");
    EXPECT_CONTAINS(load_error(dir.path()), "add_users.sql");
}

TEST(LoadMigrationSet, MissingDirectoryIsInvalidInput) {
    testing::TempDir dir;
    EXPECT_CONTAINS(load_error(dir / "nope"), "nope");
}

TEST(LoadMigrationSet, KeepsRepeatablesApartAndChecksTheirStatements) {
    testing::TempDir dir;
    dir.write("V1__a.sql", "CREATE TABLE a (x);\n");
    dir.write("R__views.sql", "CREATE VIEW v AS SELECT x FROM a;\n");
    auto set = load_migration_set(dir.path());
    ASSERT_TRUE(set.has_value()) << set.error().message;
    ASSERT_EQ(set->migrations.size(), 1U);
    ASSERT_EQ(set->repeatables.size(), 1U);
    EXPECT_EQ(set->repeatables[0].name, "views");

    const auto vacuum = dir.write("R__vacuum.sql", "SELECT 1;\n\nVACUUM;\n");
    const auto attach = dir.write("R__attach.sql", "PRAGMA writable_schema = ON;\n");
    const auto message = load_error(dir.path());
    EXPECT_CONTAINS(message, vacuum.string() +
                                 ":3: VACUUM cannot run inside the transaction belay runs a "
                                 "repeatable migration in")
        << message;
    EXPECT_CONTAINS(message, "move it to a versioned migration") << message;
    EXPECT_NOT_CONTAINS(message, "executeInTransaction")
        << "a repeatable cannot be configured to run without a transaction";
    EXPECT_CONTAINS(message, attach.string() + ":1: belay refuses this statement") << message;
}

}  // namespace
}  // namespace belay::engine
