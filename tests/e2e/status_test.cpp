// `belay db status` and `belay db version`: read-only views that create nothing.
#include <sqlite3.h>

#include <fmt/format.h>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class StatusTest : public E2eTest {
  protected:
    void write_three() {
        write_migration("0001_create_users.sql", up_only("CREATE TABLE users (id INTEGER);"));
        write_migration("0002_add_email.sql", up_only("ALTER TABLE users ADD COLUMN email TEXT;"));
        write_migration("0003_index_email.sql",
                        up_only("CREATE INDEX users_email ON users (email);"));
    }
};

TEST_F(StatusTest, TextShowsEveryMigrationWithItsStatus) {
    write_three();
    ASSERT_EQ(belay("migrate", {"--to", "0002"}).exit_code, 0);
    auto result = belay("status");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out, db().string()) << result.out;
    EXPECT_CONTAINS(result.out, "0002");
    for (const auto* header : {"VERSION", "NAME", "STATUS", "APPLIED AT", "DURATION"}) {
        EXPECT_CONTAINS(result.out, header) << header << "\n" << result.out;
    }
    // One line per migration, each with its own status.
    auto line_of = [&](const std::string& name) {
        const auto at = result.out.find(name);
        EXPECT_NE(at, std::string::npos) << name << "\n" << result.out;
        const auto end = result.out.find('\n', at);
        return result.out.substr(at, end - at);
    };
    EXPECT_CONTAINS(line_of("create_users"), "applied");
    EXPECT_CONTAINS(line_of("add_email"), "applied");
    EXPECT_CONTAINS(line_of("index_email"), "pending");
    EXPECT_CONTAINS(result.out, "2 applied, 1 pending") << result.out;
}

