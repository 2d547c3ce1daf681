// `belay db migrate` on the happy paths: the shipped example, statement splitting, versions,
// no-op migrations, --to, and the history it writes.
#include <regex>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class MigrateTest : public E2eTest {};

TEST_F(MigrateTest, ShippedExampleAppliesOnAFreshDatabaseAndSecondRunDoesNothing) {
    const auto shipped = (source_dir() / "migrations").string();
    auto first = run_raw({"db", "migrate", "--db", db().string(), "--migrations", shipped});
    ASSERT_EQ(first.exit_code, 0) << describe(first);
    ASSERT_TRUE(fs::exists(db()));
    {
        TestDb check(db(), true);
        EXPECT_EQ(check.count("schema_migrations"), 7);
        EXPECT_EQ(check.count("packages"), 4);
        EXPECT_EQ(check.count("package_maintainers"), 4);
        EXPECT_TRUE(check.has_object("package_summary"));
        EXPECT_TRUE(check.has_object("downloads_count_release"));
        // 0007's rebuild gave releases its ON DELETE CASCADE and kept every row.
        EXPECT_EQ(check.scalar("SELECT on_delete FROM pragma_foreign_key_list('releases') "
                               "WHERE \"table\" = 'packages'"),
                  "CASCADE");
        EXPECT_EQ(check.count("releases"), 7);
        EXPECT_TRUE(check.rows("PRAGMA foreign_key_check").empty());
    }
    EXPECT_EQ(applied_versions(),
              (std::vector<std::string>{"0001", "0002", "0003", "0004", "0005", "0006", "0007"}));

    auto status = run_raw({"db", "status", "--db", db().string(), "--migrations", shipped});
    ASSERT_EQ(status.exit_code, 0) << describe(status);
    EXPECT_CONTAINS(status.out, "7 applied, 0 pending") << status.out;
    auto version = run_raw({"db", "version", "--db", db().string()});
    EXPECT_EQ(version.out, "0007\n") << describe(version);

    const auto applied_at_before =
        TestDb(db(), true).column("SELECT applied_at FROM schema_migrations ORDER BY version");
    const auto bytes_before = read_file(db());
    auto second = run_raw({"db", "migrate", "--db", db().string(), "--migrations", shipped});
    ASSERT_EQ(second.exit_code, 0) << describe(second);
    EXPECT_CONTAINS(second.out, "nothing to do") << second.out;
    EXPECT_EQ(read_file(db()), bytes_before) << "a run with nothing to do wrote to the database";
    EXPECT_EQ(
        TestDb(db(), true).column("SELECT applied_at FROM schema_migrations ORDER BY version"),
        applied_at_before);
}

// The JSON report times the snapshot and the final quick_check on their own (what a benchmark
// or an operator needs to tell the steps' time from belay's safety work).
TEST_F(MigrateTest, JsonReportTimesTheSnapshotAndTheFinalCheck) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x); INSERT INTO a VALUES (1);"));
    auto first = belay("migrate", {"--json"});
    ASSERT_EQ(first.exit_code, 0) << describe(first);
    auto report = first.json();
    EXPECT_TRUE(report["snapshot_ms"].is_null()) << "a new, empty database needs no snapshot";
    ASSERT_TRUE(report["final_check_ms"].is_number_integer()) << first.out;
    EXPECT_GE(report["final_check_ms"].get<int>(), 0);

    write_migration("0002_b.sql", up_only("CREATE TABLE b (x);"));
    auto second = belay("migrate", {"--json"});
    ASSERT_EQ(second.exit_code, 0) << describe(second);
    report = second.json();
    ASSERT_FALSE(report["snapshot"].is_null()) << second.out;
    ASSERT_TRUE(report["snapshot_ms"].is_number_integer()) << second.out;
    EXPECT_GE(report["snapshot_ms"].get<int>(), 0);
    EXPECT_LE(report["snapshot_ms"].get<int>(), report["steps"][0]["duration_ms"].get<int>())
        << "the snapshot is taken inside the first step";

    write_migration("0003_bad.sql", up_only("INSERT INTO no_such_table VALUES (1);"));
    auto failed = belay("migrate", {"--json", "--no-backup"});
    ASSERT_EQ(failed.exit_code, 1) << describe(failed);
    report = failed.json();
    EXPECT_TRUE(report["snapshot_ms"].is_null()) << failed.out;
    EXPECT_TRUE(report["final_check_ms"].is_null()) << "no quick_check after a failed run";
}

