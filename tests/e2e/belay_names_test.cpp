// belay owns the names it keeps its records under: the belay_ prefix (belay_failures,
// belay_dirty, belay_schema) and no history table under belay_* or sqlite_*, whatever their
// case. An object of the user's under one of those names is named and refused, never used.
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class BelayNamesTest : public E2eTest {
  protected:
    void SetUp() override {
        write_migration("0001_a.sql", "-- +migrate Up\nCREATE TABLE t (x);\n");
    }
};

// breakit18 #2: a user table belay_schema made db check exit 1 ("no such column: type") and
// db migrate fail with a raw error. check names it as a finding and runs everything else;
// the history commands refuse (exit 5) naming it and saying to rename it; nothing changes.
TEST_F(BelayNamesTest, AUserTableNamedBelaySchemaIsAFindingAndARefusal) {
    TestDb(db()).exec(
        "CREATE TABLE belay_schema (note TEXT); INSERT INTO belay_schema "
        "VALUES ('mine'); CREATE TABLE data (a); INSERT INTO data VALUES (1);");
    const auto before = database_contents(db());
    auto check = belay("check");
    EXPECT_EQ(check.exit_code, 6) << describe(check);
    EXPECT_CONTAINS(check.out,
                    "belay_tables table belay_schema (columns note) was not made by "
                    "belay")
        << check.out;
    EXPECT_CONTAINS(check.out, "ALTER TABLE \"belay_schema\" RENAME TO") << check.out;
    auto json = belay("check", {"--json"});
    EXPECT_EQ(json.exit_code, 6) << describe(json);
    EXPECT_EQ(json.json().at("findings").at(0).at("area"), "belay_tables") << json.out;
    for (const auto& command : {"migrate", "status", "dump-schema"}) {
        auto refused = belay(command);
        EXPECT_EQ(refused.exit_code, 5) << command << "\n" << describe(refused);
        EXPECT_CONTAINS(refused.err, "table belay_schema (columns note) was not made by belay")
            << command << "\n"
            << refused.err;
        EXPECT_CONTAINS(refused.err, "RENAME TO") << refused.err;
    }
    EXPECT_EQ(database_contents(db()), before);
    for (const auto& name : list_dir(dir())) {
        EXPECT_NOT_CONTAINS(name, ".bak") << "no snapshot before a refusal: " << name;
    }
}

// A view belay_dirty passed db check and failed db migrate --dry-run with "cannot modify
// belay_dirty because it is a view"; a table belay_failures of other columns failed when a
// failure was recorded.
TEST_F(BelayNamesTest, AViewBelayDirtyOrATableBelayFailuresIsNamed) {
    for (const auto& [sql, expected] : std::vector<std::pair<std::string, std::string>>{
             {"CREATE VIEW belay_dirty AS SELECT 1 AS x;", "view belay_dirty was not made"},
             {"CREATE TABLE Belay_Failures (id INTEGER);",
              "table Belay_Failures (columns id) was not made"}}) {
        fs::remove(db());
        TestDb(db()).exec("CREATE TABLE data (a);" + sql);
        const auto before = database_contents(db());
        auto check = belay("check");
        EXPECT_EQ(check.exit_code, 6) << describe(check);
        EXPECT_CONTAINS(check.out, expected) << check.out;
        auto dry_run = belay("migrate", {"--dry-run"});
        EXPECT_EQ(dry_run.exit_code, 5) << describe(dry_run);
        EXPECT_CONTAINS(dry_run.err, expected) << dry_run.err;
        EXPECT_EQ(database_contents(db()), before);
    }
}

// breakit18 #3: --table Belay_Schema got past the belay_ check (names are case-sensitive only
// to it, not to SQLite) and a migrate then took a snapshot, failed with "no such column: type"
// and left belay's tables behind; SQLITE_master got to "object name reserved for internal use".
TEST_F(BelayNamesTest, TableNamesDifferingOnlyInCaseFromBelayOrSqliteNamesAreUsageErrors) {
    TestDb(db()).exec("CREATE TABLE data (a);");
    const auto before = database_contents(db());
    for (const auto& name :
         {"Belay_Schema", "BELAY_FAILURES", "SQLITE_master", "Sqlite_Sequence"}) {
        auto run = belay("migrate", {"--table", name});
        EXPECT_EQ(run.exit_code, 2) << name << "\n" << describe(run);
        EXPECT_CONTAINS(
            run.err, std::string("--table ") + name + ": the history table needs a name of its own")
            << run.err;
        EXPECT_EQ(database_contents(db()), before) << name;
    }
    EXPECT_EQ(list_dir(dir()),
              (std::vector<std::string>{"app.db", "migrations", "migrations/0001_a.sql"}));
}

