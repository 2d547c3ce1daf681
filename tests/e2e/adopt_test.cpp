// `db adopt`: another tool's history table becomes belay's, snapshot first, the old table kept.
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class AdoptTest : public E2eTest {
  protected:
    void write_goose_three() {
        for (const auto& [version, table] :
             {std::pair{"00001", "a"}, {"00002", "b"}, {"00003", "c"}}) {
            write_migration(std::string(version) + "_" + table + ".sql",
                            std::string("-- +goose Up\nCREATE TABLE ") + table +
                                " (x);\n-- +goose Down\nDROP TABLE " + table + ";\n");
        }
    }
};

TEST_F(AdoptTest, GooseHistoryBecomesBelaysAndTheOldTableIsKept) {
    write_goose_three();
    TestDb(db()).exec(
        "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER "
        "NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')));"
        "INSERT INTO goose_db_version (version_id, is_applied, tstamp) VALUES "
        "(0, 1, '2026-01-01 00:00:00'), (1, 1, '2026-01-02 10:00:00'),"
        "(2, 1, '2026-01-03 10:00:00'), (3, 1, '2026-01-04 10:00:00'), (3, 0, '2026-01-05 "
        "10:00:00');"
        "CREATE TABLE a (x); CREATE TABLE b (x);");
    const auto before = TestDb(db(), true).rows("SELECT * FROM goose_db_version ORDER BY id");
    const auto untouched = database_contents(db());
    for (const auto* flag : {"--no-backup", "--dry-run"}) {
        auto refused = belay("migrate", {flag});
        EXPECT_EQ(refused.exit_code, 5) << "belay would apply goose's migrations again\n"
                                        << describe(refused);
        EXPECT_CONTAINS(refused.err, "belay db adopt") << refused.err;
    }
    EXPECT_EQ(database_contents(db()), untouched);

    auto result = belay("adopt");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out,
                    "record 00001_a as applied (goose applied it at 2026-01-02T10:00:00Z)")
        << result.out;
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"00001", "00002"}))
        << "goose's latest row for 3 says it was rolled back";
    {
        TestDb check(db(), true);
        EXPECT_FALSE(check.has_object("goose_db_version"));
        EXPECT_EQ(check.rows("SELECT * FROM belay_adopted_goose_db_version ORDER BY id"), before);
        EXPECT_EQ(check.scalar("SELECT applied_at FROM schema_migrations WHERE version = '00002'"),
                  "2026-01-03T10:00:00Z");
    }
    const auto snapshots = names_ending_with(dir(), ".bak");
    ASSERT_EQ(snapshots.size(), 1u) << "a snapshot first";
    EXPECT_EQ(read_json_file(dir() / (snapshots.front() + ".json")).at("reason"), "before adopt");
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"00001", "00002", "00003"}));
    EXPECT_EQ(belay("check").exit_code, 0);
}

TEST_F(AdoptTest, GolangMigratesDirtyFlagBecomesADirtyMark) {
    write_migration("1_a.up.sql", "CREATE TABLE a (x);\n");
    write_migration("2_b.up.sql", "CREATE TABLE b (x);\n");
    write_migration("3_c.up.sql", "CREATE TABLE c (x);\n");
    TestDb(db()).exec(
        "CREATE TABLE schema_migrations (version uint64, dirty bool);"
        "CREATE UNIQUE INDEX version_unique ON schema_migrations (version);"
        "INSERT INTO schema_migrations VALUES (2, 1); CREATE TABLE a (x);");
    EXPECT_EQ(belay("migrate").exit_code, 5) << "another tool's table is refused untouched";

    auto result = belay("adopt", {"--json"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(result.json().at("operation"), "adopt");
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"1"}));
    auto status = belay("status", {"--json"});
    EXPECT_EQ(status.json()["migrations"][1]["status"], "dirty") << status.out;
    EXPECT_EQ(belay("migrate").exit_code, 5) << "the dirty mark blocks runs, as it should";
    EXPECT_TRUE(TestDb(db(), true).has_object("belay_adopted_schema_migrations"));
}

TEST_F(AdoptTest, DbmateHistoryAndTheRefusals) {
    write_migration("20260101000000_a.sql",
                    "-- migrate:up\nCREATE TABLE a (x);\n-- migrate:down\n");
    write_migration("20260102000000_b.sql",
                    "-- migrate:up\nCREATE TABLE b (x);\n-- migrate:down\n");
    auto nothing = belay("adopt");
    EXPECT_EQ(nothing.exit_code, 2) << "no database: " << describe(nothing);
    TestDb(db()).exec("CREATE TABLE a (x);");
    auto none = belay("adopt");
    EXPECT_EQ(none.exit_code, 2) << describe(none);
    EXPECT_CONTAINS(none.err, "nothing to adopt") << none.err;

    TestDb(db()).exec(
        "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);"
        "INSERT INTO schema_migrations VALUES ('20260101000000'), ('20251231000000');");
    const auto before = database_contents(db());
    auto missing = belay("adopt");
    EXPECT_EQ(missing.exit_code, 2) << describe(missing);
    EXPECT_CONTAINS(missing.err, "20251231000000") << missing.err;
    EXPECT_EQ(database_contents(db()), before) << "a refused adopt changes nothing";

    TestDb(db()).exec("DELETE FROM schema_migrations WHERE version = '20251231000000';");
    auto adopted = belay("adopt", {"--from", "dbmate"});
    ASSERT_EQ(adopted.exit_code, 0) << describe(adopted);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"20260101000000"}));
    auto again = belay("adopt", {"--from", "goose"});
    EXPECT_EQ(again.exit_code, 2) << describe(again);
}

