// Refusals (exit 5) when the history and the files disagree, and files belay must not touch.
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class HistorySafetyTest : public E2eTest {
  protected:
    // Applies 0001 and 0002, then adds a pending 0003 that must never run while refused.
    void apply_two_then_add_pending() {
        write_migration("0001_a.sql", "-- first\n-- +migrate Up\nCREATE TABLE a (x);\n");
        write_migration("0002_b.sql", "-- second\n-- +migrate Up\nCREATE TABLE b (x);\n");
        auto result = belay("migrate");
        ASSERT_EQ(result.exit_code, 0) << describe(result);
        write_migration("0003_c.sql", up_only("CREATE TABLE c (x);"));
    }
    void expect_refused_and_untouched(const RunResult& result, const std::string& bytes) {
        EXPECT_EQ(result.exit_code, 5) << describe(result);
        EXPECT_EQ(read_file(db()), bytes) << "a refused run changed the database";
        EXPECT_FALSE(TestDb(db(), true).has_object("c")) << "the pending migration ran";
    }
    std::string status_of(const std::string& version) {
        const auto status = belay("status", {"--json"}).json();
        for (const auto& entry : status["migrations"]) {
            if (entry["version"] == version) {
                return entry["status"];
            }
        }
        return "(not listed)";
    }
};

TEST_F(HistorySafetyTest, ModifiedAppliedFileIsRefused) {
    apply_two_then_add_pending();
    write_migration("0002_b.sql", "-- second, edited\n-- +migrate Up\nCREATE TABLE b (x);\n");
    const auto bytes = read_file(db());
    auto result = belay("migrate");
    expect_refused_and_untouched(result, bytes);
    EXPECT_CONTAINS(result.err, "0002_b") << result.err;
    EXPECT_CONTAINS(result.err, "changed") << result.err;
    EXPECT_EQ(status_of("0002"), "modified");
    EXPECT_EQ(belay("status", {"--exit-code"}).exit_code, 6);
    EXPECT_EQ(belay("migrate", {"--dry-run"}).exit_code, 5);
}

TEST_F(HistorySafetyTest, LineEndingChangeAloneIsNotAModification) {
    apply_two_then_add_pending();
    write_migration("0002_b.sql", "-- second\r\n-- +migrate Up\r\nCREATE TABLE b (x);\r\n");
    EXPECT_EQ(status_of("0002"), "applied");
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_TRUE(TestDb(db(), true).has_object("c"));
}

TEST_F(HistorySafetyTest, MissingAppliedFileIsRefused) {
    apply_two_then_add_pending();
    fs::remove(migrations() / "0002_b.sql");
    const auto bytes = read_file(db());
    auto result = belay("migrate");
    expect_refused_and_untouched(result, bytes);
    EXPECT_CONTAINS(result.err, "0002_b") << result.err;
    EXPECT_CONTAINS(result.err, "gone") << result.err;
    EXPECT_EQ(status_of("0002"), "missing");
}

TEST_F(HistorySafetyTest, OutOfOrderPendingIsRefusedUnlessAllowed) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    write_migration("0003_c.sql", up_only("CREATE TABLE c3 (x);"));
    ASSERT_EQ(belay("migrate").exit_code, 0);
    write_migration("0002_late_merge.sql", up_only("CREATE TABLE late (x);"));
    const auto bytes = read_file(db());
    auto refused = belay("migrate");
    EXPECT_EQ(refused.exit_code, 5) << describe(refused);
    EXPECT_CONTAINS(refused.err, "0002_late_merge") << refused.err;
    EXPECT_CONTAINS(refused.err, "--allow-out-of-order") << refused.err;
    EXPECT_EQ(read_file(db()), bytes);

    auto allowed = belay("migrate", {"--allow-out-of-order"});
    EXPECT_EQ(allowed.exit_code, 0) << describe(allowed);
    EXPECT_TRUE(TestDb(db(), true).has_object("late"));
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0003", "0002"}));
    EXPECT_EQ(belay("version").out, "0003\n");
}