TEST_F(StatusTest, JsonParsesAndHoldsTheFacts) {
    write_three();
    ASSERT_EQ(belay("migrate", {"--to", "0002"}).exit_code, 0);
    auto result = belay("status", {"--json"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto status = result.json();
    EXPECT_EQ(status["database"], db().string());
    EXPECT_EQ(status["exists"], true);
    EXPECT_EQ(status["size_bytes"].get<std::uintmax_t>(), fs::file_size(db()));
    EXPECT_EQ(status["current_version"], "0002");
    EXPECT_EQ(status["pending"], 1);
    EXPECT_EQ(status["needs_attention"], true);
    const auto& migrations = status["migrations"];
    ASSERT_EQ(migrations.size(), 3U);
    EXPECT_EQ(migrations[0]["version"], "0001");
    EXPECT_EQ(migrations[0]["name"], "create_users");
    EXPECT_EQ(migrations[0]["status"], "applied");
    EXPECT_TRUE(migrations[0]["applied_at"].is_string());
    EXPECT_TRUE(migrations[0]["execution_ms"].is_number_integer());
    EXPECT_EQ(migrations[2]["status"], "pending");
    EXPECT_TRUE(migrations[2]["applied_at"].is_null());
}

TEST_F(StatusTest, ExitCodeIsSixWithPendingWorkAndZeroWhenUpToDate) {
    write_three();
    auto before = belay("status", {"--exit-code"});
    EXPECT_EQ(before.exit_code, 6) << describe(before);
    EXPECT_FALSE(fs::exists(db())) << "status --exit-code created the database";
    ASSERT_EQ(belay("migrate").exit_code, 0);
    auto after = belay("status", {"--exit-code"});
    EXPECT_EQ(after.exit_code, 0) << describe(after);
    EXPECT_EQ(belay("status").exit_code, 0) << "without --exit-code pending work is not an error";
    write_migration("0004_more.sql", up_only("CREATE TABLE more (x);"));
    EXPECT_EQ(belay("status", {"--exit-code"}).exit_code, 6);
    EXPECT_EQ(belay("status").exit_code, 0);
}

TEST_F(StatusTest, StatusAndVersionOnAMissingDatabaseCreateNothing) {
    write_three();
    const auto files_before = list_dir(dir());
    auto status = belay("status");
    EXPECT_EQ(status.exit_code, 0) << describe(status);
    EXPECT_CONTAINS(status.out, "pending") << status.out;
    auto json = belay("status", {"--json"});
    ASSERT_EQ(json.exit_code, 0) << describe(json);
    EXPECT_EQ(json.json()["exists"], false);
    EXPECT_EQ(json.json()["pending"], 3);
    EXPECT_EQ(json.json()["current_version"], "0");
    auto version = belay("version");
    EXPECT_EQ(version.exit_code, 0) << describe(version);
    EXPECT_EQ(version.out, "0\n");
    EXPECT_EQ(list_dir(dir()), files_before) << "a read-only command created a file";
}

TEST_F(StatusTest, StatusAndVersionDoNotWriteToAnExistingDatabase) {
    write_three();
    ASSERT_EQ(belay("migrate", {"--to", "0001"}).exit_code, 0);
    const auto bytes = read_file(db());
    const auto files_before = list_dir(dir());
    EXPECT_EQ(belay("status").exit_code, 0);
    EXPECT_EQ(belay("status", {"--json", "--exit-code"}).exit_code, 6);
    EXPECT_EQ(belay("version").out, "0001\n");
    EXPECT_EQ(read_file(db()), bytes);
    EXPECT_EQ(list_dir(dir()), files_before);
}

TEST_F(StatusTest, ReadOnlyCommandsLeaveAWalDatabaseWithCommittedFramesAsFound) {
    write_three();
    ASSERT_EQ(belay("migrate", {"--to", "0001", "--no-backup"}).exit_code, 0);
    {
        // The writer's changes live only in app.db-wal: its last connection did not checkpoint.
        TestDb live(db());
        live.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;");
        ASSERT_EQ(sqlite3_db_config(live.handle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr),
                  SQLITE_OK);
        live.exec("INSERT INTO users VALUES (1);");
    }
    ASSERT_TRUE(fs::exists(dir() / "app.db-wal"));
    const auto main_hash = sha256_of(db());
    const auto wal_hash = sha256_of(dir() / "app.db-wal");
    EXPECT_EQ(belay("status").exit_code, 0);
    EXPECT_EQ(belay("version").out, "0001\n");
    EXPECT_EQ(belay("check").exit_code, 0);
    EXPECT_EQ(belay("migrate", {"--dry-run"}).exit_code, 0);
    EXPECT_EQ(sha256_of(db()), main_hash) << "the -wal was checkpointed into the main file";
    ASSERT_TRUE(fs::exists(dir() / "app.db-wal")) << "the -wal was deleted";
    EXPECT_EQ(sha256_of(dir() / "app.db-wal"), wal_hash);
}

TEST_F(StatusTest, StatusOnADatabaseBelayNeverMigratedCreatesNoTable) {
    write_three();
    {
        TestDb setup(db());
        setup.exec("CREATE TABLE existing (x);");
    }
    const auto bytes = read_file(db());
    auto result = belay("status", {"--json"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(result.json()["pending"], 3);
    EXPECT_EQ(read_file(db()), bytes);
    EXPECT_EQ(TestDb(db(), true).tables(), std::vector<std::string>{"existing"});
}

TEST_F(StatusTest, OutOfOrderPendingIsFlagged) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    write_migration("0003_c.sql", up_only("CREATE TABLE c (x);"));
    ASSERT_EQ(belay("migrate").exit_code, 0);
    write_migration("0002_b.sql", up_only("CREATE TABLE b (x);"));
    auto text = belay("status", {"--exit-code"});
    EXPECT_EQ(text.exit_code, 6) << describe(text);
    EXPECT_CONTAINS(text.out, "out of order") << text.out;
    const auto json = belay("status", {"--json"}).json();
    EXPECT_EQ(json["migrations"][1]["version"], "0002");
    EXPECT_EQ(json["migrations"][1]["out_of_order"], true);
    EXPECT_EQ(json["migrations"][2]["out_of_order"], false);
}

// The table exactly, column widths and all: applied (times pinned in the history), failed
// with its last attempt, pending out of order, a name wider in bytes than on screen.
TEST_F(StatusTest, TextTableLayoutIsExact) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    write_migration("0003_c.sql", up_only("CREATE TABLE c (x);"));
    ASSERT_EQ(belay("migrate").exit_code, 0);
    write_migration("0004_boom.sql", up_only("INSERT INTO nowhere VALUES (1);"));
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 1);
    write_migration("0002_b.sql", up_only("CREATE TABLE b (x);"));
    write_migration("20260101000000_caf\xC3\xA9_cr\xC3\xA8me.sql", up_only("SELECT 1;"));
    {
        TestDb history(db());
        history.exec(
            "UPDATE schema_migrations SET applied_at = printf('2026-01-%02dT10:00:00Z', version), "
            "execution_ms = 7 * version;"
            "UPDATE belay_failures SET failed_at = '2026-01-05T10:00:00Z';");
    }
    const auto result = belay("status");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const std::string failure_line = TestDb(db(), true)
                                         .scalar(
                                             "SELECT substr(error, 1, instr(error || char(10), "
                                             "char(10)) - 1) FROM belay_failures");
    const std::string expected =
        "Version:  0003\n"
        "\n"
        "VERSION         NAME          STATUS                  APPLIED AT            DURATION\n"
        "0001            a             applied                 2026-01-01T10:00:00Z  7 ms\n"
        "0002            b             pending (out of order)  -                     -\n"
        "0003            c             applied                 2026-01-03T10:00:00Z  21 ms\n"
        "0004            boom          failed                  -                     -\n"
        "                last attempt 2026-01-05T10:00:00Z failed: " +
        failure_line +
        "\n"
        // fmt pads by what the screen shows, the width is counted in bytes: 4 spaces, not 2
        "20260101000000  caf\xC3\xA9_cr\xC3\xA8me    pending                 -                     "
        "-\n"
        "\n"
        "2 applied, 3 pending, needs attention (see STATUS)\n";
    const auto table = result.out.find("Version:");
    ASSERT_NE(table, std::string::npos) << result.out;
    EXPECT_EQ(result.out.substr(0, table), "Database: " + db().string() + " (" +
                                               std::to_string(fs::file_size(db()) / 1024) +
                                               ".0 KiB)\n");
    EXPECT_EQ(result.out.substr(table), expected);
}

// A table far longer than one write's worth comes out whole and in order.
TEST_F(StatusTest, LongTableIsPrintedWholeAndInOrder) {
    constexpr int k_count = 1500;  // about 90 KB of table
    for (int i = 1; i <= k_count; ++i) {
        write_migration(fmt::format("{:05}_table_number_{}.sql", i, i),
                        up_only(fmt::format("CREATE TABLE t{} (x);", i)));
    }
    const auto result = belay("status");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    std::string expected = "VERSION  NAME               STATUS    APPLIED AT            DURATION\n";
    for (int i = 1; i <= k_count; ++i) {
        expected += fmt::format("{:05}    {:<17}  pending   -                     -\n", i,
                                fmt::format("table_number_{}", i));
    }
    expected += fmt::format("\n0 applied, {} pending\n", k_count);
    const auto table = result.out.find("VERSION");
    ASSERT_NE(table, std::string::npos) << result.out;
    EXPECT_EQ(result.out.substr(table), expected);
}

TEST_F(StatusTest, EmptyDirectorySaysNoMigrations) {
    fs::create_directories(migrations());
    const auto result = belay("status");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(result.out, "Database: " + db().string() +
                              " (does not exist yet; belay db migrate creates it)\n"
                              "Version:  0\n"
                              "\n"
                              "VERSION  NAME  STATUS    APPLIED AT            DURATION\n"
                              "(no migrations)\n"
                              "\n"
                              "0 applied, 0 pending\n");
}

TEST_F(StatusTest, VersionKeepsLeadingZerosAndSupportsJson) {
    write_migration("007_bond.sql", up_only("CREATE TABLE bond (x);"));
    ASSERT_EQ(belay("migrate").exit_code, 0);
    EXPECT_EQ(belay("version").out, "007\n");
    auto json = belay("version", {"--json"});
    ASSERT_EQ(json.exit_code, 0) << describe(json);
    EXPECT_EQ(json.json()["version"], "007");
}

TEST_F(StatusTest, VersionNeedsNoMigrationsDirectory) {
    write_three();
    ASSERT_EQ(belay("migrate").exit_code, 0);
    fs::remove_all(migrations());
    auto version = run_raw({"db", "version", "--db", db().string()});
    EXPECT_EQ(version.exit_code, 0) << describe(version);
    EXPECT_EQ(version.out, "0003\n");
}

}  // namespace
}  // namespace belay::testing
