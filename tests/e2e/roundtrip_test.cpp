// `db check --roundtrip`: each migration's Down must give back the schema its Up started from,
// checked on a scratch database built from the files alone.
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class RoundtripTest : public E2eTest {
  protected:
    RunResult roundtrip(const std::vector<std::string>& extra = {}) {
        std::vector<std::string> args{"--roundtrip"};
        args.insert(args.end(), extra.begin(), extra.end());
        return belay("check", args);
    }
};

TEST_F(RoundtripTest, EveryShippedExampleMigrationRoundTrips) {
    auto result =
        run_raw({"db", "check", "--roundtrip", "--json", "--db", (dir() / "none.db").string(),
                 "--migrations", (source_dir() / "migrations").string()});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto migrations = result.json().at("roundtrip").at("migrations");
    ASSERT_EQ(migrations.size(), 7u) << result.out;
    for (const auto& migration : migrations) {
        EXPECT_EQ(migration.at("outcome"), "ok") << migration.dump(2);
    }
    EXPECT_FALSE(fs::exists(dir() / "none.db")) << "the round trip creates no database";
}

TEST_F(RoundtripTest, ADownThatLeavesAnIndexBehindIsAFinding) {
    write_migration("0001_users.sql", R"(-- +migrate Up
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);
-- +migrate Down
DROP TABLE users;
)");
    write_migration("0002_email_index.sql", R"(-- +migrate Up
CREATE INDEX users_email ON users (email);
ALTER TABLE users ADD COLUMN name TEXT NOT NULL DEFAULT '';
-- +migrate Down
ALTER TABLE users DROP COLUMN name;
)");
    auto result = roundtrip();
    EXPECT_EQ(result.exit_code, 6) << describe(result);
    EXPECT_CONTAINS(result.out,
                    "0002_email_index: after Up and Down, extra: index users_email on "
                    "users: CREATE INDEX users_email ON users (email)")
        << result.out;
    EXPECT_CONTAINS(result.out, "roundtrip    0001_users: ok") << result.out;
    EXPECT_CONTAINS(result.out, "roundtrip    0002_email_index: failed") << result.out;
    EXPECT_CONTAINS(result.out, "Up failed after its own Down")
        << "the left-over index makes the second Up fail\n"
        << result.out;
}

TEST_F(RoundtripTest, AColumnThatComesBackDifferentIsAFinding) {
    write_migration("0001_users.sql", R"(-- +migrate Up
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
-- +migrate Down
DROP TABLE users;
)");
    write_migration("0002_relax_email.sql", R"(-- +migrate Up
CREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT);
INSERT INTO users_new SELECT id, email FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
-- +migrate Down
CREATE TABLE users_old (id INTEGER PRIMARY KEY, email TEXT);
INSERT INTO users_old SELECT id, email FROM users;
DROP TABLE users;
ALTER TABLE users_old RENAME TO users;
)");
    auto result = roundtrip({"--json"});
    EXPECT_EQ(result.exit_code, 6) << describe(result);
    const auto second = result.json().at("roundtrip").at("migrations").at(1);
    EXPECT_EQ(second.at("outcome"), "differs") << second.dump(2);
    const auto problems = second.at("problems").dump();
    EXPECT_CONTAINS(problems, "missing: column users#1 email TEXT notnull=1") << problems;
}

TEST_F(RoundtripTest, ADownThatLosesConstraintsIsAFinding) {
    write_migration("0001_items.sql", R"(-- +migrate Up
CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT COLLATE NOCASE,
                    qty INTEGER CHECK (qty > 0)) STRICT;
-- +migrate Down
DROP TABLE items;
)");
    write_migration("0002_add_note.sql", R"(-- +migrate Up
ALTER TABLE items ADD COLUMN note TEXT;
-- +migrate Down
CREATE TABLE items_old (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER);
INSERT INTO items_old SELECT id, name, qty FROM items;
DROP TABLE items;
ALTER TABLE items_old RENAME TO items;
)");
    auto result = roundtrip({"--json"});
    EXPECT_EQ(result.exit_code, 6) << describe(result);
    const auto problems =
        result.json().at("roundtrip").at("migrations").at(1).at("problems").dump();
    for (const auto* lost :
         {"missing: check items: (qty > 0)", "missing: column items.name collate NOCASE",
          "missing: column items.id collate BINARY autoincrement=1",
          "missing: table items strict=1"}) {
        EXPECT_CONTAINS(problems, lost) << lost << "\n" << problems;
    }
}

