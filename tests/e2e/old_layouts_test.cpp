// sql-migrate's, goose's and dbmate's files read the way those tools read them (issue 16, item 2):
// several Up/Down blocks, dbmate's transaction options and pairs, goose's ENVSUB, goose's no-op
// revert of a migration without Down (on request), and errors in each layout's own words.
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class OldLayoutsTest : public E2eTest {
  protected:
    bool has(const std::string& object) { return TestDb(db(), true).has_object(object); }
};

TEST_F(OldLayoutsTest, DbmateTransactionTrueAndSeveralPairsApplyAndRevertInFileOrder) {
    write_migration("20260101000000_colors.sql", R"(-- migrate:up transaction:true
CREATE TABLE colors (name TEXT NOT NULL)
-- migrate:down transaction:true
DELETE FROM colors WHERE name = 'red';

-- migrate:up
INSERT INTO colors VALUES ('red');
-- migrate:down
DROP TABLE colors;
)");
    auto up = belay("migrate", {"--no-backup"});
    ASSERT_EQ(up.exit_code, 0) << describe(up);
    EXPECT_EQ(TestDb(db(), true).column("SELECT name FROM colors"),
              std::vector<std::string>{"red"});
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"20260101000000"})
        << "one history row for the file, however many blocks";
    auto down = belay("down", {"--no-backup"});
    ASSERT_EQ(down.exit_code, 0) << describe(down);
    EXPECT_FALSE(has("colors")) << "both down blocks ran, in file order";
}

TEST_F(OldLayoutsTest, DbmateFileWithoutDownIsRefusedInDbmatesWords) {
    write_migration("1_users.sql", "-- migrate:up\nCREATE TABLE users (id);\n");
    write_migration("2_posts.sql", "-- migrate:UP\nCREATE TABLE posts (id);\n-- migrate:down\n");
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, (migrations() / "1_users.sql").string() +
                                    ":1: this '-- migrate:up' has no '-- migrate:down' after it");
    EXPECT_CONTAINS(result.err, (migrations() / "2_posts.sql").string() +
                                    ":1: '-- migrate:UP' is not a dbmate directive");
    EXPECT_EQ(result.err.find("+migrate"), std::string::npos)
        << "no sql-migrate words for a dbmate file\n"
        << result.err;
    EXPECT_FALSE(fs::exists(db()));
}

TEST_F(OldLayoutsTest, SqlMigrateBlocksRunInFileOrderAndErrorsNameTheirLines) {
    write_migration("1_a.sql", R"(-- +migrate Up
CREATE TABLE a (id INTEGER PRIMARY KEY);
-- +migrate Down
DROP TABLE a;
-- +migrate Up
CREATE TABLE b (a_id INTEGER REFERENCES a (id));
INSERT INTO b VALUES (1);
INSERT INTO nowhere VALUES (1);
-- +migrate Down
DROP TABLE b;
)");
    auto failed = belay("migrate", {"--no-backup"});
    EXPECT_EQ(failed.exit_code, 1) << describe(failed);
    EXPECT_CONTAINS(failed.err, (migrations() / "1_a.sql").string() + ":8: no such table: nowhere");
    EXPECT_FALSE(has("a")) << "the blocks are one step: the first block is rolled back too";

    write_migration("1_a.sql", R"(-- +migrate Up
CREATE TABLE a (id INTEGER PRIMARY KEY);
-- +migrate Down
DROP TABLE b;
-- +migrate Up
CREATE TABLE b (a_id INTEGER REFERENCES a (id));
-- +migrate Down
DROP TABLE a;
)");
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    EXPECT_TRUE(has("a") && has("b"));
    ASSERT_EQ(belay("down", {"--no-backup"}).exit_code, 0);
    EXPECT_FALSE(has("a") || has("b")) << "the Down blocks ran in file order: b, then a";
}

