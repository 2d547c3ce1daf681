// Issue 18: `db backup`, `db backups`, `db restore`, `db prune` and `db check` work on any SQLite
// database, whatever tool keeps its history there, and create none of belay's tables in it.
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

// A database as another tool leaves it: the tables it creates (with their real columns) and a
// row, beside the application's own table.
struct OtherTool {
    std::string name;   // for the test name
    std::string tool;   // how db check names it ("" for a database with no tool's history)
    std::string table;  // its history table
    std::string sql;
};

// gtest prints a parameter by its name, not its bytes.
void PrintTo(const OtherTool& value, std::ostream* out) {
    *out << value.name;
}

std::vector<OtherTool> other_tools() {
    return {
        {"dbmate", "dbmate", "schema_migrations",
         "CREATE TABLE IF NOT EXISTS \"schema_migrations\" (version varchar(128) primary key);"
         "INSERT INTO schema_migrations VALUES ('20240101000000');"},
        {"goose", "goose", "goose_db_version",
         "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER "
         "NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')));"
         "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1), (1, 1);"},
        {"golang_migrate", "golang-migrate", "schema_migrations",
         "CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool);"
         "CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);"
         "INSERT INTO schema_migrations VALUES (3, 0);"},
        {"sql_migrate", "sql-migrate", "gorp_migrations",
         "CREATE TABLE IF NOT EXISTS gorp_migrations (id varchar(255) not null primary key, "
         "applied_at datetime);"
         "INSERT INTO gorp_migrations VALUES ('1_init.sql', '2024-01-01 10:00:00');"},
        {"pop", "pop", "schema_migration",
         "CREATE TABLE IF NOT EXISTS \"schema_migration\" (\"version\" TEXT NOT NULL);"
         "CREATE UNIQUE INDEX \"schema_migration_version_idx\" ON \"schema_migration\" (version);"
         "INSERT INTO schema_migration VALUES ('20240101000000');"},
        {"diesel", "diesel", "__diesel_schema_migrations",
         "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY "
         "NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);"
         "INSERT INTO __diesel_schema_migrations (version) VALUES ('20240101000000');"},
        {"rails", "Rails", "schema_migrations",
         "CREATE TABLE \"schema_migrations\" (\"version\" varchar NOT NULL PRIMARY KEY);"
         "CREATE TABLE \"ar_internal_metadata\" (\"key\" varchar NOT NULL PRIMARY KEY, \"value\" "
         "varchar, \"created_at\" datetime(6) NOT NULL, \"updated_at\" datetime(6) NOT NULL);"
         "INSERT INTO schema_migrations VALUES ('20240101000000');"
         "INSERT INTO ar_internal_metadata VALUES ('environment', 'development', "
         "'2024-01-01 10:00:00.000000', '2024-01-01 10:00:00.000000');"},
        {"prisma", "Prisma", "_prisma_migrations",
         "CREATE TABLE \"_prisma_migrations\" (\"id\" TEXT PRIMARY KEY NOT NULL, \"checksum\" TEXT "
         "NOT NULL, \"finished_at\" DATETIME, \"migration_name\" TEXT NOT NULL, \"logs\" TEXT, "
         "\"rolled_back_at\" DATETIME, \"started_at\" DATETIME NOT NULL DEFAULT current_timestamp, "
         "\"applied_steps_count\" INTEGER UNSIGNED NOT NULL DEFAULT 0);"
         "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, "
         "applied_steps_count) VALUES ('7f1c', 'e3b0c442', 1704103200000, '20240101100000_init', "
         "1);"},
        {"drizzle", "Drizzle", "__drizzle_migrations",
         "CREATE TABLE IF NOT EXISTS \"__drizzle_migrations\" (id SERIAL PRIMARY KEY, hash text "
         "NOT NULL, created_at numeric);"
         "INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('563f0bc5', 1704103200000);"},
        {"sqlx", "sqlx", "_sqlx_migrations",
         "CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description "
         "TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success "
         "BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL);"
         "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) "
         "VALUES (20240101100000, 'init', TRUE, X'8515E9EC', 4454);"},
        {"flyway", "Flyway", "flyway_schema_history",
         "CREATE TABLE \"flyway_schema_history\" (\"installed_rank\" INT NOT NULL PRIMARY KEY, "
         "\"version\" VARCHAR(50), \"description\" VARCHAR(200) NOT NULL, \"type\" VARCHAR(20) "
         "NOT NULL, \"script\" VARCHAR(1000) NOT NULL, \"checksum\" INT, \"installed_by\" "
         "VARCHAR(100) NOT NULL, \"installed_on\" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d "
         "%H:%M:%f','now')), \"execution_time\" INT NOT NULL, \"success\" BOOLEAN NOT NULL);"
         "CREATE INDEX \"flyway_schema_history_s_idx\" ON \"flyway_schema_history\" (\"success\");"
         "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, "
         "checksum, installed_by, execution_time, success) VALUES (1, '1', 'init', 'SQL', "
         "'V1__init.sql', 12345, 'app', 3, 1);"},
        {"alembic", "Alembic", "alembic_version",
         "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT "
         "alembic_version_pkc PRIMARY KEY (version_num));"
         "INSERT INTO alembic_version VALUES ('ae1027a6acf');"},
        {"none", "", "", ""},
    };
}