// --from names a tool whose table is not here: the message says that tool's table is missing
// (not "no other tool's history table here" beside goose's table) and which tool's is there.
TEST_F(AdoptTest, FromAToolWhoseTableIsNotHereNamesTheToolWhoseTableIs) {
    write_goose_three();
    TestDb(db()).exec(
        "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER "
        "NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')));"
        "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1), (1, 1);"
        "CREATE TABLE a (x);");
    const auto before = database_contents(db());
    auto result = belay("adopt", {"--from", "dbmate"});
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err,
                    "app.db: no dbmate history table here, but goose's goose_db_version is; "
                    "adopt that with --from goose. Nothing was changed")
        << result.err;
    EXPECT_NOT_CONTAINS(result.err, "no other tool's") << result.err;
    EXPECT_EQ(database_contents(db()), before);
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());

    TestDb(db()).exec(
        "DROP TABLE goose_db_version; CREATE TABLE alembic_version (version_num TEXT);");
    auto other = belay("adopt", {"--from", "dbmate"});
    EXPECT_EQ(other.exit_code, 2) << describe(other);
    EXPECT_CONTAINS(other.err,
                    "no dbmate history table here (only Alembic's alembic_version, which belay "
                    "cannot adopt); nothing to adopt")
        << other.err;
}

// breakit18 #9: an existing belay_adopted_<table>, a tool's table that records one version twice
// ('1' and '0001'), or a view of the user's named belay_schema made db adopt fail with a raw
// SQLite error (exit 1) after taking a snapshot. Each is refused first (exit 5), naming the
// conflict and what to do; no snapshot, nothing changed.
TEST_F(AdoptTest, ConflictsAreRefusedBeforeTheSnapshot) {
    write_migration("0001_a.sql", "-- +migrate Up\nCREATE TABLE t (x);\n");
    for (const auto& [sql, expected] : std::vector<std::pair<std::string, std::string>>{
             {"CREATE TABLE schema_migrations (version varchar PRIMARY KEY);"
              "INSERT INTO schema_migrations VALUES ('1');"
              "CREATE TABLE belay_adopted_schema_migrations (x);",
              "db adopt keeps schema_migrations as belay_adopted_schema_migrations, but this "
              "database already has a table belay_adopted_schema_migrations; rename or drop it"},
             {"CREATE TABLE schema_migration (version TEXT NOT NULL);"
              "INSERT INTO schema_migration VALUES ('1'), ('0001');",
              "schema_migration records 0001_a twice"},
             {"CREATE TABLE schema_migrations (version varchar PRIMARY KEY);"
              "INSERT INTO schema_migrations VALUES ('1');"
              "CREATE VIEW belay_schema AS SELECT 1;",
              "view belay_schema was not made by belay"}}) {
        fs::remove(db());
        TestDb(db()).exec(sql);
        const auto before = database_contents(db());
        auto adopt = belay("adopt");
        EXPECT_EQ(adopt.exit_code, 5) << describe(adopt);
        EXPECT_CONTAINS(adopt.err, expected) << adopt.err;
        EXPECT_CONTAINS(adopt.err, "Nothing was changed") << adopt.err;
        EXPECT_EQ(database_contents(db()), before);
        for (const auto& name : list_dir(dir())) {
            EXPECT_NOT_CONTAINS(name, ".bak") << "no snapshot: " << name;
        }
    }
}

// breakit18 #7: renaming the tool's table makes SQLite rewrite the views and triggers that name
// it to name belay_adopted_<table>; adopt said nothing of it. Each rewritten object is printed
// as a change (docs/history.md gives the way back to belay's history).
TEST_F(AdoptTest, ViewsAndTriggersSqliteRewritesAreListedAsChanges) {
    write_migration(
        "20240101000000_users.sql",
        "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n-- migrate:down\n");
    TestDb(db()).exec(
        "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);"
        "INSERT INTO schema_migrations VALUES ('20240101000000');"
        "CREATE TABLE users (id INTEGER PRIMARY KEY);"
        "CREATE VIEW current_version AS SELECT max(version) AS v FROM schema_migrations;"
        "CREATE VIEW unrelated AS SELECT id FROM users;");
    auto adopted = belay("adopt");
    ASSERT_EQ(adopted.exit_code, 0) << describe(adopted);
    EXPECT_CONTAINS(adopted.out,
                    "view current_version now names belay_adopted_schema_migrations "
                    "instead of schema_migrations")
        << adopted.out;
    EXPECT_NOT_CONTAINS(adopted.out, "unrelated") << adopted.out;
    EXPECT_CONTAINS(
        TestDb(db(), true).scalar("SELECT sql FROM sqlite_schema WHERE name = 'current_version'"),
        "belay_adopted_schema_migrations");
}

}  // namespace
}  // namespace belay::testing