TEST_F(OldLayoutsTest, GooseEnvsubTakesBelaysEnvironmentAndTheChecksumStaysTheFiles) {
    write_migration("00001_users.sql", R"(-- +goose ENVSUB ON
-- +goose Up
-- the prefix comes from $TABLE_PREFIX (a comment before a statement is left alone)
CREATE TABLE ${TABLE_PREFIX}users (id INTEGER, role TEXT DEFAULT '${DEFAULT_ROLE:-member}');
-- +goose Down
DROP TABLE ${TABLE_PREFIX}users;
)");
    auto up = belay("migrate", {"--no-backup"}, with_env({{"TABLE_PREFIX", "app_"}}));
    ASSERT_EQ(up.exit_code, 0) << describe(up);
    EXPECT_TRUE(has("app_users"));
    EXPECT_EQ(TestDb(db(), true)
                  .scalar("SELECT dflt_value FROM pragma_table_info('app_users') "
                          "WHERE name = 'role'"),
              "'member'");
    auto status = belay("status", {"--exit-code"}, with_env({{"TABLE_PREFIX", "other_"}}));
    EXPECT_EQ(status.exit_code, 0) << "a changed variable is no changed file\n" << describe(status);
    auto down = belay("down", {"--no-backup"}, with_env({{"TABLE_PREFIX", "app_"}}));
    ASSERT_EQ(down.exit_code, 0) << describe(down);
    EXPECT_FALSE(has("app_users"));
}

TEST_F(OldLayoutsTest, GooseRefusalsQuoteWhatTheFileSays) {
    write_migration("00001_users.sql", R"(-- +goose Up
-- +goose ENVSUB ON
CREATE USER ${DB_USER?set DB_USER to the application's user};
-- +goose Down
)");
    write_migration("00002_posts.sql", "-- +goose Down\nDROP TABLE posts;\n");
    write_migration("00003_tags.sql", "-- +goose Up\nCREATE TABLE tags (id)\n");
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, (migrations() / "00001_users.sql").string() +
                                    ":3: '${DB_USER?set DB_USER to the application's user}' "
                                    "needs the environment variable DB_USER to be set");
    EXPECT_CONTAINS(result.err, "because of '-- +goose ENVSUB ON' on line 2");
    EXPECT_CONTAINS(result.err,
                    (migrations() / "00002_posts.sql").string() + ": no '-- +goose Up' section");
    EXPECT_CONTAINS(result.err, (migrations() / "00003_tags.sql").string() +
                                    ":2: the statement that starts here has no ';'");
    EXPECT_EQ(result.err.find("+migrate"), std::string::npos) << result.err;
    EXPECT_FALSE(fs::exists(db()));
}

TEST_F(OldLayoutsTest, GooseMigrationWithoutDownRevertsAsANoOpOnlyWhenAsked) {
    write_migration("00001_users.sql", "-- +goose Up\nCREATE TABLE users (id);\n");
    write_migration("00002_posts.sql",
                    "-- +goose Up\nCREATE TABLE posts (id);\n-- +goose Down\nDROP TABLE posts;\n");
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);

    auto refused = belay("down", {"--to", "0", "--no-backup"});
    EXPECT_EQ(refused.exit_code, 5) << describe(refused);
    EXPECT_CONTAINS(refused.err, "00001_users has no Down section");
    EXPECT_CONTAINS(refused.err, "pass --allow-missing-down to revert it as a no-op");
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"00001", "00002"}));

    auto allowed = belay("down", {"--to", "0", "--no-backup", "--allow-missing-down", "--json"});
    ASSERT_EQ(allowed.exit_code, 0) << describe(allowed);
    EXPECT_TRUE(applied_versions().empty());
    EXPECT_TRUE(has("users")) << "a no-op revert leaves what Up did";
    EXPECT_FALSE(has("posts"));
    const auto steps = allowed.json().at("steps");
    ASSERT_EQ(steps.size(), 2u) << allowed.out;
    EXPECT_EQ(steps[1].at("version"), "00001");
    EXPECT_CONTAINS(steps[1].at("warnings").dump(), "no Down section: reverted as a no-op");
}

TEST_F(OldLayoutsTest, AllowMissingDownMayStandInTheEnvironmentOrBelayIni) {
    write_migration("00001_users.sql", "-- +goose Up\nCREATE TABLE users (id);\n");
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    auto from_env = belay("down", {"--no-backup"}, with_env({{"BELAY_ALLOW_MISSING_DOWN", "1"}}));
    ASSERT_EQ(from_env.exit_code, 0) << describe(from_env);
    EXPECT_TRUE(applied_versions().empty());
    auto again = belay("migrate", {"--no-backup"});
    EXPECT_EQ(again.exit_code, 1) << "the Up runs again and meets the table it left\n"
                                  << describe(again);

    TestDb(db()).exec("DROP TABLE users;");
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    write_file("belay.ini", "allow-missing-down = true\n");
    EXPECT_EQ(belay("status").exit_code, 0) << "the key is known to every command";
    auto from_ini = belay("down", {"--no-backup"});
    ASSERT_EQ(from_ini.exit_code, 0) << describe(from_ini);
    EXPECT_TRUE(applied_versions().empty());
}

}  // namespace
}  // namespace belay::testing