TEST_F(HistorySafetyTest, GolangMigrateHistoryTableIsRefusedAndLeftUntouched) {
    {
        TestDb setup(db());
        setup.exec(
            "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, "
            "dirty boolean NOT NULL);"
            "INSERT INTO schema_migrations VALUES (20240101120000, 0);"
            "CREATE TABLE users (id INTEGER);");
    }
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    const auto bytes = read_file(db());
    for (const auto* command : {"migrate", "status"}) {
        auto result = belay(command);
        EXPECT_EQ(result.exit_code, 5) << command << ": " << describe(result);
        EXPECT_CONTAINS(result.err, "golang-migrate") << result.err;
        EXPECT_CONTAINS(result.err, "schema_migrations") << result.err;
    }
    EXPECT_EQ(belay("migrate", {"--dry-run"}).exit_code, 5);
    EXPECT_EQ(belay("version").exit_code, 5);
    EXPECT_EQ(read_file(db()), bytes);
    {
        TestDb check(db(), true);
        EXPECT_EQ(check.rows("SELECT version, dirty FROM schema_migrations"),
                  (std::vector<std::vector<std::string>>{{"20240101120000", "0"}}));
        EXPECT_EQ(check.columns("schema_migrations"),
                  (std::vector<std::string>{"version", "dirty"}));
        EXPECT_EQ(check.tables(), (std::vector<std::string>{"schema_migrations", "users"}));
    }
    // The documented way out: a history table of belay's own.
    auto own = belay("migrate", {"--table", "belay_history_of_app"});
    EXPECT_EQ(own.exit_code, 2) << "belay_ names are reserved: " << describe(own);
    auto renamed = belay("migrate", {"--table", "schema_history"});
    EXPECT_EQ(renamed.exit_code, 0) << describe(renamed);
    EXPECT_EQ(TestDb(db(), true).rows("SELECT version, dirty FROM schema_migrations").size(), 1U);
}

TEST_F(HistorySafetyTest, NonSqliteFileIsRefusedAndLeftUntouched) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    const std::string text =
        "This is a spreadsheet export, not a database.\n" + std::string(5000, 'x');
    write_file("app.db", text);
    const auto files = list_dir(dir());
    for (const auto* command : {"migrate", "status", "version"}) {
        auto result = belay(command);
        EXPECT_EQ(result.exit_code, 2) << command << ": " << describe(result);
        EXPECT_CONTAINS(result.err, "not an SQLite database") << result.err;
    }
    EXPECT_EQ(belay("migrate", {"--dry-run"}).exit_code, 2);
    EXPECT_EQ(read_file(db()), text);
    EXPECT_EQ(list_dir(dir()), files) << "not even the run lock's file is made beside it";
}

TEST_F(HistorySafetyTest, FailedNoTransactionStepLeavesDirtyMarkAndBlocksRuns) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    write_migration("0002_partial.sql", R"(-- +migrate NoTransaction
-- +migrate Up
CREATE TABLE partial (x);
INSERT INTO no_such_table VALUES (1);
)");
    auto failed = belay("migrate");
    EXPECT_EQ(failed.exit_code, 1) << describe(failed);
    EXPECT_CONTAINS(failed.err, "0002_partial.sql:4") << failed.err;
    EXPECT_CONTAINS(failed.err, "dirty") << failed.err;
    EXPECT_TRUE(TestDb(db(), true).has_object("partial")) << "no transaction: nothing rolls back";
    EXPECT_EQ(status_of("0002"), "dirty");
    auto status_text = belay("status");
    EXPECT_CONTAINS(status_text.out, "dirty") << status_text.out;
    EXPECT_EQ(belay("status", {"--exit-code"}).exit_code, 6);

    // Even after the file is fixed, belay refuses until someone clears the mark.
    write_migration("0002_partial.sql",
                    "-- +migrate NoTransaction\n-- +migrate Up\n"
                    "CREATE TABLE IF NOT EXISTS partial (x);\n");
    write_migration("0003_c.sql", up_only("CREATE TABLE c (x);"));
    const auto bytes = read_file(db());
    auto refused = belay("migrate");
    EXPECT_EQ(refused.exit_code, 5) << describe(refused);
    EXPECT_CONTAINS(refused.err, "0002_partial") << refused.err;
    EXPECT_CONTAINS(refused.err, "dirty") << refused.err;
    EXPECT_EQ(read_file(db()), bytes);

    // The documented manual fix (docs/history.md#dirty), then the run goes on.
    TestDb(db()).exec(
        "DROP TABLE partial; DELETE FROM belay_dirty WHERE history_table = "
        "'schema_migrations' AND version = '0002'");
    auto resumed = belay("migrate");
    EXPECT_EQ(resumed.exit_code, 0) << describe(resumed);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002", "0003"}));
}

}  // namespace
}  // namespace belay::testing