class AnyDatabaseTest : public E2eTest, public ::testing::WithParamInterface<OtherTool> {
  protected:
    std::vector<std::vector<std::string>> schema() {
        return TestDb(db(), true)
            .rows("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY 1, 2");
    }
};

TEST_P(AnyDatabaseTest, BackupCommandsAndCheckWorkAndCreateNothing) {
    const auto& other = GetParam();
    TestDb(db()).exec(other.sql +
                      "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
                      "INSERT INTO notes (body) VALUES ('kept');");
    const auto schema_before = schema();
    const auto contents_before = database_contents(db());

    auto backup = belay("backup");
    ASSERT_EQ(backup.exit_code, 0) << other.name << "\n" << describe(backup);
    const fs::path backup_path = backup.out.substr(0, backup.out.find('\n'));
    ASSERT_TRUE(fs::exists(backup_path)) << backup.out;
    expect_every_backup_verified(dir(), other.name);
    EXPECT_EQ(read_json_file(backup_path.string() + ".json").at("verified"), true);

    auto listed = belay("backups", {"--json"});
    ASSERT_EQ(listed.exit_code, 0) << describe(listed);
    ASSERT_EQ(listed.json()["backups"].size(), 1u) << listed.out;
    EXPECT_EQ(listed.json()["backups"][0]["path"], backup_path.string());
    EXPECT_EQ(listed.json()["backups"][0]["intact"], true) << listed.out;

    TestDb(db()).exec("INSERT INTO notes (body) VALUES ('after the backup');");
    auto restored = belay("restore", {backup_path.string(), "--yes"});
    ASSERT_EQ(restored.exit_code, 0) << describe(restored);
    EXPECT_EQ(database_contents(db()), contents_before) << "the backup's content is back";

    auto pruned = belay("prune", {"--keep", "1"});
    ASSERT_EQ(pruned.exit_code, 0) << describe(pruned);
    EXPECT_EQ(names_ending_with(dir(), ".bak").size(), 1u)
        << "the restore's safety snapshot was the newest; the older backup is pruned";

    auto check = belay("check", {"--backups"});
    EXPECT_EQ(check.exit_code, 0) << describe(check) << check.out;
    auto json = belay("check", {"--json"});
    ASSERT_EQ(json.exit_code, 0) << describe(json) << json.out;
    if (other.tool.empty()) {
        EXPECT_NOT_CONTAINS(check.out, "history table") << check.out;
        EXPECT_TRUE(json.json()["other_histories"].empty()) << json.out;
    } else {
        EXPECT_CONTAINS(check.out, "found " + other.tool + "'s history table " + other.table)
            << check.out;
        ASSERT_EQ(json.json()["other_histories"].size(), 1u) << json.out;
        EXPECT_EQ(json.json()["other_histories"][0]["tool"], other.tool) << json.out;
        EXPECT_EQ(json.json()["other_histories"][0]["table"], other.table) << json.out;
    }
    // belay's version: none here ("0"), or unknown ("-") where schema_migrations is not belay's.
    EXPECT_EQ(json.json()["version"], other.table == "schema_migrations" ? "-" : "0") << json.out;

    EXPECT_EQ(schema(), schema_before) << "no belay_* table, no new table, nothing changed";
    EXPECT_EQ(database_contents(db()), contents_before);
}

INSTANTIATE_TEST_SUITE_P(EveryTool, AnyDatabaseTest, ::testing::ValuesIn(other_tools()),
                         [](const ::testing::TestParamInfo<OtherTool>& case_info) {
                             return case_info.param.name;
                         });

// The history commands still refuse a table of another tool under belay's history table's name,
// naming the table, db adopt and --table.
TEST_F(E2eTest, StatusStillRefusesAnotherToolsSchemaMigrations) {
    write_migration("20240101000000_a.sql",
                    "-- migrate:up\nCREATE TABLE a (x);\n-- migrate:down\n");
    for (const auto& other : other_tools()) {
        if (other.table != "schema_migrations") {
            continue;
        }
        fs::remove(db());
        TestDb(db()).exec(other.sql);
        const auto before = database_contents(db());
        auto refused = belay("status");
        EXPECT_EQ(refused.exit_code, 5) << other.name << "\n" << describe(refused);
        EXPECT_CONTAINS(refused.err, "schema_migrations exists but was not made by belay")
            << refused.err;
        EXPECT_CONTAINS(refused.err, "--table") << refused.err;
        EXPECT_CONTAINS(refused.err, "belay db adopt") << refused.err;
        EXPECT_EQ(database_contents(db()), before);
    }
}

