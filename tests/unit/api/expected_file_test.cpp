// MigrateOptions::expected_file: a run given the file its database must be (a fleet's tenant, as
// selected) refuses one that its path names instead, and one emptied since, writing nothing.
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <utility>

#include "api_fixture.hpp"

namespace belay::testing {
namespace {

namespace fs = std::filesystem;

std::pair<std::uint64_t, std::uint64_t> identity_of(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

void make_database(const fs::path& path) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE seed(x)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
}

class ExpectedFileTest : public ApiTest {
  protected:
    void SetUp() override {
        m_dir.write("migrations/1_create_t.sql", "-- +migrate Up\nCREATE TABLE t(x);\n");
        make_database(db());
    }
};

TEST_F(ExpectedFileTest, TheFileSelectedIsMigrated) {
    auto options = migrate_options();
    options.create_missing = false;
    options.expected_file = identity_of(db());
    auto report = run_migrate(options);
    ASSERT_TRUE(report.has_value()) << report.error().message;
    EXPECT_TRUE(report->succeeded());
    EXPECT_EQ(report->version_after, "1");
}

TEST_F(ExpectedFileTest, AnotherFileAtThePathIsRefusedAndLeftAsItWas) {
    auto options = migrate_options();
    options.create_missing = false;
    options.expected_file = identity_of(db());
    const auto victim = m_dir / "victim.db";
    make_database(victim);
    const auto before = read_file(victim);
    fs::rename(db(), m_dir / "moved.db");
    fs::create_symlink(victim, db());
    auto report = run_migrate(options);
    ASSERT_FALSE(report.has_value());
    EXPECT_EQ(report.error().code, ErrorCode::invalid_input);
    EXPECT_NE(report.error().message.find("another file"), std::string::npos)
        << report.error().message;
    EXPECT_EQ(read_file(victim), before);
}

TEST_F(ExpectedFileTest, AFileEmptiedSinceItWasGivenIsNotMadeANewDatabase) {
    auto options = migrate_options();
    options.create_missing = false;
    options.expected_file = identity_of(db());
    fs::resize_file(db(), 0);
    auto report = run_migrate(options);
    ASSERT_FALSE(report.has_value());
    EXPECT_EQ(report.error().code, ErrorCode::invalid_input);
    EXPECT_EQ(fs::file_size(db()), 0u);
}

}  // namespace
}  // namespace belay::testing