TEST_F(RoundtripTest, AFailingDownIsAFindingAndNoDownIsNot) {
    write_migration("0001_users.sql", up_only("CREATE TABLE users (id INTEGER PRIMARY KEY);"));
    write_migration("0002_posts.sql", R"(-- +migrate Up
CREATE TABLE posts (id INTEGER PRIMARY KEY);
-- +migrate Down
DROP TABLE post;
)");
    write_migration("0003_tags.sql", R"(-- +migrate Up
CREATE TABLE tags (id INTEGER PRIMARY KEY);
-- +migrate Down
DROP TABLE tags;
)");
    auto result = roundtrip({"--json"});
    EXPECT_EQ(result.exit_code, 6) << describe(result);
    const auto migrations = result.json().at("roundtrip").at("migrations");
    ASSERT_EQ(migrations.size(), 3u) << result.out;
    EXPECT_EQ(migrations[0].at("outcome"), "no Down section");
    EXPECT_EQ(migrations[1].at("outcome"), "failed");
    EXPECT_CONTAINS(migrations[1].at("problems").dump(), "no such table: post")
        << migrations[1].dump(2);
    EXPECT_EQ(migrations[2].at("outcome"), "ok") << "checking went on after a failing Down";
    EXPECT_EQ(result.json().at("findings").size(), 1u) << result.out;
}

TEST_F(RoundtripTest, PendingMigrationsAreAlsoTriedOnACopyOfTheDatabaseWithItsData) {
    write_migration("0001_users.sql", R"(-- +migrate Up
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);
CREATE UNIQUE INDEX users_email ON users (email);
-- +migrate Down
DROP TABLE users;
)");
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    TestDb(db()).exec("INSERT INTO users (email) VALUES ('a@example.org');");
    // Fine on an empty database; on real rows its Down cannot bring the unique index back.
    write_migration("0002_allow_duplicates.sql", R"(-- +migrate Up
DROP INDEX users_email;
INSERT INTO users (email) SELECT email FROM users;
-- +migrate Down
CREATE UNIQUE INDEX users_email ON users (email);
)");
    const auto hash = sha256_of(db());
    auto result = roundtrip({"--json"});
    EXPECT_EQ(result.exit_code, 6) << describe(result);
    const auto json = result.json().at("roundtrip");
    EXPECT_EQ(json.at("migrations").at(1).at("outcome"), "ok") << json.dump(2);
    ASSERT_EQ(json.at("on_copy").size(), 1u) << json.dump(2);
    EXPECT_EQ(json.at("on_copy").at(0).at("version"), "0002");
    EXPECT_EQ(json.at("on_copy").at(0).at("outcome"), "failed");
    EXPECT_CONTAINS(json.at("on_copy").at(0).at("problems").dump(), "UNIQUE constraint failed")
        << json.dump(2);
    EXPECT_EQ(sha256_of(db()), hash) << "only a copy was used";
}

TEST_F(RoundtripTest, TheDatabaseIsNotTouched) {
    write_migration("0001_users.sql", R"(-- +migrate Up
CREATE TABLE users (id INTEGER PRIMARY KEY);
-- +migrate Down
DROP TABLE users;
)");
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    const auto hash = sha256_of(db());
    const auto files = list_dir(dir());
    auto result = roundtrip();
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(sha256_of(db()), hash);
    EXPECT_EQ(list_dir(dir()), files);
}

// breakit18 #1: a dbmate database (its schema_migrations is not belay's) made the round trip
// exit 5 naming the scratch copy's private path. The files' round trip runs; the one on a copy
// is skipped with a note naming the user's database, and check exits 0.
TEST_F(RoundtripTest, AnotherToolsHistoryTableSkipsTheCopyWithANote) {
    write_migration("0001_users.sql", R"(-- +migrate Up
CREATE TABLE users (id INTEGER PRIMARY KEY);
-- +migrate Down
DROP TABLE users;
)");
    {
        TestDb app(db());
        app.exec(
            "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);"
            "INSERT INTO schema_migrations VALUES ('20240101000000');");
    }
    const auto hash = sha256_of(db());
    auto result = roundtrip();
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_NOT_CONTAINS(result.err, "belay-roundtrip") << result.err;
    EXPECT_NOT_CONTAINS(result.out, "belay-roundtrip") << result.out;
    EXPECT_CONTAINS(result.out, "roundtrip    0001_users: ok") << result.out;
    EXPECT_CONTAINS(result.out, "roundtrip    not run on a copy of " + db().string() +
                                    ": it needs belay's history")
        << result.out;
    EXPECT_CONTAINS(result.out, "history and drift not checked: schema_migrations is dbmate's")
        << result.out;
    auto json = roundtrip({"--json"});
    ASSERT_EQ(json.exit_code, 0) << describe(json);
    const auto report = json.json();
    EXPECT_EQ(report.at("roundtrip").at("migrations").size(), 1u) << json.out;
    EXPECT_CONTAINS(report.at("roundtrip").at("on_copy_skipped").get<std::string>(),
                    "schema_migrations")
        << json.out;
    EXPECT_EQ(report.at("history_checked"), false) << json.out;
    EXPECT_EQ(sha256_of(db()), hash) << "only read";
}

}  // namespace
}  // namespace belay::testing
