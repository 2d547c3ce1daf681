// `belay db create NAME`: the next migration file, never overwriting, no database needed.
#include <regex>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class CreateTest : public E2eTest {
  protected:
    RunResult create(const std::vector<std::string>& extra) const {
        std::vector<std::string> args{"db", "create", "--migrations", migrations().string()};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_raw(args);
    }
    std::vector<std::string> migration_files() const { return list_dir(migrations()); }
};

TEST_F(CreateTest, FirstFileGetsFourDigitsAndANormalisedName) {
    auto result = create({"Add Users-Table"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto expected = migrations() / "0001_add_users_table.sql";
    EXPECT_EQ(result.out, expected.string() + "\n");
    ASSERT_TRUE(fs::exists(expected));
    const auto text = read_file(expected);
    EXPECT_CONTAINS(text, "-- +migrate Up") << text;
    EXPECT_CONTAINS(text, "-- +migrate Down") << text;
    EXPECT_FALSE(fs::exists(db())) << "create must not touch a database";
}

TEST_F(CreateTest, SequentialVersionFollowsTheWidthOfExistingFiles) {
    write_migration("0006_a.sql", up_only("SELECT 1;"));
    write_migration("0007_b.sql", up_only("SELECT 1;"));
    auto result = create({"next one"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_TRUE(fs::exists(migrations() / "0008_next_one.sql")) << result.out;

    fs::remove_all(migrations());
    write_migration("099_x.sql", up_only("SELECT 1;"));
    ASSERT_EQ(create({"y"}).exit_code, 0);
    EXPECT_TRUE(fs::exists(migrations() / "100_y.sql"));
}

TEST_F(CreateTest, FollowsTheNumericallyHighestVersion) {
    write_migration("9_nine.sql", up_only("SELECT 1;"));
    write_migration("0010_ten.sql", up_only("SELECT 1;"));
    ASSERT_EQ(create({"eleven"}).exit_code, 0);
    EXPECT_TRUE(fs::exists(migrations() / "0011_eleven.sql"))
        << ::testing::PrintToString(migration_files());
}

TEST_F(CreateTest, TimestampGivesFourteenDigitsOfUtcTime) {
    auto result = create({"--timestamp", "Add package license"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto files = migration_files();
    ASSERT_EQ(files.size(), 1U);
    EXPECT_TRUE(std::regex_match(files[0], std::regex(R"(20\d{12}_add_package_license\.sql)")))
        << files[0];
}

TEST_F(CreateTest, NeverOverwritesOrGoesBackwards) {
    const auto future = write_migration("29991231235959_future.sql", up_only("SELECT 'keep';"));
    const auto before = read_file(future);
    auto result = create({"--timestamp", "later"});
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_EQ(migration_files(), std::vector<std::string>{"29991231235959_future.sql"});
    EXPECT_EQ(read_file(future), before);
}

TEST_F(CreateTest, CreatedFileIsAValidNoOpMigration) {
    ASSERT_EQ(create({"placeholder"}).exit_code, 0);
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"});
}

TEST_F(CreateTest, UnusableNamesAreUsageErrors) {
    auto empty = create({"--- !!! ---"});
    EXPECT_EQ(empty.exit_code, 2) << describe(empty);
    auto missing = create({});
    EXPECT_EQ(missing.exit_code, 2) << describe(missing);
    EXPECT_CONTAINS(missing.err, "name") << missing.err;
    EXPECT_TRUE(!fs::exists(migrations()) || migration_files().empty());
}

TEST_F(CreateTest, JsonPrintsThePath) {
    auto result = create({"--json", "with json"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(result.json()["path"], (migrations() / "0001_with_json.sql").string());
}

TEST_F(CreateTest, DefaultDirectoryIsMigrationsInTheCurrentDirectory) {
    auto result = run_raw({"db", "create", "first"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_TRUE(fs::exists(dir() / "migrations" / "0001_first.sql")) << result.out;
}

}  // namespace
}  // namespace belay::testing