TEST_F(MigrateTest, StatementsAreSplitBySqliteNotBySemicolons) {
    write_migration("0001_tricky.sql", R"(-- +migrate Up
/* License header; with; semicolons; and a fake statement: DROP TABLE x; */
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT /* a; comment */ NOT NULL);
CREATE TABLE audit (note_id INTEGER, what TEXT);
INSERT INTO notes (body) VALUES ('a; b; c'), ('it''s; quoted;');
CREATE TRIGGER notes_audit AFTER INSERT ON notes
BEGIN
    INSERT INTO audit VALUES (NEW.id, 'inserted; one');
    INSERT INTO audit VALUES (NEW.id, 'inserted; two');
END;
INSERT INTO notes (body) VALUES ('after the trigger');
)");
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    TestDb check(db());
    EXPECT_EQ(check.column("SELECT body FROM notes ORDER BY id"),
              (std::vector<std::string>{"a; b; c", "it's; quoted;", "after the trigger"}));
    // The trigger ran both of its statements, so it was created whole.
    EXPECT_EQ(check.column("SELECT what FROM audit ORDER BY rowid"),
              (std::vector<std::string>{"inserted; one", "inserted; two"}));
    const auto trigger_sql =
        check.scalar("SELECT sql FROM sqlite_schema WHERE name = 'notes_audit'");
    EXPECT_CONTAINS(trigger_sql, "'inserted; two'") << trigger_sql;
    EXPECT_CONTAINS(check.scalar("SELECT sql FROM sqlite_schema WHERE name = 'notes'"),
                    "a; comment");
}

TEST_F(MigrateTest, SqlMigrateStatementBeginEndIsAccepted) {
    write_migration("0001_t.sql", R"(-- +migrate Up
CREATE TABLE t (x INTEGER);
CREATE TABLE log (x INTEGER);
-- +migrate StatementBegin
CREATE TRIGGER t_log AFTER INSERT ON t BEGIN
    INSERT INTO log VALUES (NEW.x);
END;
-- +migrate StatementEnd
INSERT INTO t VALUES (42);

-- +migrate Down
DROP TABLE t;
)");
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(TestDb(db(), true).column("SELECT x FROM log"), std::vector<std::string>{"42"});
}

TEST_F(MigrateTest, TwentyDigitVersionIsOrderedNumericallyAndStoredAsWritten) {
    write_migration("20150100000001000000_long.sql",
                    up_only("INSERT INTO log (v) VALUES ('20150100000001000000');"));
    write_migration("0002_second.sql", up_only("INSERT INTO log (v) VALUES ('0002');"));
    write_migration("9_nine.sql", up_only("INSERT INTO log (v) VALUES ('9');"));
    write_migration("0001_first.sql",
                    up_only("CREATE TABLE log (id INTEGER PRIMARY KEY, v TEXT);"));
    write_migration("10_ten.sql", up_only("INSERT INTO log (v) VALUES ('10');"));
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const std::vector<std::string> order{"0002", "9", "10", "20150100000001000000"};
    EXPECT_EQ(TestDb(db(), true).column("SELECT v FROM log ORDER BY id"), order);
    EXPECT_EQ(applied_versions(),
              (std::vector<std::string>{"0001", "0002", "9", "10", "20150100000001000000"}));
    EXPECT_EQ(belay("version").out, "20150100000001000000\n");
    auto status = belay("status", {"--json"});
    ASSERT_EQ(status.exit_code, 0) << describe(status);
    EXPECT_EQ(status.json()["current_version"], "20150100000001000000");
}

TEST_F(MigrateTest, CommentOnlyUpIsAppliedAsANoOpAndRecorded) {
    write_migration("0001_make.sql", up_only("CREATE TABLE t (x);"));
    write_migration("0002_postgres_only.sql", R"(-- +migrate Up
-- The column type change applies to PostgreSQL only; SQLite needs nothing.
/* nothing; at; all */

-- +migrate Down
)");
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
    EXPECT_EQ(TestDb(db(), true).count("t"), 0);
    auto status = belay("status", {"--json"});
    EXPECT_EQ(status.json()["migrations"][1]["status"], "applied") << status.out;
}

