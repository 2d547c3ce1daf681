// `belay db migrate --dry-run`: a real rehearsal on a copy; the database and its files are left
// exactly as found.
#include <algorithm>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class DryRunTest : public E2eTest {
  protected:
    // 0001 applied for real; 0002 would apply, 0003 would fail, 0004 is never reached.
    void prepare_applied_then_failing() {
        write_migration("0001_base.sql",
                        up_only("CREATE TABLE base (x);\nINSERT INTO base VALUES (1);"));
        auto first = belay("migrate");
        ASSERT_EQ(first.exit_code, 0) << describe(first);
        write_migration("0002_ok.sql", up_only("CREATE TABLE ok (x);\nINSERT INTO ok VALUES (2);"));
        write_migration("0003_bad.sql",
                        "-- +migrate Up\nCREATE TABLE bad (x);\n"
                        "INSERT INTO missing_table VALUES (3);\n");
        write_migration("0004_later.sql", up_only("CREATE TABLE later (x);"));
    }
};

TEST_F(DryRunTest, LeavesTheFileByteIdenticalAndReportsTheFailingStep) {
    prepare_applied_then_failing();
    const auto bytes = read_file(db());
    const auto files = list_dir(dir());
    auto result = belay("migrate", {"--dry-run"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_EQ(read_file(db()), bytes) << "the dry run changed the database file";
    EXPECT_EQ(list_dir(dir()), files) << "the dry run left a -wal, -journal, -shm or lock file";
    EXPECT_CONTAINS(result.out, "would apply") << result.out;
    EXPECT_CONTAINS(result.out, "0002_ok") << result.out;
    EXPECT_CONTAINS(result.out, "would fail") << result.out;
    EXPECT_CONTAINS(result.err, "0003_bad.sql:3") << result.err;
    EXPECT_CONTAINS(result.err, "no such table: missing_table") << result.err;

    TestDb check(db(), true);
    EXPECT_FALSE(check.has_object("ok"));
    EXPECT_EQ(check.column("SELECT version FROM schema_migrations"),
              std::vector<std::string>{"0001"});
    EXPECT_EQ(check.count("belay_failures"), 0) << "a dry run must not record failures";
}

TEST_F(DryRunTest, JsonReportGivesEachStepsOutcome) {
    prepare_applied_then_failing();
    auto result = belay("migrate", {"--dry-run", "--json"});
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    const auto report = result.json();
    EXPECT_EQ(report["dry_run"], true);
    ASSERT_EQ(report["steps"].size(), 3U) << result.out;
    EXPECT_EQ(report["steps"][0]["version"], "0002");
    EXPECT_EQ(report["steps"][0]["result"], "would apply");
    EXPECT_EQ(report["steps"][1]["result"], "would fail");
    EXPECT_CONTAINS(report["steps"][1]["error"].get<std::string>(), "missing_table");
    EXPECT_EQ(report["steps"][2]["result"], "not run");
    EXPECT_TRUE(report["steps"][0]["duration_ms"].is_number_integer());
}

TEST_F(DryRunTest, SucceedingRehearsalExitsZeroAndChangesNothing) {
    prepare_applied_then_failing();
    fs::remove(migrations() / "0003_bad.sql");
    const auto bytes = read_file(db());
    auto result = belay("migrate", {"--dry-run"});
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out, "0004_later") << result.out;
    EXPECT_EQ(read_file(db()), bytes);
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"});
}

TEST_F(DryRunTest, RehearsalRunsValidationAndVerifyLikeTheRealRun) {
    write_migration("0001_base.sql",
                    up_only("CREATE TABLE t (x);\nCREATE VIEW v AS SELECT x FROM t;"));
    ASSERT_EQ(belay("migrate").exit_code, 0);
    write_migration("0002_breaks_view.sql", up_only("DROP TABLE t;"));
    const auto bytes = read_file(db());
    auto result = belay("migrate", {"--dry-run"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "view v") << result.err;
    EXPECT_EQ(read_file(db()), bytes);

    write_migration("0002_breaks_view.sql", up_only("CREATE TABLE u (y);", "SELECT 0;"));
    auto verify = belay("migrate", {"--dry-run"});
    EXPECT_EQ(verify.exit_code, 1) << describe(verify);
    EXPECT_CONTAINS(verify.err, "Verify") << verify.err;
}

TEST_F(DryRunTest, RehearsalHonoursTheStepTimeout) {
    write_migration("0001_runaway.sql", "-- +migrate Timeout 1\n" + up_only(k_runaway));
    auto result = belay("migrate", {"--dry-run"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_LT(result.seconds, 20.0);
    EXPECT_CONTAINS(result.err, "timeout") << result.err;
    EXPECT_FALSE(fs::exists(db()));
}

TEST_F(DryRunTest, OnANonExistentDatabaseCreatesNothing) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    write_migration("0002_b.sql", up_only("CREATE TABLE b (x);"));
    const auto tmp = dir() / "tmp";
    fs::create_directories(tmp);
    const auto files = list_dir(dir());
    auto result = belay("migrate", {"--dry-run"}, with_env({{"TMPDIR", tmp.string()}}));
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out, "would apply") << result.out;
    EXPECT_EQ(list_dir(dir()), files) << "the dry run created a file (or left its scratch copy)";
}

TEST_F(DryRunTest, OnAWalDatabaseLeavesNoNewFiles) {
    {
        TestDb setup(db());
        setup.exec("PRAGMA journal_mode = WAL; CREATE TABLE pre (x); INSERT INTO pre VALUES (1);");
    }
    ASSERT_FALSE(fs::exists(dir() / "app.db-wal")) << "closing the last connection removes it";
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    const auto bytes = read_file(db());
    const auto files = list_dir(dir());
    auto result = belay("migrate", {"--dry-run"});
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(list_dir(dir()), files);
    EXPECT_EQ(read_file(db()), bytes);
    EXPECT_EQ(TestDb(db(), true).scalar("PRAGMA journal_mode"), "wal");
}

TEST_F(DryRunTest, OnAWalDatabaseWithCommittedFramesSeesThemAndChangesNothing) {
    TestDb writer(db());
    writer.exec(
        "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;"
        "CREATE TABLE pre (x); INSERT INTO pre VALUES (1);");
    ASSERT_TRUE(fs::exists(dir() / "app.db-wal"));
    // 0001 needs the committed row that lives only in the -wal file so far.
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);", "SELECT count(*) = 1 FROM pre;"));
    const auto files = list_dir(dir());
    auto result = belay("migrate", {"--dry-run"});
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(list_dir(dir()), files);
    EXPECT_FALSE(writer.has_object("a"));
    EXPECT_EQ(writer.count("pre"), 1);
}

// A -wal file with committed frames and no connection open (left by a crashed program): the
// rehearsal must see those rows, and the data must survive. The docs allow the main file to
// change in this one case (SQLite checkpoints the -wal when the last connection closes).
TEST_F(DryRunTest, OnAWalDatabaseLeftWithCommittedFramesKeepsTheData) {
    {
        TestDb writer(dir() / "source.db");
        writer.exec(
            "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;"
            "CREATE TABLE pre (x); INSERT INTO pre VALUES (1), (2);");
        fs::copy_file(dir() / "source.db", db());
        fs::copy_file(dir() / "source.db-wal", dir() / "app.db-wal");
    }
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);", "SELECT count(*) = 2 FROM pre;"));
    const auto before = list_dir(dir());
    auto result = belay("migrate", {"--dry-run"});
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    for (const auto& file : list_dir(dir())) {
        EXPECT_NE(std::ranges::find(before, file), before.end()) << "new file " << file;
    }
    TestDb check(db(), true);
    EXPECT_EQ(check.count("pre"), 2);
    EXPECT_FALSE(check.has_object("a"));
}

TEST_F(DryRunTest, NothingPendingSaysSo) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    ASSERT_EQ(belay("migrate").exit_code, 0);
    auto result = belay("migrate", {"--dry-run"});
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out, "nothing to do") << result.out;
}

}  // namespace
}  // namespace belay::testing
