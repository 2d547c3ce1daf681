// MigrateOptions::migration_set: a run given the migrations already read applies those, not what
// the directory holds by then (a fleet reads them once for every database).
#include <filesystem>
#include <memory>
#include <string>

#include "api_fixture.hpp"

namespace belay::testing {
namespace {

// The tables of `path` among t, edited and more, comma-separated in name order.
std::string tables_of(const std::filesystem::path& path) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db,
                                 "SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema "
                                 "WHERE name IN ('t', 'edited', 'more') ORDER BY name)",
                                 -1, &statement, nullptr),
              SQLITE_OK);
    std::string tables;
    if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0) != nullptr) {
        tables = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return tables;
}

class MigrationSetOptionTest : public ApiTest {};

TEST_F(MigrationSetOptionTest, TheSetGivenIsAppliedWhateverTheDirectoryHoldsNow) {
    m_dir.write("migrations/1_create_t.sql", "-- +migrate Up\nCREATE TABLE t(x);\n");
    auto options = migrate_options();
    auto read = load_migration_set(options.db);
    ASSERT_TRUE(read.has_value()) << read.error().message;
    options.migration_set = std::make_shared<const MigrationSet>(std::move(*read));
    m_dir.write("migrations/1_create_t.sql", "-- +migrate Up\nCREATE TABLE edited(x);\n");
    m_dir.write("migrations/2_more.sql", "-- +migrate Up\nCREATE TABLE more(x);\n");

    const auto plan = plan_run(options);
    ASSERT_TRUE(plan.has_value()) << plan.error().message;
    ASSERT_EQ(plan->steps.size(), 1u);
    auto report = run_migrate(options);
    ASSERT_TRUE(report.has_value()) << report.error().message;
    EXPECT_TRUE(report->succeeded());
    EXPECT_EQ(report->version_after, "1");
    EXPECT_EQ(tables_of(db()), "t");
}

}  // namespace
}  // namespace belay::testing
