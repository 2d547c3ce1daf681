// No tool's history is ignored: every history table belay knows a layout for (goose,
// golang-migrate, dbmate, sql-migrate, pop/popx, diesel, Flyway) makes the history commands refuse
// until `db adopt`, and after the adoption nothing that tool applied runs a second time.
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

// One tool: its history table as the tool creates it (recording 20240101000000 as applied),
// and its migration files for that version (already applied) and 20240102000000 (pending).
struct ToolCase {
    std::string tool;
    std::string table;
    std::string history_sql;
    std::vector<std::pair<std::string, std::string>> files;  // path under migrations/, text
};

// The first migration adds a row each time it runs: a second run would show as a second row.
constexpr const char* k_seed_up =
    "CREATE TABLE IF NOT EXISTS seed (id INTEGER PRIMARY KEY, v TEXT);\n"
    "INSERT INTO seed (v) VALUES ('one');\n";
constexpr const char* k_more_up = "CREATE TABLE more (id INTEGER PRIMARY KEY);\n";

// gtest prints a parameter by its name, not its bytes.
void PrintTo(const ToolCase& value, std::ostream* out) {
    *out << value.tool;
}

std::vector<ToolCase> tool_cases() {
    const std::string seed = k_seed_up;
    const std::string more = k_more_up;
    return {
        {"goose",
         "goose_db_version",
         "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER "
         "NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')));"
         "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1), "
         "(20240101000000, 1);",
         {{"20240101000000_seed.sql",
           "-- +goose Up\n" + seed + "-- +goose Down\nDROP TABLE seed;\n"},
          {"20240102000000_more.sql",
           "-- +goose Up\n" + more + "-- +goose Down\nDROP TABLE more;\n"}}},
        {"golang-migrate",
         "schema_migrations",
         "CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool);"
         "CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);"
         "INSERT INTO schema_migrations (version, dirty) VALUES (20240101000000, 0);",
         {{"20240101000000_seed.up.sql", seed},
          {"20240101000000_seed.down.sql", "DROP TABLE seed;\n"},
          {"20240102000000_more.up.sql", more},
          {"20240102000000_more.down.sql", "DROP TABLE more;\n"}}},
        {"dbmate",
         "schema_migrations",
         "CREATE TABLE IF NOT EXISTS \"schema_migrations\" (version varchar(128) primary key);"
         "INSERT INTO schema_migrations (version) VALUES ('20240101000000');",
         {{"20240101000000_seed.sql",
           "-- migrate:up\n" + seed + "-- migrate:down\nDROP TABLE seed;\n"},
          {"20240102000000_more.sql",
           "-- migrate:up\n" + more + "-- migrate:down\nDROP TABLE more;\n"}}},
        {"sql-migrate",
         "gorp_migrations",
         "CREATE TABLE IF NOT EXISTS gorp_migrations (id varchar(255) not null primary key, "
         "applied_at datetime);"
         "INSERT INTO gorp_migrations VALUES ('20240101000000_seed.sql', '2024-01-01 10:00:00');",
         {{"20240101000000_seed.sql",
           "-- +migrate Up\n" + seed + "-- +migrate Down\nDROP TABLE seed;\n"},
          {"20240102000000_more.sql",
           "-- +migrate Up\n" + more + "-- +migrate Down\nDROP TABLE more;\n"}}},
        {"pop",
         "schema_migration",
         // pop's SQLite table (fizz), as `soda migrate` creates it.
         "CREATE TABLE IF NOT EXISTS \"schema_migration\" (\"version\" TEXT NOT NULL);"
         "CREATE UNIQUE INDEX \"schema_migration_version_idx\" ON \"schema_migration\" (version);"
         "INSERT INTO schema_migration (version) VALUES ('20240101000000');",
         {{"20240101000000_seed.sqlite3.up.sql", seed},
          {"20240101000000_seed.sqlite3.down.sql", "DROP TABLE seed;\n"},
          {"20240102000000_more.sqlite3.up.sql", more},
          {"20240102000000_more.sqlite3.down.sql", "DROP TABLE more;\n"}}},
        {"diesel",
         "__diesel_schema_migrations",
         // diesel_migrations' SQLite table; it records the folder's version without '-'.
         "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY "
         "NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);"
         "INSERT INTO __diesel_schema_migrations (version, run_on) VALUES ('20240101000000', "
         "'2024-01-01 10:00:00');",
         {{"2024-01-01-000000_seed/up.sql", seed},
          {"2024-01-01-000000_seed/down.sql", "DROP TABLE seed;\n"},
          {"2024-01-02-000000_more/up.sql", more},
          {"2024-01-02-000000_more/down.sql", "DROP TABLE more;\n"}}},
        {"Flyway",
         "flyway_schema_history",
         // Flyway's SQLite table; the checksum is Flyway's CRC-32 of the seed's file.
         "CREATE TABLE \"flyway_schema_history\" (\"installed_rank\" INT NOT NULL PRIMARY KEY, "
         "\"version\" VARCHAR(50), \"description\" VARCHAR(200) NOT NULL, \"type\" VARCHAR(20) "
         "NOT NULL, \"script\" VARCHAR(1000) NOT NULL, \"checksum\" INT, \"installed_by\" "
         "VARCHAR(100) NOT NULL, \"installed_on\" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d "
         "%H:%M:%f','now')), \"execution_time\" INT NOT NULL, \"success\" BOOLEAN NOT NULL);"
         "INSERT INTO flyway_schema_history VALUES (1, '20240101000000', 'seed', 'SQL', "
         "'V20240101000000__seed.sql', 2005445157, 'app', '2024-01-01 10:00:00.000', 3, 1);",
         {{"V20240101000000__seed.sql", seed},
          {"U20240101000000__seed.sql", "DROP TABLE seed;\n"},
          {"V20240102000000__more.sql", more},
          {"U20240102000000__more.sql", "DROP TABLE more;\n"}}},
    };
}

