#include "engine/create_migration.hpp"

#include <time.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "engine/migration_set.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay::engine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// 2024-03-05 06:07:08.900 UTC.
const auto k_moment =
    std::chrono::sys_days{std::chrono::year{2024} / 3 / 5} + 6h + 7min + 8s + 900ms;

std::set<std::string> entries_of(const fs::path& directory) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(directory)) {
        names.insert(entry.path().filename().string());
    }
    return names;
}

// Creates `name` in `dir`/migrations and returns the new file's name ("" on failure).
std::string create(const testing::TempDir& dir, std::string name, bool timestamp = false,
                   std::chrono::system_clock::time_point now = k_moment) {
    auto path =
        create_migration(CreateOptions{dir / "migrations", std::move(name), timestamp, {}}, now);
    if (!path) {
        ADD_FAILURE() << path.error().message;
        return {};
    }
    return path->front().filename().string();
}

Error create_error(const testing::TempDir& dir, std::string name, bool timestamp = false,
                   std::chrono::system_clock::time_point now = k_moment) {
    auto path =
        create_migration(CreateOptions{dir / "migrations", std::move(name), timestamp, {}}, now);
    if (path) {
        ADD_FAILURE() << "expected create_migration to fail, it wrote " << path->front();
        return {};
    }
    return path.error();
}

TEST(NormaliseMigrationName, GivesLowerSnakeCase) {
    EXPECT_EQ(normalise_migration_name("Add Users-Table"), "add_users_table");
    EXPECT_EQ(normalise_migration_name("add_users_table"), "add_users_table");
    EXPECT_EQ(normalise_migration_name("  add   users  "), "add_users");
    EXPECT_EQ(normalise_migration_name("__add__users__"), "add_users");
    EXPECT_EQ(normalise_migration_name("add.users/table"), "add_users_table");
    EXPECT_EQ(normalise_migration_name("v2 Index ON posts(user_id)"), "v2_index_on_posts_user_id");
    EXPECT_EQ(normalise_migration_name("2024"), "2024");
    EXPECT_EQ(normalise_migration_name("Café crème"), "caf_cr_me");
    EXPECT_EQ(normalise_migration_name("AddUsersTable"), "add_users_table");
    EXPECT_EQ(normalise_migration_name("addHTTPServer2Cache"), "add_http_server2_cache");
    EXPECT_EQ(normalise_migration_name("Add UsersTable"), "add_users_table");
}

TEST(NormaliseMigrationName, IsEmptyWhenNothingUsableRemains) {
    EXPECT_EQ(normalise_migration_name(""), "");
    EXPECT_EQ(normalise_migration_name("  -- !! "), "");
    EXPECT_EQ(normalise_migration_name("日本語"), "");
}

TEST(IncrementVersion, KeepsTheWidthAndCarries) {
    EXPECT_EQ(increment_version("0001"), "0002");
    EXPECT_EQ(increment_version("0009"), "0010");
    EXPECT_EQ(increment_version("0999"), "1000");
    EXPECT_EQ(increment_version("9999"), "10000");
    EXPECT_EQ(increment_version("99"), "100");
    EXPECT_EQ(increment_version("0"), "1");
    EXPECT_EQ(increment_version("20240305060708"), "20240305060709");
}

TEST(IncrementVersion, WorksBeyondSixtyFourBits) {
    EXPECT_EQ(increment_version("18446744073709551615"), "18446744073709551616");
    EXPECT_EQ(increment_version("99999999999999999999"), "100000000000000000000");
    EXPECT_EQ(increment_version("00000000000000000000"), "00000000000000000001");
}

TEST(CreateMigration, FirstFileIsFourDigitsAndTheDirectoryIsCreated) {
    testing::TempDir dir;
    EXPECT_EQ(create(dir, "Add Users"), "0001_add_users.sql");
    EXPECT_TRUE(fs::is_directory(dir / "migrations"));
}

TEST(CreateMigration, WritesAFileWithUpAndDownThatLoads) {
    testing::TempDir dir;
    ASSERT_EQ(create(dir, "add users"), "0001_add_users.sql");
    const auto text = testing::read_file(dir / "migrations" / "0001_add_users.sql");
    EXPECT_CONTAINS(text, "-- +migrate Up\n");
    EXPECT_CONTAINS(text, "-- +migrate Down\n");
    EXPECT_LT(text.find("-- +migrate Up"), text.find("-- +migrate Down"));
    auto set = load_migration_set(dir / "migrations");
    ASSERT_TRUE(set.has_value()) << set.error().message;
    ASSERT_EQ(set->migrations.size(), 1U);
    EXPECT_TRUE(set->migrations[0].up.present);
    EXPECT_TRUE(set->migrations[0].down.present);
}

