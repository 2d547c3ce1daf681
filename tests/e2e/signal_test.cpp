// SIGTERM and SIGINT during a slow step: the step is rolled back, no temporary files stay
// behind, and the exit code says which signal it was (143, 130).
#include <csignal>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class SignalTest : public E2eTest {
  protected:
    void write_slow_second_step() {
        write_migration("0001_base.sql", up_only("CREATE TABLE base (x);"));
        write_migration("0002_slow.sql",
                        "-- +migrate Timeout 600\n-- +migrate Up\n"
                        "CREATE TABLE half_done (x);\n" +
                            std::string(k_runaway) + "\n");
    }

    // Starts `belay db migrate <extra>` logging each statement, waits until it runs the endless
    // statement of 0002 (on line `runaway_line`: the step's earlier statements have run), then
    // sends `signal_number`.
    RunResult interrupt_slow_step(int signal_number, std::vector<std::string> extra,
                                  RunOptions options = {}, int runaway_line = 4) {
        extra.insert(extra.end(), {"--log-level", "debug"});
        auto run = start("migrate", extra, std::move(options));
        // At debug level belay logs "<file>:<line>: <statement>" just before it runs each one.
        EXPECT_TRUE(run->wait_for_stderr(
            "0002_slow.sql:" + std::to_string(runaway_line) + ": WITH RECURSIVE",
            std::chrono::seconds(60)))
            << "belay never logged that it runs 0002's endless statement";
        run->send_signal(signal_number);
        auto result = run->wait(std::chrono::seconds(60));
        EXPECT_CONTAINS(result.err, "0002_slow.sql:" + std::to_string(runaway_line) +
                                        ": interrupted by a signal in: WITH RECURSIVE");
        return result;
    }

    void expect_rolled_back_and_clean() {
        auto files = list_dir(dir());
        // Migration files, and pre-run snapshots with their sidecars, are expected.
        std::erase_if(files, [](const std::string& f) {
            return f.starts_with("migrations") || f.ends_with(".bak") || f.ends_with(".bak.json");
        });
        EXPECT_EQ(files, (std::vector<std::string>{"app.db", "app.db.belay-lock"}))
            << "a -journal, -wal or other temporary file was left behind";
        TestDb check(db(), true);
        EXPECT_FALSE(check.has_object("half_done")) << "the interrupted step was not rolled back";
        EXPECT_TRUE(check.has_object("base"));
        EXPECT_EQ(check.column("SELECT version FROM schema_migrations"),
                  std::vector<std::string>{"0001"});
    }
};

TEST_F(SignalTest, SigtermDuringASlowStepExits143AndRollsBack) {
    write_slow_second_step();
    auto result = interrupt_slow_step(SIGTERM, {});
    EXPECT_EQ(result.exit_code, 143) << describe(result);
    EXPECT_LT(result.seconds, 30.0);
    expect_rolled_back_and_clean();
    auto status = belay("status", {"--json"});
    EXPECT_EQ(status.json()["migrations"][1]["status"], "pending") << status.out;

    // The next run starts the step afresh.
    write_migration("0002_slow.sql", up_only("CREATE TABLE half_done (x);"));
    auto again = belay("migrate");
    EXPECT_EQ(again.exit_code, 0) << describe(again);
}

TEST_F(SignalTest, SigintDuringASlowStepExits130AndRollsBack) {
    write_slow_second_step();
    auto result = interrupt_slow_step(SIGINT, {});
    EXPECT_EQ(result.exit_code, 130) << describe(result);
    expect_rolled_back_and_clean();
}

// On a database with data the run takes a snapshot first; the interrupted run's message names
// it with the command that undoes the whole run, and that command does.
TEST_F(SignalTest, InterruptedRunOnAnExistingDatabasePrintsTheRestoreCommand) {
    TestDb(db()).exec("CREATE TABLE kept (x); INSERT INTO kept VALUES ('before the run');");
    const auto before = database_contents(db());
    write_slow_second_step();
    for (const int signal_number : {SIGINT, SIGTERM}) {
        auto result = interrupt_slow_step(signal_number, {});
        EXPECT_EQ(result.exit_code, signal_number == SIGINT ? 130 : 143) << describe(result);
        const auto snapshots = names_ending_with(dir(), ".bak");
        ASSERT_FALSE(snapshots.empty());
        const auto command = "belay db restore --db " + db().string() + " ";
        const auto at = result.err.find(command);
        ASSERT_NE(at, std::string::npos) << result.err;
        const auto line = result.err.substr(at, result.err.find('\n', at) - at);
        EXPECT_CONTAINS(line, snapshots.back()) << line;
        EXPECT_CONTAINS(result.err, "the database is now at version 0001")
            << "the version it stopped at";
        expect_rolled_back_and_clean();

        // The printed command, as a user would paste it (plus --yes: no terminal here).
        auto words = std::vector<std::string>{
            "db", "restore", "--db", db().string(), (dir() / snapshots.back()).string(), "--yes"};
        auto restored = run_raw(words);
        ASSERT_EQ(restored.exit_code, 0) << describe(restored);
        EXPECT_EQ(database_contents(db()), before) << "the restore did not undo the run";
        for (const auto& name : list_dir(dir())) {
            if (name.ends_with(".bak") || name.ends_with(".bak.json")) {
                fs::remove(dir() / name);
            }
        }
    }
}

