// Other tools' migration layouts, read as they are: goose, dbmate, golang-migrate, pop and
// diesel, detected from the directory or forced with --format.
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class LayoutsTest : public E2eTest {
  protected:
    void migrate_ok(const std::vector<std::string>& extra = {}) {
        auto result = belay("migrate", extra);
        ASSERT_EQ(result.exit_code, 0) << describe(result);
    }
    bool has(const std::string& object) { return TestDb(db(), true).has_object(object); }
};

TEST_F(LayoutsTest, GooseFilesWithStatementBlocksAndNoTransaction) {
    write_migration("00001_users.sql", R"(-- +goose Up
CREATE TABLE users (id INTEGER PRIMARY KEY, seen INTEGER NOT NULL DEFAULT 0);
-- +goose StatementBegin
CREATE TRIGGER users_seen AFTER INSERT ON users BEGIN
    UPDATE users SET seen = 1 WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE users;
)");
    write_migration("00002_vacuum.sql", R"(-- +goose NO TRANSACTION
-- +goose Up
VACUUM;
-- +goose Down
SELECT 1;
)");
    migrate_ok();
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"00001", "00002"}));
    EXPECT_TRUE(has("users_seen"));
    TestDb(db()).exec("INSERT INTO users (id) VALUES (1);");
    EXPECT_EQ(TestDb(db(), true).scalar("SELECT seen FROM users"), "1");

    auto down = belay("down", {"--to", "0", "--no-backup"});
    ASSERT_EQ(down.exit_code, 0) << describe(down);
    EXPECT_FALSE(has("users"));
}

TEST_F(LayoutsTest, DbmateFilesWithTransactionFalse) {
    write_migration("20260101120000_users.sql", R"(-- migrate:up
CREATE TABLE users (id INTEGER PRIMARY KEY);

-- migrate:down
DROP TABLE users;
)");
    write_migration("20260102120000_vacuum.sql", R"(-- migrate:up transaction:false
VACUUM;
-- migrate:down
)");
    migrate_ok();
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"20260101120000", "20260102120000"}));
    auto status = belay("status", {"--exit-code"});
    EXPECT_EQ(status.exit_code, 0) << describe(status);
    ASSERT_EQ(belay("down", {"--to", "0", "--no-backup"}).exit_code, 0);
    EXPECT_FALSE(has("users"));
}

TEST_F(LayoutsTest, GolangMigratePairsRunTheirOwnFilesAndNameThemInErrors) {
    write_migration("1_users.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY);\n");
    write_migration("1_users.down.sql", "DROP TABLE users;\n");
    write_migration("2_posts.up.sql", "CREATE TABLE posts (id INTEGER PRIMARY KEY);\n");
    write_migration("2_posts.down.sql", "DROP TABLE posts;\nDROP TABLE no_such_table;\n");
    migrate_ok();
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"1", "2"}));
    auto down = belay("down", {"--no-backup"});
    EXPECT_EQ(down.exit_code, 1) << describe(down);
    EXPECT_CONTAINS(down.err, "2_posts.down.sql:2")
        << "the error names the down file and its line\n"
        << down.err;
    write_migration("2_posts.down.sql", "DROP TABLE posts;\n");
    EXPECT_EQ(belay("down", {"--no-backup"}).exit_code, 5)
        << "the pair's checksum covers the down file too: changed after it was applied";
}

TEST_F(LayoutsTest, PopPicksTheSqliteVariantPerDirectionAndIgnoresOtherDialects) {
    write_migration("20260101000000_users.up.sql", "CREATE TABLE users (id INTEGER, generic);\n");
    write_migration("20260101000000_users.sqlite3.up.sql",
                    "CREATE TABLE users (id INTEGER PRIMARY KEY, sqlite_variant);\n");
    write_migration("20260101000000_users.postgres.up.sql", "CREATE TABLE users (id SERIAL);\n");
    write_migration("20260101000000_users.down.sql", "DROP TABLE users;\n");
    write_migration("20260102000000_vacuum.sqlite.autocommit.up.sql", "VACUUM;\n");
    write_migration("20260102000000_vacuum.down.sql", "");
    write_migration("20260103000000_pg_only.postgres.up.sql", "CREATE EXTENSION x;\n");
    migrate_ok({"--json"});
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"20260101000000", "20260102000000"}))
        << "a migration with only another dialect's files does not exist for SQLite";
    EXPECT_EQ(TestDb(db(), true).columns("users"),
              (std::vector<std::string>{"id", "sqlite_variant"}));
    auto down = belay("down", {"--no-backup"});
    ASSERT_EQ(down.exit_code, 0) << "an empty down file is a deliberate no-op\n" << describe(down);
    ASSERT_EQ(belay("down", {"--no-backup"}).exit_code, 0);
    EXPECT_FALSE(has("users")) << "the generic down file serves the sqlite3 up file";
}

TEST_F(LayoutsTest, DieselFoldersWithEitherSeparatorAndMetadata) {
    write_file("migrations/2026-01-01-120000_users/up.sql",
               "CREATE TABLE users (id INTEGER PRIMARY KEY);\n");
    write_file("migrations/2026-01-01-120000_users/down.sql", "DROP TABLE users;\n");
    write_file("migrations/2026_01_02_120000_vacuum/up.sql", "VACUUM;\n");
    write_file("migrations/2026_01_02_120000_vacuum/down.sql", "SELECT 1;\n");
    write_file("migrations/2026_01_02_120000_vacuum/metadata.toml", "run_in_transaction = false\n");
    write_file("migrations/diesel.toml", "[print_schema]\n");
    migrate_ok();
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"20260101120000", "20260102120000"}));
    auto status = belay("status", {"--json"});
    EXPECT_EQ(status.json()["migrations"][0]["name"], "users") << status.out;
}

