#include "core/migration_layouts.hpp"

#include <string>

#include <gtest/gtest.h>

#include "core/migration_source.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay {
namespace {

using namespace std::string_view_literals;

TEST(DetectLayout, JudgesByNamesAndDirectivesAndRefusesAMix) {
    testing::TempDir dir;
    EXPECT_EQ(detect_layout(dir.path()), Layout::sql_migrate) << "an empty directory";
    dir.write("README.md", "-- +goose Up\n");
    dir.write("1_a.sql", "-- a comment first\n-- +goose Up\nSELECT 1;\n");
    EXPECT_EQ(detect_layout(dir.path()), Layout::goose);
    dir.write("2_b.sql", "-- migrate:up\nSELECT 1;\n");
    auto mixed = detect_layout(dir.path());
    ASSERT_FALSE(mixed.has_value());
    EXPECT_CONTAINS(mixed.error().message, "dbmate (") << mixed.error().message;

    testing::TempDir pairs;
    pairs.write("1_a.up.sql", "SELECT 1;");
    EXPECT_EQ(detect_layout(pairs.path()), Layout::golang_migrate);
}

TEST(LoadPairedFiles, ReportsADownWithoutUpAndTwoUpsOfOneVersion) {
    testing::TempDir dir;
    dir.write("1_a.down.sql", "SELECT 1;");
    dir.write("2_b.up.sql", "SELECT 1;");
    dir.write("2_c.up.sql", "SELECT 1;");
    auto loaded = load_migrations(dir.path());
    ASSERT_FALSE(loaded.has_value());
    const auto& message = loaded.error().message;
    EXPECT_CONTAINS(message, "1_a.down.sql: a down file without an up file") << message;
    EXPECT_CONTAINS(message, "are both the up file of version 2") << message;
}

// Regression (found by tests/fuzz): the paired layouts refuse a NUL byte as parse_migration does.
TEST(LoadPairedFiles, NulByteIsRefusedNamingTheFileAndLine) {
    testing::TempDir dir;
    dir.write("1_a.up.sql", "SELECT 1;");
    dir.write("1_a.down.sql", "SELECT 1;\nSELECT 2;\0"sv);
    dir.write("2018-04-27-155151_users/up.sql", "\0"sv);
    auto loaded = load_paired_files(dir.path(), Layout::golang_migrate);
    ASSERT_FALSE(loaded.has_value());
    EXPECT_CONTAINS(loaded.error().message, "1_a.down.sql:2: a NUL byte") << loaded.error().message;
    auto diesel = load_diesel_folders(dir.path());
    ASSERT_FALSE(diesel.has_value());
    EXPECT_CONTAINS(diesel.error().message, "up.sql:1: a NUL byte") << diesel.error().message;
}

TEST(LoadDieselFolders, VersionIsTheFourteenDigitsWhateverTheSeparators) {
    testing::TempDir dir;
    dir.write("2018-04-27-155151_users/up.sql", "CREATE TABLE users (id);");
    dir.write("20180428155151_posts/up.sql", "CREATE TABLE posts (id);");
    dir.write("20180428155151_posts/down.sql", "DROP TABLE posts;");
    auto loaded = load_migrations(dir.path());
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    ASSERT_EQ(loaded->size(), 2u);
    EXPECT_EQ((*loaded)[0].version.text(), "20180427155151");
    EXPECT_EQ((*loaded)[0].name, "users");
    EXPECT_FALSE((*loaded)[0].down.present);
    EXPECT_TRUE((*loaded)[1].down.present);
    EXPECT_EQ((*loaded)[1].file_of((*loaded)[1].down).filename(), "down.sql");
}

}  // namespace
}  // namespace belay