TEST_F(SignalTest, SigtermDuringADryRunRemovesTheScratchCopy) {
    write_slow_second_step();
    ASSERT_EQ(belay("migrate", {"--to", "0001"}).exit_code, 0);
    const auto bytes = read_file(db());
    const auto tmp = dir() / "tmp";
    fs::create_directories(tmp);
    auto result = interrupt_slow_step(SIGTERM, {"--dry-run"}, with_env({{"TMPDIR", tmp.string()}}));
    EXPECT_EQ(result.exit_code, 143) << describe(result);
    EXPECT_TRUE(fs::is_empty(tmp)) << "the dry run's scratch copy was left in TMPDIR";
    EXPECT_EQ(read_file(db()), bytes);
}

TEST_F(SignalTest, SigtermWhileWaitingForTheRunLockExits143) {
    write_slow_second_step();
    auto holder = start("migrate", {"--log-level", "info"});
    ASSERT_TRUE(holder->wait_for_stderr("applying 0002", std::chrono::seconds(60)));
    auto waiter = start("migrate", {"--lock-timeout", "600"});
    // belay opens the run lock's file once its signal handlers are in place, and keeps it open
    // while it waits for the lock.
    const auto lock = dir() / "app.db.belay-lock";
    ASSERT_TRUE(
        waiter->wait_until([&] { return waiter->has_open(lock); }, std::chrono::seconds(60)))
        << "the second run never opened the run lock";
    waiter->send_signal(SIGTERM);
    const auto waited = waiter->wait(std::chrono::seconds(60));
    EXPECT_EQ(waited.exit_code, 143) << describe(waited);
    EXPECT_CONTAINS(waited.err, "interrupted while waiting for the run lock");
    EXPECT_LT(waited.seconds, 30.0) << "the wait for the lock (600 s) was not cut short";
    holder->send_signal(SIGTERM);
    const auto held = holder->wait(std::chrono::seconds(60));
    EXPECT_EQ(held.exit_code, 143) << describe(held);
    expect_rolled_back_and_clean();
}

TEST_F(SignalTest, SigtermWhileWaitingForAWriteLockExits143) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    TestDb holder(db());
    holder.exec("CREATE TABLE existing (x); BEGIN IMMEDIATE; INSERT INTO existing VALUES (1);");
    auto run = start("migrate", {"--lock-timeout", "600", "--log-level", "info"});
    // belay logs "applying" just before it asks for the write lock.
    ASSERT_TRUE(run->wait_for_stderr("applying 0001_a", std::chrono::seconds(60)))
        << "belay never logged that it started 0001";
    run->send_signal(SIGTERM);
    const auto result = run->wait(std::chrono::seconds(60));
    EXPECT_EQ(result.exit_code, 143) << describe(result);
    EXPECT_CONTAINS(result.err, "interrupted by a signal while waiting for the write lock");
    EXPECT_LT(result.seconds, 30.0) << "the wait for the lock (600 s) was not cut short";
    holder.exec("ROLLBACK;");
    EXPECT_FALSE(holder.has_object("a"));
}

TEST_F(SignalTest, InterruptedNoTransactionStepStaysDirty) {
    write_migration("0001_base.sql", up_only("CREATE TABLE base (x);"));
    write_migration("0002_slow.sql",
                    "-- +migrate NoTransaction\n-- +migrate Timeout 600\n"
                    "-- +migrate Up\nCREATE TABLE half_done (x);\n" +
                        std::string(k_runaway) + "\n");
    auto result = interrupt_slow_step(SIGTERM, {}, {}, 5);
    EXPECT_EQ(result.exit_code, 143) << describe(result);
    EXPECT_TRUE(TestDb(db(), true).has_object("half_done")) << "nothing rolls it back";
    auto status = belay("status", {"--json"});
    EXPECT_EQ(status.json()["migrations"][1]["status"], "dirty") << status.out;
    auto refused = belay("migrate");
    EXPECT_EQ(refused.exit_code, 5) << describe(refused);
    EXPECT_CONTAINS(refused.err, "0002_slow") << refused.err;
}

}  // namespace
}  // namespace belay::testing
