// `db lint`: one warning per problem, each with file and line; --strict turns them into exit 6.
#include <algorithm>
#include <map>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class LintTest : public E2eTest {
  protected:
    // rule -> "file name:line" of each warning, from the JSON report.
    std::multimap<std::string, std::string> warnings(const RunResult& result) {
        std::multimap<std::string, std::string> found;
        const auto json = result.json();  // the loop must not outlive the parsed document
        for (const auto& warning : json.at("warnings")) {
            found.emplace(warning.at("rule").get<std::string>(),
                          fs::path(warning.at("file").get<std::string>()).filename().string() +
                              ":" + std::to_string(warning.at("line").get<int>()));
        }
        return found;
    }
};

TEST_F(LintTest, TheShippedExamplesHaveNoWarnings) {
    auto result =
        run_raw({"db", "lint", "--strict", "--migrations", (source_dir() / "migrations").string()});
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out, "0 warning(s)") << result.out;
}

TEST_F(LintTest, EachRuleNamesFileAndLine) {
    write_migration("0001_users.sql", R"(-- +migrate Up
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, nick TEXT);
CREATE TABLE scratch (x);
-- +migrate Down
DROP TABLE users;
DROP TABLE scratch;
)");
    write_migration("0002_destructive.sql", R"(-- +migrate Up
DROP TABLE scratch;
ALTER TABLE users DROP COLUMN nick;
ALTER TABLE users ADD COLUMN age INTEGER NOT NULL;
PRAGMA foreign_keys = OFF;
)");
    write_migration("0004_rebuild_loses_email.sql", R"(-- +migrate Up
CREATE TABLE users_new (id INTEGER PRIMARY KEY);
INSERT INTO users_new SELECT id FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
-- +migrate Down
SELECT 1;
)");
    write_migration("0005_empty.sql", R"(-- +migrate Up
-- nothing yet
-- +migrate Down
)");
    write_migration("0006_own_transaction.sql", R"(-- +migrate Up notransaction
BEGIN;
CREATE TABLE t (x);
COMMIT;
-- +migrate Down
DROP TABLE t;
)");
    auto result = belay("lint", {"--json"});
    ASSERT_EQ(result.exit_code, 0) << "warnings alone exit 0 without --strict\n"
                                   << describe(result);
    const auto found = warnings(result);
    const auto has = [&](const std::string& rule, const std::string& where) {
        const auto [first, last] = found.equal_range(rule);
        return std::any_of(first, last, [&](const auto& entry) { return entry.second == where; });
    };
    EXPECT_TRUE(has("no-down", "0002_destructive.sql:1")) << result.out;
    EXPECT_TRUE(has("drop-table", "0002_destructive.sql:2")) << result.out;
    EXPECT_TRUE(has("drop-column", "0002_destructive.sql:3")) << result.out;
    EXPECT_TRUE(has("not-null-without-default", "0002_destructive.sql:4")) << result.out;
    EXPECT_TRUE(has("no-effect-in-transaction", "0002_destructive.sql:5")) << result.out;
    EXPECT_TRUE(has("gap", "0004_rebuild_loses_email.sql:1")) << result.out;
    EXPECT_FALSE(has("drop-table", "0004_rebuild_loses_email.sql:4"))
        << "the rebuild's DROP TABLE is renamed back: not a warning\n"
        << result.out;
    EXPECT_TRUE(has("empty-up", "0005_empty.sql:1")) << result.out;
    EXPECT_TRUE(has("explicit-transaction", "0006_own_transaction.sql:2")) << result.out;
    EXPECT_TRUE(has("explicit-transaction", "0006_own_transaction.sql:4")) << result.out;
    EXPECT_FALSE(has("no-down", "0001_users.sql:1"));
}

// What db migrate refuses before it starts is a warning of lint's, so that --strict in CI fails
// where the deploy would.
TEST_F(LintTest, StatementsThatCannotRunInTheStepsTransactionAreWarnings) {
    write_migration("0001_maintenance.sql", R"(-- +migrate Up
CREATE TABLE t (x);
VACUUM;
PRAGMA journal_mode = WAL;
DETACH other;
-- +migrate Down
DROP TABLE t;
-- +migrate Verify
VACUUM;
)");
    write_migration("0002_outside.sql", R"(-- +migrate Up notransaction
VACUUM;
-- +migrate Down
SELECT 1;
)");
    auto migrate = belay("migrate");
    ASSERT_EQ(migrate.exit_code, 2) << describe(migrate);
    auto result = belay("lint", {"--strict", "--json"});
    EXPECT_EQ(result.exit_code, 6) << describe(result);
    const auto found = warnings(result);
    const auto at = [&](const std::string& where) {
        const auto [first, last] = found.equal_range("needs-no-transaction");
        return std::any_of(first, last, [&](const auto& entry) { return entry.second == where; });
    };
    EXPECT_TRUE(at("0001_maintenance.sql:3")) << result.out;
    EXPECT_TRUE(at("0001_maintenance.sql:4")) << result.out;
    EXPECT_TRUE(at("0001_maintenance.sql:5")) << result.out;
    EXPECT_TRUE(at("0001_maintenance.sql:9")) << "Verify runs in the Up step's transaction\n"
                                              << result.out;
    EXPECT_FALSE(at("0002_outside.sql:2")) << "a NoTransaction section may VACUUM\n" << result.out;
    auto text = belay("lint");
    EXPECT_CONTAINS(text.out,
                    "0001_maintenance.sql:3: warning [needs-no-transaction]: VACUUM cannot run "
                    "inside the transaction belay runs the Up section in")
        << text.out;
}

TEST_F(LintTest, ARebuildThatLeavesAColumnOutIsFound) {
    write_migration("0001_users.sql", R"(-- +migrate Up
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);
-- +migrate Down
DROP TABLE users;
)");
    write_migration("0002_rebuild.sql", R"(-- +migrate Up
CREATE TABLE users_new (id INTEGER PRIMARY KEY);
INSERT INTO users_new SELECT id FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
-- +migrate Down
SELECT 1;
)");
    auto result = belay("lint");
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out,
                    "0002_rebuild.sql:1: warning [lost-column]: after this Up, table "
                    "users no longer has column(s) email")
        << result.out;
    auto strict = belay("lint", {"--strict"});
    EXPECT_EQ(strict.exit_code, 6) << describe(strict);
    EXPECT_FALSE(fs::exists(db())) << "lint touches no database";
}

}  // namespace
}  // namespace belay::testing