TEST_F(MigrateTest, ToVersionStopsAfterThatVersion) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    write_migration("0002_b.sql", up_only("CREATE TABLE b (x);"));
    write_migration("0003_c.sql", up_only("CREATE TABLE c (x);"));
    auto result = belay("migrate", {"--to", "2"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
    EXPECT_FALSE(TestDb(db(), true).has_object("c"));
    EXPECT_EQ(belay("version").out, "0002\n");

    auto unknown = belay("migrate", {"--to", "0009"});
    EXPECT_EQ(unknown.exit_code, 2) << describe(unknown);
    EXPECT_CONTAINS(unknown.err, "0009") << unknown.err;
    EXPECT_EQ(applied_versions().size(), 2U);

    auto rest = belay("migrate", {"--to", "0003"});
    ASSERT_EQ(rest.exit_code, 0) << describe(rest);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002", "0003"}));
}

TEST_F(MigrateTest, JsonReportParsesAndListsEachStep) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    write_migration("0002_b.sql", up_only("CREATE TABLE b (x);"));
    auto result = belay("migrate", {"--json"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto report = result.json();
    EXPECT_EQ(report["dry_run"], false);
    EXPECT_EQ(report["created_database"], true);
    EXPECT_EQ(report["version_before"], "0");
    EXPECT_EQ(report["version_after"], "0002");
    EXPECT_TRUE(report["error"].is_null());
    ASSERT_EQ(report["steps"].size(), 2U);
    EXPECT_EQ(report["steps"][0]["version"], "0001");
    EXPECT_EQ(report["steps"][0]["name"], "a");
    EXPECT_EQ(report["steps"][0]["result"], "applied");
    EXPECT_TRUE(report["steps"][1]["duration_ms"].is_number_integer());

    auto again = belay("migrate", {"--json"});
    ASSERT_EQ(again.exit_code, 0) << describe(again);
    EXPECT_EQ(again.json()["steps"].size(), 0U);
    EXPECT_EQ(again.json()["created_database"], false);
}

TEST_F(MigrateTest, HistoryRowsHoldWhatTheDocsPromise) {
    write_migration("0001_create_users.sql",
                    up_only("CREATE TABLE users (id INTEGER PRIMARY KEY);"));
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    TestDb check(db(), true);
    EXPECT_EQ(check.columns("schema_migrations"),
              (std::vector<std::string>{"version", "name", "checksum", "applied_at", "execution_ms",
                                        "schema_fingerprint"}));
    const auto row = check
                         .rows(
                             "SELECT version, name, checksum, applied_at, typeof(version), "
                             "typeof(execution_ms) FROM schema_migrations")
                         .at(0);
    EXPECT_EQ(row[0], "0001");
    EXPECT_EQ(row[1], "create_users");
    EXPECT_TRUE(std::regex_match(row[2], std::regex("[0-9a-f]{64}"))) << row[2];
    EXPECT_TRUE(std::regex_match(row[3], std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
        << row[3];
    EXPECT_EQ(row[4], "text");
    EXPECT_EQ(row[5], "integer");
    // belay creates nothing but its history table and belay_* tables (and their indexes).
    for (const auto& name : check.column("SELECT name FROM sqlite_schema WHERE name <> 'users'")) {
        EXPECT_TRUE(name == "schema_migrations" || name.starts_with("belay_") ||
                    name.starts_with("sqlite_autoindex_schema_migrations") ||
                    name.starts_with("sqlite_autoindex_belay_"))
            << "unexpected object " << name;
    }
}

TEST_F(MigrateTest, CustomTableKeepsHistoryThere) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    auto result = belay("migrate", {"--table", "app_history"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    TestDb check(db(), true);
    EXPECT_FALSE(check.has_object("schema_migrations"));
    EXPECT_EQ(check.column("SELECT version FROM app_history"), std::vector<std::string>{"0001"});
    auto version = belay("version", {"--table", "app_history"});
    EXPECT_EQ(version.out, "0001\n") << describe(version);
    EXPECT_EQ(belay("version").out, "0\n") << "the default table has no history";
}

TEST_F(MigrateTest, WindowsLineEndingsWork) {
    write_migration("0001_crlf.sql",
                    "-- +migrate Up\r\nCREATE TABLE t (x);\r\nINSERT INTO t VALUES ('a;\r\nb');"
                    "\r\n\r\n-- +migrate Verify\r\nSELECT count(*) = 1 FROM t;\r\n\r\n"
                    "-- +migrate Down\r\nDROP TABLE t;\r\n");
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(TestDb(db(), true).count("t"), 1) << "Down must not run";
}

TEST_F(MigrateTest, EveryValidationLevelAppliesACleanMigration) {
    for (const auto* level : {"normal", "full", "strict"}) {
        fs::remove_all(migrations());
        fs::remove(db());
        write_migration(
            "0001_a.sql",
            up_only("CREATE TABLE a (id INTEGER PRIMARY KEY, up INTEGER REFERENCES a (id));"));
        auto result = belay("migrate", {"--validate", level});
        EXPECT_EQ(result.exit_code, 0) << level << ": " << describe(result);
    }
}

TEST_F(MigrateTest, WalDatabaseIsMigratedAndStaysInWalMode) {
    {
        TestDb setup(db());
        setup.exec("PRAGMA journal_mode = WAL; CREATE TABLE pre (x); INSERT INTO pre VALUES (1);");
    }
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);", "SELECT count(*) = 1 FROM pre;"));
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_FALSE(fs::exists(dir() / "app.db-wal")) << "the -wal file outlived belay";
    TestDb check(db(), true);
    EXPECT_EQ(check.scalar("PRAGMA journal_mode"), "wal");
    EXPECT_TRUE(check.has_object("a"));
}

TEST_F(MigrateTest, NoMigrationFilesIsAUsageError) {
    fs::create_directories(migrations());
    write_file("migrations/README.md", "# notes; not a migration\n");
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "migrations") << result.err;
    EXPECT_FALSE(fs::exists(db()));
}

}  // namespace
}  // namespace belay::testing
