#include "engine/status.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/migrate.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay::engine {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_a = "-- +migrate Up\nCREATE TABLE a (id INTEGER);\n";
constexpr std::string_view k_b = "-- +migrate Up\nCREATE TABLE b (id INTEGER);\n";
constexpr std::string_view k_broken = "-- +migrate Up\nINSERT INTO nowhere VALUES (1);\n";

DatabaseOptions options_for(const testing::TempDir& dir) {
    DatabaseOptions options;
    options.database = dir / "app.db";
    options.migrations_dir = dir / "migrations";
    return options;
}

void migrate(const testing::TempDir& dir) {
    MigrateOptions options;
    options.db = options_for(dir);
    auto report = run_migrate(options);
    ASSERT_TRUE(report.has_value()) << report.error().message;
}

std::vector<std::string> statuses(const testing::TempDir& dir) {
    auto status = build_status(options_for(dir));
    if (!status) {
        ADD_FAILURE() << status.error().message;
        return {};
    }
    std::vector<std::string> result;
    for (const auto& entry : (*status)->plan.entries) {
        result.push_back(entry.version.text() + ":" + std::string(to_string(entry.status)));
    }
    return result;
}

TEST(BuildStatus, MissingDatabaseShowsEverythingPendingAndCreatesNothing) {
    testing::TempDir dir;
    dir.write("migrations/0001_a.sql", k_a);
    dir.write("migrations/0002_b.sql", k_b);
    auto status = build_status(options_for(dir));
    ASSERT_TRUE(status.has_value()) << status.error().message;
    const auto& report = **status;
    EXPECT_EQ(report.database, (dir / "app.db").string());
    EXPECT_FALSE(report.state.exists);
    EXPECT_EQ(report.plan.current_version, "0");
    EXPECT_EQ(report.plan.pending().size(), 2U);
    EXPECT_TRUE(report.needs_attention());
    EXPECT_FALSE(fs::exists(dir / "app.db"));
    EXPECT_FALSE(fs::exists(dir / "app.db.belay-lock"));
}

TEST(BuildStatus, FullyMigratedDatabaseNeedsNoAttention) {
    testing::TempDir dir;
    dir.write("migrations/0001_a.sql", k_a);
    dir.write("migrations/0002_b.sql", k_b);
    migrate(dir);
    auto status = build_status(options_for(dir));
    ASSERT_TRUE(status.has_value()) << status.error().message;
    const auto& report = **status;
    EXPECT_TRUE(report.state.exists);
    EXPECT_GT(report.state.size_bytes, 0U);
    EXPECT_EQ(report.plan.current_version, "0002");
    EXPECT_FALSE(report.needs_attention());
    ASSERT_EQ(report.plan.entries.size(), 2U);
    ASSERT_TRUE(report.plan.entries[0].applied.has_value());
    EXPECT_FALSE(report.plan.entries[0].applied->applied_at.empty());
    // The plan points into the report's own migrations, which live as long as the report.
    EXPECT_EQ(report.plan.entries[1].migration, &report.set.migrations[1]);
}

TEST(BuildStatus, ShowsPendingAndFailed) {
    testing::TempDir dir;
    dir.write("migrations/0001_a.sql", k_a);
    dir.write("migrations/0002_broken.sql", k_broken);
    dir.write("migrations/0003_b.sql", k_b);
    migrate(dir);
    EXPECT_EQ(statuses(dir),
              (std::vector<std::string>{"0001:applied", "0002:failed", "0003:pending"}));
    auto status = build_status(options_for(dir));
    ASSERT_TRUE(status.has_value());
    const auto& failed = (*status)->plan.entries[1];
    ASSERT_TRUE(failed.last_failure.has_value());
    EXPECT_CONTAINS(failed.last_failure->error, "no such table: nowhere");
    EXPECT_TRUE((*status)->needs_attention());
}

TEST(BuildStatus, ShowsModifiedAndMissing) {
    testing::TempDir dir;
    dir.write("migrations/0001_a.sql", k_a);
    const auto b = dir.write("migrations/0002_b.sql", k_b);
    migrate(dir);
    dir.write("migrations/0001_a.sql", std::string(k_a) + "-- changed\n");
    fs::remove(b);
    EXPECT_EQ(statuses(dir), (std::vector<std::string>{"0001:modified", "0002:missing"}));
}

TEST(BuildStatus, ShowsDirty) {
    testing::TempDir dir;
    dir.write("migrations/0001_a.sql", k_a);
    dir.write("migrations/0002_manual.sql",
              "-- +migrate NoTransaction\n-- +migrate Up\nINSERT INTO nowhere VALUES (1);\n");
    migrate(dir);
    EXPECT_EQ(statuses(dir), (std::vector<std::string>{"0001:applied", "0002:dirty"}));
}

TEST(BuildStatus, BadMigrationFilesAreInvalidInput) {
    testing::TempDir dir;
    // A StatementBegin that is never closed.
    dir.write("migrations/0001_a.sql",
              "-- +migrate Up\n-- +migrate StatementBegin\nCREATE TABLE a (id INTEGER);\n");
    auto status = build_status(options_for(dir));
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(status.error().message, "0001_a.sql");
    EXPECT_FALSE(fs::exists(dir / "app.db"));
}

TEST(ReadCurrentVersion, IsZeroForAMissingDatabaseAndCreatesNothing) {
    testing::TempDir dir;
    auto version = read_current_version(options_for(dir));
    ASSERT_TRUE(version.has_value()) << version.error().message;
    EXPECT_EQ(*version, "0");
    EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(ReadCurrentVersion, IsTheNewestAppliedAsWrittenWithoutNeedingTheFiles) {
    testing::TempDir dir;
    dir.write("migrations/9_a.sql", k_a);
    dir.write("migrations/00010_b.sql", k_b);
    dir.write("migrations/11_broken.sql", k_broken);
    migrate(dir);
    fs::remove_all(dir / "migrations");
    auto version = read_current_version(options_for(dir));
    ASSERT_TRUE(version.has_value()) << version.error().message;
    EXPECT_EQ(*version, "00010");
}

TEST(ReadCurrentVersion, HandlesTwentyDigitVersions) {
    testing::TempDir dir;
    dir.write("migrations/99999999999999999999_a.sql", k_a);
    dir.write("migrations/100000000000000000000_b.sql", k_b);
    migrate(dir);
    auto version = read_current_version(options_for(dir));
    ASSERT_TRUE(version.has_value()) << version.error().message;
    EXPECT_EQ(*version, "100000000000000000000");
}

}  // namespace
}  // namespace belay::engine