TEST_F(LayoutsTest, MixedLayoutsAreRefusedNamingAFileOfEach) {
    write_migration("0001_users.sql", "-- +goose Up\nCREATE TABLE users (id);\n");
    write_migration("0002_posts.up.sql", "CREATE TABLE posts (id);\n");
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "more than one layout") << result.err;
    EXPECT_CONTAINS(result.err, "goose (") << result.err;
    EXPECT_CONTAINS(result.err, "golang-migrate (") << result.err;
    EXPECT_FALSE(fs::exists(db()));
}

TEST_F(LayoutsTest, CreateWritesInTheDirectorysLayout) {
    write_migration("00001_users.sql", "-- +goose Up\nCREATE TABLE users (id);\n");
    auto goose = belay("create", {"AddPosts"});
    ASSERT_EQ(goose.exit_code, 0) << describe(goose);
    EXPECT_EQ(goose.out, (migrations() / "00002_add_posts.sql").string() + "\n");
    EXPECT_CONTAINS(read_file(migrations() / "00002_add_posts.sql"), "-- +goose Up");
    EXPECT_EQ(belay("status").exit_code, 0) << "the set still reads as one layout";

    fs::remove_all(migrations());
    write_migration("1_users.up.sql", "CREATE TABLE users (id);\n");
    auto pairs = belay("create", {"add posts", "--json"});
    ASSERT_EQ(pairs.exit_code, 0) << describe(pairs);
    EXPECT_EQ(pairs.json().at("files").size(), 2u) << pairs.out;
    EXPECT_TRUE(fs::exists(migrations() / "2_add_posts.up.sql"));
    EXPECT_TRUE(fs::exists(migrations() / "2_add_posts.down.sql"));

    fs::remove_all(migrations());
    write_file("migrations/2026-01-01-120000_users/up.sql", "CREATE TABLE users (id);\n");
    auto diesel = belay("create", {"add_posts"});
    ASSERT_EQ(diesel.exit_code, 0) << describe(diesel);
    EXPECT_CONTAINS(diesel.out, "_add_posts/up.sql\n") << diesel.out;
    EXPECT_CONTAINS(diesel.out, "_add_posts/down.sql\n") << diesel.out;
    EXPECT_EQ(belay("status", {"--json"}).json().at("migrations").size(), 2u);
}

TEST_F(LayoutsTest, FormatForcesALayout) {
    write_migration("0001_users.sql", "-- +goose Up\nCREATE TABLE users (id);\n");
    auto wrong = belay("migrate", {"--format", "sql-migrate"});
    EXPECT_EQ(wrong.exit_code, 2) << describe(wrong);
    EXPECT_FALSE(fs::exists(db()));
    auto unknown = belay("status", {"--format", "liquibase"});
    EXPECT_EQ(unknown.exit_code, 2) << describe(unknown);
    EXPECT_CONTAINS(unknown.err, "--format liquibase") << unknown.err;
    migrate_ok({"--format", "goose"});
    EXPECT_TRUE(has("users"));
}

}  // namespace
}  // namespace belay::testing

namespace belay::testing {
namespace {

TEST_F(LayoutsTest, RefusalsPointAtEachLayoutsOwnWayOutOfTheTransaction) {
    write_migration("1_vacuum.sql", "-- migrate:up\nVACUUM;\n-- migrate:down\n");
    auto dbmate = belay("migrate");
    EXPECT_EQ(dbmate.exit_code, 2) << describe(dbmate);
    EXPECT_CONTAINS(dbmate.err, "transaction:false") << dbmate.err;
    fs::remove_all(migrations());
    write_migration("1_vacuum.up.sql", "VACUUM;\n");
    auto pair = belay("migrate");
    EXPECT_EQ(pair.exit_code, 2) << describe(pair);
    EXPECT_CONTAINS(pair.err, ".autocommit.up.sql") << pair.err;
}

TEST_F(LayoutsTest, PopDownVariantsAndAutocommitDownAndDbmateTransactionFalseOnDown) {
    write_migration("1_users.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY);\n");
    write_migration("1_users.down.sql", "SELECT RAISE(FAIL, 'the generic down must not run');\n");
    write_migration("1_users.sqlite3.down.sql", "DROP TABLE users;\n");
    write_migration("2_vacuum.up.sql", "CREATE TABLE t (x);\n");
    write_migration("2_vacuum.autocommit.down.sql", "DROP TABLE t;\nVACUUM;\n");
    migrate_ok({"--no-backup"});
    auto down = belay("down", {"--to", "0", "--no-backup"});
    ASSERT_EQ(down.exit_code, 0) << "VACUUM runs because the down file is .autocommit, and the "
                                    "sqlite3 down file wins\n"
                                 << describe(down);
    EXPECT_FALSE(has("users"));

    fs::remove_all(migrations());
    fs::remove(db());
    write_migration("1_t.sql",
                    "-- migrate:up\nCREATE TABLE t (x);\n"
                    "-- migrate:down transaction:false\nDROP TABLE t;\nVACUUM;\n");
    migrate_ok({"--no-backup"});
    auto dbmate_down = belay("down", {"--no-backup"});
    EXPECT_EQ(dbmate_down.exit_code, 0) << describe(dbmate_down);
    EXPECT_FALSE(has("t"));
}

}  // namespace
}  // namespace belay::testing