// The real dbmate (scripts/setup installs it from npm), with its own schema_migrations: belay
// backs it up and checks it as it is, refuses to run beside it, and after `db adopt` runs
// nothing dbmate applied a second time.
TEST_F(E2eTest, RealDbmateDatabaseIsBackedUpCheckedAndAdopted) {
    write_migration(
        "20240101000000_notes.sql",
        "-- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n"
        "INSERT INTO notes (body) VALUES ('one');\n-- migrate:down\nDROP TABLE notes;\n");
    int status = -1;
    const auto out = shell_output("cd '" + dir().string() +
                                      "' && dbmate --url sqlite:app.db --migrations-dir migrations "
                                      "--no-dump-schema up 2>&1",
                                  &status);
    ASSERT_EQ(status, 0) << "dbmate (npm install -g dbmate; scripts/setup does it): " << out;
    const auto before = database_contents(db());

    auto backup = belay("backup");
    EXPECT_EQ(backup.exit_code, 0) << describe(backup);
    expect_every_backup_verified(dir(), "dbmate");
    auto check = belay("check");
    EXPECT_EQ(check.exit_code, 0) << describe(check);
    EXPECT_CONTAINS(check.out, "found dbmate's history table schema_migrations") << check.out;
    auto refused = belay("migrate");
    EXPECT_EQ(refused.exit_code, 5) << describe(refused);
    EXPECT_EQ(database_contents(db()), before) << "nothing created, nothing run";

    auto adopted = belay("adopt");
    ASSERT_EQ(adopted.exit_code, 0) << describe(adopted);
    auto migrated = belay("migrate");
    ASSERT_EQ(migrated.exit_code, 0) << describe(migrated);
    EXPECT_EQ(TestDb(db(), true).column("SELECT body FROM notes"),
              (std::vector<std::string>{"one"}))
        << "dbmate's migration did not run a second time";
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"20240101000000"}));
}

// The real Alembic (Debian's alembic package; scripts/setup installs it), with its own
// alembic_version: backed up, restored, pruned and checked as it is, and nothing created in it.
TEST_F(E2eTest, RealAlembicDatabaseIsBackedUpRestoredAndChecked) {
    int status = -1;
    const auto out = shell_output(
        "cd '" + dir().string() +
            "' && alembic init alembic && sed -i 's|^sqlalchemy.url = .*|sqlalchemy.url = "
            "sqlite:///app.db|' alembic.ini && alembic revision -m notes --rev-id ae1027a6acf && "
            "sed -i 's/^def upgrade() -> None:$/&\\n    op.execute(\"CREATE TABLE notes (id "
            "INTEGER PRIMARY KEY, body TEXT)\")/' alembic/versions/ae1027a6acf_notes.py && "
            "alembic upgrade head 2>&1",
        &status);
    ASSERT_EQ(status, 0) << "alembic (apt-get install alembic; scripts/setup does it): " << out;
    ASSERT_EQ(TestDb(db(), true).scalar("SELECT version_num FROM alembic_version"), "ae1027a6acf")
        << out;
    ASSERT_TRUE(TestDb(db(), true).has_object("notes")) << out;
    const auto schema = [&] {
        return TestDb(db(), true).rows("SELECT type, name, sql FROM sqlite_master ORDER BY 1, 2");
    };
    const auto schema_before = schema();
    const auto before = database_contents(db());

    auto backup = belay("backup");
    ASSERT_EQ(backup.exit_code, 0) << describe(backup);
    const auto backup_path = backup.out.substr(0, backup.out.find('\n'));
    expect_every_backup_verified(dir(), "alembic");
    TestDb(db()).exec("INSERT INTO notes (body) VALUES ('after the backup');");
    auto restored = belay("restore", {backup_path, "--yes"});
    ASSERT_EQ(restored.exit_code, 0) << describe(restored);
    EXPECT_EQ(database_contents(db()), before);
    EXPECT_EQ(belay("prune", {"--keep", "1"}).exit_code, 0);
    auto check = belay("check", {"--backups"});
    EXPECT_EQ(check.exit_code, 0) << describe(check);
    EXPECT_CONTAINS(check.out, "found Alembic's history table alembic_version") << check.out;
    EXPECT_EQ(schema(), schema_before) << "no belay_* table, nothing new";
}

}  // namespace
}  // namespace belay::testing