TEST(CreateMigration, SequentialVersionFollowsTheNewestFilesWidth) {
    testing::TempDir dir;
    dir.write("migrations/001_first.sql", "-- +migrate Up\n");
    EXPECT_EQ(create(dir, "second"), "002_second.sql");
    EXPECT_EQ(create(dir, "third"), "003_third.sql");
}

TEST(CreateMigration, NewestIsChosenNumericallyAndCarriesIntoAWiderNumber) {
    testing::TempDir dir;
    dir.write("migrations/9_nine.sql", "-- +migrate Up\n");
    dir.write("migrations/0010_ten.sql", "-- +migrate Up\n");
    dir.write("migrations/README.md", "notes");
    EXPECT_EQ(create(dir, "eleven"), "0011_eleven.sql");

    testing::TempDir other;
    other.write("migrations/99_last.sql", "-- +migrate Up\n");
    EXPECT_EQ(create(other, "next"), "100_next.sql");
}

TEST(CreateMigration, TwentyDigitVersionCarries) {
    testing::TempDir dir;
    dir.write("migrations/99999999999999999999_big.sql", "-- +migrate Up\n");
    EXPECT_EQ(create(dir, "bigger"), "100000000000000000000_bigger.sql");
}

TEST(CreateMigration, TimestampIsFourteenDigitsOfTheGivenTime) {
    testing::TempDir dir;
    dir.write("migrations/0001_old_style.sql", "-- +migrate Up\n");
    EXPECT_EQ(create(dir, "stamped", true), "20240305060708_stamped.sql");
}

// Regression: fmt 9 formats a system_clock time point as local time, so --timestamp wrote the
// local clock instead of UTC whenever TZ was not UTC.
TEST(CreateMigration, TimestampIsUtcWhateverTheLocalTimeZone) {
    std::optional<std::string> old_tz;
    if (const char* tz = std::getenv("TZ")) {
        old_tz = tz;
    }
    ::setenv("TZ", "EST5", 1);  // UTC-5 without daylight saving; needs no tzdata
    ::tzset();
    testing::TempDir dir;
    const auto name = create(dir, "stamped", true);
    if (old_tz) {
        ::setenv("TZ", old_tz->c_str(), 1);
    } else {
        ::unsetenv("TZ");
    }
    ::tzset();
    EXPECT_EQ(name, "20240305060708_stamped.sql");
}

TEST(CreateMigration, RefusesATimestampNotNewerThanTheNewestFile) {
    testing::TempDir dir;
    dir.write("migrations/99999999999999999999_future.sql", "-- +migrate Up\n");
    const auto error = create_error(dir, "stamped", true);
    EXPECT_EQ(error.code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(error.message, "99999999999999999999");
    EXPECT_EQ(entries_of(dir / "migrations"),
              std::set<std::string>{"99999999999999999999_future.sql"});
}

TEST(CreateMigration, NeverOverwritesEvenWithinTheSameSecond) {
    testing::TempDir dir;
    ASSERT_EQ(create(dir, "stamped", true), "20240305060708_stamped.sql");
    const auto path = dir / "migrations" / "20240305060708_stamped.sql";
    dir.write("migrations/20240305060708_stamped.sql", "-- +migrate Up\nSELECT 'mine';\n");
    const auto error = create_error(dir, "stamped", true, k_moment + 50ms);
    EXPECT_EQ(error.code, ErrorCode::invalid_input);
    EXPECT_EQ(testing::read_file(path), "-- +migrate Up\nSELECT 'mine';\n");
    EXPECT_EQ(entries_of(dir / "migrations"), std::set<std::string>{"20240305060708_stamped.sql"});
}

TEST(CreateMigration, NameWithNothingUsableIsInvalidInputAndWritesNothing) {
    testing::TempDir dir;
    const auto error = create_error(dir, "!!!");
    EXPECT_EQ(error.code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(error.message, "'!!!'");
    EXPECT_FALSE(fs::exists(dir / "migrations") && !fs::is_empty(dir / "migrations"));
}

TEST(CreateMigration, MigrationsPathThatIsAFileIsInvalidInput) {
    testing::TempDir dir;
    dir.write("migrations", "not a directory");
    const auto error = create_error(dir, "x");
    EXPECT_EQ(error.code, ErrorCode::invalid_input);
    EXPECT_EQ(testing::read_file(dir / "migrations"), "not a directory");
}

}  // namespace
}  // namespace belay::engine