// breakit18 #10: the refusal of a history table that is another tool's pointed at db adopt for
// tools adopt cannot read (Prisma then, Alembic now: a dead end), called pop's table "dbmate (or
// Rails)'s", and called belay's own table with a column added "golang-migrate's ... take it over
// with db adopt".
TEST_F(BelayNamesTest, ARefusedHistoryTableIsNamedAsDbCheckNamesItAndAdoptOnlyWhenItCan) {
    TestDb(db()).exec(
        "CREATE TABLE _prisma_migrations (id TEXT PRIMARY KEY NOT NULL, checksum TEXT NOT NULL, "
        "finished_at DATETIME, migration_name TEXT NOT NULL, logs TEXT, rolled_back_at DATETIME, "
        "started_at DATETIME NOT NULL DEFAULT current_timestamp, applied_steps_count INTEGER "
        "UNSIGNED NOT NULL DEFAULT 0);"
        "CREATE TABLE schema_migration (version TEXT NOT NULL);"
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);");
    auto alembic = belay("status", {"--table", "alembic_version"});
    EXPECT_EQ(alembic.exit_code, 5) << describe(alembic);
    EXPECT_CONTAINS(alembic.err, "it is Alembic's history table") << alembic.err;
    EXPECT_NOT_CONTAINS(alembic.err, "db adopt") << "adopt cannot read Alembic's\n" << alembic.err;
    EXPECT_CONTAINS(alembic.err, "--table") << alembic.err;
    auto prisma = belay("status", {"--table", "_prisma_migrations"});
    EXPECT_EQ(prisma.exit_code, 5) << describe(prisma);
    EXPECT_CONTAINS(prisma.err, "it is Prisma's history table") << prisma.err;
    EXPECT_CONTAINS(prisma.err, "belay db adopt") << "adopt reads Prisma's\n" << prisma.err;
    auto pop = belay("status", {"--table", "schema_migration"});
    EXPECT_EQ(pop.exit_code, 5) << describe(pop);
    EXPECT_CONTAINS(pop.err, "it is pop's history table") << pop.err;
    EXPECT_CONTAINS(pop.err, "belay db adopt") << pop.err;

    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    TestDb(db()).exec("ALTER TABLE schema_migrations ADD COLUMN dirty INTEGER;");
    auto extra = belay("status");
    EXPECT_EQ(extra.exit_code, 5) << describe(extra);
    EXPECT_CONTAINS(extra.err, "it has belay's history columns and others") << extra.err;
    EXPECT_NOT_CONTAINS(extra.err, "golang-migrate") << extra.err;
    EXPECT_NOT_CONTAINS(extra.err, "db adopt") << extra.err;
}

// breakit18: an FTS5 index named schema_migrations was "dbmate's history table", and db adopt
// renamed it (with its shadow tables) and recorded nothing. A virtual table is nobody's history:
// the history commands name it as one, adopt finds nothing to take, check skips the history
// without naming a tool, and the table and its rows stay as they were.
TEST_F(BelayNamesTest, AVirtualTableUnderTheHistoryNameIsNoToolsHistory) {
    TestDb(db()).exec(
        "CREATE VIRTUAL TABLE schema_migrations USING fts5(version);"
        "INSERT INTO schema_migrations (version) VALUES ('search me');");
    const auto before = sha256_of(db());
    auto status = belay("status");
    EXPECT_EQ(status.exit_code, 5) << describe(status);
    EXPECT_CONTAINS(status.err,
                    "schema_migrations is a virtual table in this database, not belay's "
                    "history table")
        << status.err;
    EXPECT_CONTAINS(status.err, "--table") << status.err;
    EXPECT_NOT_CONTAINS(status.err, "dbmate") << status.err;
    auto adopt = belay("adopt");
    EXPECT_EQ(adopt.exit_code, 2) << describe(adopt);
    EXPECT_CONTAINS(adopt.err, "no other tool's history table here") << adopt.err;
    auto check = belay("check", {"--json"});
    EXPECT_EQ(check.exit_code, 0) << describe(check);
    EXPECT_TRUE(check.json()["other_histories"].empty()) << check.out;
    EXPECT_EQ(check.json()["history_skipped"], "schema_migrations is not belay's history table")
        << check.out;
    EXPECT_EQ(sha256_of(db()), before) << "the database changed";
    EXPECT_EQ(TestDb(db(), true).column("SELECT version FROM schema_migrations"),
              std::vector<std::string>{"search me"});
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty())
        << ::testing::PrintToString(list_dir(dir()));
}

// breakit13b: every belay_* name was protected, so the belay_adopted_<table> that db adopt keeps
// "for you to drop" could not be dropped by a migration, nor a belay_* table a migration made.
TEST_F(BelayNamesTest, AMigrationMayDropTheAdoptedTableAndItsOwnBelayPrefixedTables) {
    TestDb(db()).exec("CREATE TABLE belay_adopted_goose_db_version (id INTEGER PRIMARY KEY);");
    write_migration("0002_extra.sql", up_only("CREATE TABLE belay_extra (x);"));
    write_migration("0003_drop.sql",
                    up_only("DROP TABLE belay_extra;\nDROP TABLE belay_adopted_goose_db_version;"));
    auto result = belay("migrate", {"--no-backup"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    TestDb check(db(), true);
    EXPECT_FALSE(check.has_object("belay_extra"));
    EXPECT_FALSE(check.has_object("belay_adopted_goose_db_version"));
    write_migration("0004_failures.sql", up_only("DELETE FROM belay_failures;"));
    auto refused = belay("migrate", {"--no-backup"});
    EXPECT_EQ(refused.exit_code, 1) << describe(refused);
    EXPECT_CONTAINS(refused.err, "belay's own table belay_failures") << refused.err;
}

}  // namespace
}  // namespace belay::testing