class ForeignHistoryTest : public E2eTest, public ::testing::WithParamInterface<ToolCase> {
  protected:
    // The database as the tool left it: its history, and what its first migration made.
    void set_up_tool_database() {
        const auto& tool = GetParam();
        for (const auto& [path, text] : tool.files) {
            write_migration(path, text);
        }
        TestDb(db()).exec(tool.history_sql + k_seed_up);
    }
};

TEST_P(ForeignHistoryTest, HistoryCommandsRefuseUntilAdoptAndNothingRunsTwice) {
    const auto& tool = GetParam();
    set_up_tool_database();
    const auto untouched = database_contents(db());
    for (const auto& [command, extra] :
         std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"status", {}}, {"migrate", {"--no-backup"}}, {"migrate", {"--dry-run"}}}) {
        auto refused = belay(command, extra);
        EXPECT_EQ(refused.exit_code, 5)
            << tool.tool << ": db " << command << " must refuse: it would apply the seed again\n"
            << describe(refused) << refused.out;
        EXPECT_CONTAINS(refused.err, tool.table) << refused.err;
        EXPECT_CONTAINS(refused.err, tool.tool) << refused.err;
        EXPECT_CONTAINS(refused.err, "belay db adopt") << refused.err;
    }
    EXPECT_EQ(database_contents(db()), untouched) << "a refusal changes nothing";

    auto adopted = belay("adopt");
    ASSERT_EQ(adopted.exit_code, 0) << describe(adopted);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"20240101000000"}))
        << tool.tool << "'s applied version becomes belay's history row\n"
        << adopted.out;
    auto status = belay("status", {"--json"});
    ASSERT_EQ(status.exit_code, 0) << describe(status);
    EXPECT_EQ(status.json()["migrations"][0]["status"], "applied") << status.out;
    EXPECT_EQ(status.json()["migrations"][1]["status"], "pending") << status.out;

    auto migrated = belay("migrate", {"--no-backup"});
    ASSERT_EQ(migrated.exit_code, 0) << describe(migrated);
    TestDb check(db(), true);
    EXPECT_EQ(check.column("SELECT v FROM seed"), (std::vector<std::string>{"one"}))
        << "the seed " << tool.tool << " applied did not run a second time";
    EXPECT_TRUE(check.has_object("more")) << "the pending migration ran";
    EXPECT_EQ(check.column("SELECT version FROM schema_migrations ORDER BY version"),
              (std::vector<std::string>{"20240101000000", "20240102000000"}));
    EXPECT_TRUE(check.has_object("belay_adopted_" + tool.table))
        << "the tool's table is kept with its rows";
}

TEST_P(ForeignHistoryTest, BaselineRepairAndForceRefuseToo) {
    const auto& tool = GetParam();
    set_up_tool_database();
    const auto untouched = database_contents(db());
    for (const auto& [command, extra] :
         std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"baseline", {"20240101000000"}},
             {"repair", {"--yes"}},
             {"force", {"20240101000000", "--yes"}}}) {
        auto refused = belay(command, extra);
        EXPECT_EQ(refused.exit_code, 5) << tool.tool << ": db " << command << "\n"
                                        << describe(refused);
        EXPECT_CONTAINS(refused.err, "belay db adopt") << refused.err;
    }
    EXPECT_EQ(database_contents(db()), untouched);
}

INSTANTIATE_TEST_SUITE_P(EveryAdoptableTool, ForeignHistoryTest, ::testing::ValuesIn(tool_cases()),
                         [](const ::testing::TestParamInfo<ToolCase>& case_info) {
                             std::string name;
                             for (const char c : case_info.param.tool) {
                                 name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                             }
                             return name;
                         });

// diesel keeps the time it ran a migration: belay keeps it as applied_at.
TEST_F(E2eTest, AdoptFromDieselKeepsItsRunTime) {
    write_migration("2024-01-01-000000_seed/up.sql", k_seed_up);
    TestDb(db()).exec(
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, "
        "run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);"
        "INSERT INTO __diesel_schema_migrations VALUES ('20240101000000', '2024-01-01 10:00:00');");
    auto adopted = belay("adopt", {"--from", "diesel"});
    ASSERT_EQ(adopted.exit_code, 0) << describe(adopted);
    EXPECT_CONTAINS(adopted.out, "diesel applied it at 2024-01-01T10:00:00Z") << adopted.out;
    EXPECT_EQ(TestDb(db(), true).scalar("SELECT applied_at FROM schema_migrations"),
              "2024-01-01T10:00:00Z");
}

}  // namespace
}  // namespace belay::testing
