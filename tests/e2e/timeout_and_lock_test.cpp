// Step timeouts that really stop runaway statements, lock timeouts that really give up (exit 4),
// and concurrent runs that apply each migration exactly once.
//
// Timing assertions are deliberately loose: the machine running the tests may be slow and busy.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class TimeoutAndLockTest : public E2eTest {
  protected:
    void write_runaway(const std::string& directive) {
        write_migration("0001_base.sql", up_only("CREATE TABLE base (x);"));
        write_migration(
            "0002_runaway.sql",
            directive + "-- +migrate Up\nCREATE TABLE half_done (x);\n" + k_runaway + "\n");
    }
    // `line` is the runaway statement's line in 0002_runaway.sql.
    void expect_runaway_stopped(const RunResult& result, int line) {
        EXPECT_EQ(result.exit_code, 1) << describe(result);
        EXPECT_LT(result.seconds, 20.0) << "the step timeout did not stop the statement in time";
        EXPECT_CONTAINS(result.err, "0002_runaway.sql:" + std::to_string(line)) << result.err;
        EXPECT_CONTAINS(result.err, "timeout") << result.err;
        TestDb check(db(), true);
        EXPECT_FALSE(check.has_object("half_done")) << "the timed-out step was not rolled back";
        EXPECT_EQ(check.column("SELECT version FROM schema_migrations"),
                  std::vector<std::string>{"0001"});
        auto status = belay("status", {"--json"});
        EXPECT_EQ(status.json()["migrations"][1]["status"], "failed") << status.out;
    }
};

TEST_F(TimeoutAndLockTest, TimeoutDirectiveStopsARunawayStep) {
    write_runaway("-- +migrate Timeout 1\n");
    expect_runaway_stopped(belay("migrate"), 4);
}

TEST_F(TimeoutAndLockTest, StepTimeoutOptionStopsARunawayStep) {
    write_runaway("");
    auto result = belay("migrate", {"--step-timeout", "1"});
    expect_runaway_stopped(result, 3);
    EXPECT_CONTAINS(result.err, "(raise it with '-- +migrate Timeout <seconds>' or --step-timeout)")
        << result.err;
}

// The advice names the knob that holds: the file's own Timeout, which --step-timeout cannot raise.
TEST_F(TimeoutAndLockTest, TimeoutDirectiveWinsOverTheOption) {
    write_runaway("-- +migrate Timeout 0.5\n");
    auto result = belay("migrate", {"--step-timeout", "600"});
    expect_runaway_stopped(result, 4);
    EXPECT_CONTAINS(result.err, "(raise the file's '-- +migrate Timeout', 0.5 s now)")
        << result.err;
    EXPECT_NOT_CONTAINS(result.err, "--step-timeout") << result.err;
}

// A pair of plain SQL files reads no directive of belay's: --step-timeout is the only knob.
TEST_F(TimeoutAndLockTest, APairsTimeoutAdviceIsTheOptionAlone) {
    write_migration("0001_spin.up.sql", std::string(k_runaway) + "\n");
    auto result = belay("migrate", {"--step-timeout", "1"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "ran past its timeout") << result.err;
    EXPECT_CONTAINS(result.err, "(raise --step-timeout)") << result.err;
    EXPECT_NOT_CONTAINS(result.err, "+migrate Timeout") << result.err;
}

// Views whose expansion is costly to prepare (v15 names base0 32,768 times; about 0.7 s per
// prepare here) and `users` views over it: creating them is fast, but checking them prepares
// each one, about 40 s in all. Neither the step timeout nor SIGTERM was checked while belay
// prepared them: with a timeout of 1 s the step ran all 40 s and then exited 130 ("interrupted",
// no signal sent), unrecorded; SIGTERM waited for the end of the checks.
std::string costly_views(int users) {
    std::string sql = "CREATE TABLE base0 (a);\nCREATE VIEW v0 AS SELECT a FROM base0;\n";
    for (int i = 1; i <= 15; ++i) {
        sql += fmt::format("CREATE VIEW v{0} AS SELECT a FROM v{1} UNION ALL SELECT a FROM v{1};\n",
                           i, i - 1);
    }
    for (int j = 0; j < users; ++j) {
        sql += fmt::format("CREATE VIEW w{} AS SELECT a FROM v15;\n", j);
    }
    return sql;
}

TEST_F(TimeoutAndLockTest, StepTimeoutStopsTheChecksOfCostlyViews) {
    write_migration("0001_base.sql", up_only("CREATE TABLE base (x);"));
    write_migration("0002_views.sql", up_only(costly_views(60)));
    auto result = belay("migrate", {"--step-timeout", "1"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_LT(result.seconds, 15.0) << "the step timeout did not stop the checks";
    EXPECT_CONTAINS(result.err, "migration 0002_views failed: ") << result.err;
    EXPECT_CONTAINS(result.err,
                    "migrations/0002_views.sql: the step ran past its timeout and was "
                    "stopped while belay validated it (raise it with '-- +migrate "
                    "Timeout <seconds>' or --step-timeout)")
        << result.err;
    TestDb check(db(), true);
    EXPECT_FALSE(check.has_object("v0")) << "the timed-out step was not rolled back";
    EXPECT_EQ(check.column("SELECT version FROM schema_migrations"),
              std::vector<std::string>{"0001"});
    auto status = belay("status", {"--json"});
    EXPECT_EQ(status.json()["migrations"][1]["status"], "failed") << status.out;
}

TEST_F(TimeoutAndLockTest, SigtermStopsTheChecksOfCostlyViews) {
    {
        // Made outside belay: each step of the run checks them before and after it.
        TestDb app(db());
        app.exec(costly_views(60));
    }
    write_migration("0001_small.sql", up_only("CREATE TABLE small (x);"));
    // No snapshot: the signal is to reach the checks, which come right after "applying".
    auto run = start("migrate", {"--no-backup", "--step-timeout", "600", "--log-level", "info"});
    ASSERT_TRUE(run->wait_for_stderr("applying 0001", std::chrono::seconds(120)))
        << "belay never logged that it started 0001";
    run->send_signal(SIGTERM);
    const auto signalled = std::chrono::steady_clock::now();
    auto result = run->wait(std::chrono::seconds(300));
    const auto waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled);
    EXPECT_EQ(result.exit_code, 143) << describe(result);
    EXPECT_LT(waited.count(), 15.0) << "SIGTERM did not stop the checks";
    TestDb check(db(), true);
    EXPECT_FALSE(check.has_object("small")) << "the interrupted step was not rolled back";
    EXPECT_TRUE(check.has_object("w59"));
}

TEST_F(TimeoutAndLockTest, WriteLockHeldByAnotherConnectionGivesExitFour) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    {
        TestDb setup(db());
        setup.exec("CREATE TABLE existing (x);");
    }
    TestDb holder(db());
    holder.exec("BEGIN IMMEDIATE; INSERT INTO existing VALUES (1);");
    auto result = belay("migrate", {"--lock-timeout", "1"});
    EXPECT_EQ(result.exit_code, 4) << describe(result);
    EXPECT_LT(result.seconds, 20.0);
    EXPECT_CONTAINS(result.err, "lock") << result.err;
    // Clear means: it says why it gave up and what to do (docs/exit-codes.md: raise
    // --lock-timeout), as the run-lock message does.
    EXPECT_TRUE(result.err.find("lock-timeout") != std::string::npos ||
                result.err.find("lock timeout") != std::string::npos)
        << result.err;
    holder.exec("ROLLBACK;");
    EXPECT_FALSE(holder.has_object("a")) << "nothing may be applied while the lock is held";
    EXPECT_EQ(holder.tables(), (std::vector<std::string>{"existing"}))
        << "a busy run must not leave history tables behind either";

    auto later = belay("migrate", {"--lock-timeout", "1"});
    EXPECT_EQ(later.exit_code, 0) << describe(later);
    EXPECT_TRUE(TestDb(db(), true).has_object("a"));
}

// An exclusive lock (a writer in the middle of committing in rollback-journal mode) keeps even
// readers out: every command that opens the database gives up with exit 4 and says why and what
// to do. backup, check, status and the dry run said only "app.db: database is locked".
TEST_F(TimeoutAndLockTest, ExclusiveLockGivesExitFourWithAdviceFromEveryCommand) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    TestDb holder(db());
    holder.exec("CREATE TABLE existing (x);");
    const auto before = list_dir(dir());
    holder.exec("BEGIN EXCLUSIVE; INSERT INTO existing VALUES (1);");
    for (const auto& command : {std::vector<std::string>{"backup"},
                                {"check"},
                                {"status"},
                                {"migrate", "--dry-run"},
                                {"migrate"},
                                {"dump-schema"}}) {
        auto args = std::vector<std::string>(command.begin() + 1, command.end());
        args.insert(args.end(), {"--lock-timeout", "0.2"});
        auto result = belay(command.front(), args);
        EXPECT_EQ(result.exit_code, 4) << describe(result);
        EXPECT_CONTAINS(result.err, "app.db") << describe(result);
        EXPECT_CONTAINS(result.err, "lock timeout (200 ms)") << describe(result);
        EXPECT_CONTAINS(result.err, "raise --lock-timeout") << describe(result);
    }
    holder.exec("ROLLBACK;");
    auto after = list_dir(dir());
    std::erase(after, "app.db.belay-lock");
    EXPECT_EQ(after, before);
    EXPECT_EQ(holder.tables(), std::vector<std::string>{"existing"});
}

// The lock timeout bounds the whole wait: giving up on a busy database must not wait a second
// time (e.g. to record the failure under the same lock). The two bounds are not a window around
// the expected 5 s but the two ways it could go wrong, each far from flaky: a second wait would
// end the run no sooner than 10 s after it started, which leaves 4.5 s for belay's own work
// (well under a second); and no machine, however slow, makes a run end before its 5 s wait is
// over, so the lower bound fails only if belay gives up early.
TEST_F(TimeoutAndLockTest, BusyDatabaseIsGivenUpAfterTheLockTimeoutNotTwice) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    TestDb holder(db());
    holder.exec("CREATE TABLE existing (x); BEGIN IMMEDIATE; INSERT INTO existing VALUES (1);");
    auto result = belay("migrate", {"--lock-timeout", "5"});
    EXPECT_EQ(result.exit_code, 4) << describe(result);
    EXPECT_CONTAINS(result.err,
                    "held a write lock on the database for longer than the lock "
                    "timeout (5000 ms)");
    EXPECT_NOT_CONTAINS(result.err, "could not record the failure");
    EXPECT_GT(result.seconds, 4.0) << "gave up before the lock timeout";
    EXPECT_LT(result.seconds, 9.5) << "waited a second time after the lock timeout";
    holder.exec("ROLLBACK;");
}

TEST_F(TimeoutAndLockTest, RunLockHeldByAnotherRunGivesExitFour) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    const auto lock_path = dir() / "app.db.belay-lock";
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
    auto result = belay("migrate", {"--lock-timeout", "1"});
    ::close(fd);
    EXPECT_EQ(result.exit_code, 4) << describe(result);
    EXPECT_LT(result.seconds, 20.0);
    EXPECT_CONTAINS(result.err, "belay-lock") << result.err;
    EXPECT_FALSE(fs::exists(db()) && TestDb(db(), true).has_object("a"));

    auto later = belay("migrate");
    EXPECT_EQ(later.exit_code, 0) << describe(later);
}

// Waiting for the run lock counts against the lock timeout: the wait for the database's write
// lock that follows gets only what is left. Another run holds the run lock through 6 s of a
// 10 s lock timeout, then another connection keeps the write lock. The run gives up at the write
// lock (exit 4) about 4 s after the run lock is released; had that wait got a lock timeout of
// its own, the run would end no sooner than 10 s after the release. The bound (9 s) tells the
// two apart with 5 s to spare for belay's own work, and the run-lock wait has 4 s to spare
// before its own timeout. The 6 s hold is the scenario, not a wait for an event: it starts once
// belay is seen waiting for the run lock.
TEST_F(TimeoutAndLockTest, WaitingForTheRunLockCountsAgainstTheLockTimeout) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    TestDb holder(db());
    holder.exec("CREATE TABLE existing (x); BEGIN IMMEDIATE; INSERT INTO existing VALUES (1);");
    const auto lock_path = dir() / "app.db.belay-lock";
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
    auto run = start("migrate", {"--lock-timeout", "10"});
    const bool waiting =
        run->wait_until([&] { return run->has_open(lock_path); }, std::chrono::seconds(60));
    if (waiting) {
        std::this_thread::sleep_for(std::chrono::seconds(6));
    }
    ::close(fd);
    const auto released = std::chrono::steady_clock::now();
    ASSERT_TRUE(waiting) << "belay never opened the run lock";
    const auto result = run->wait(std::chrono::seconds(60));
    const std::chrono::duration<double> after_release = std::chrono::steady_clock::now() - released;
    EXPECT_EQ(result.exit_code, 4) << describe(result);
    EXPECT_CONTAINS(result.err,
                    "held a write lock on the database for longer than the lock "
                    "timeout (10000 ms)");
    EXPECT_LT(after_release.count(), 9.0)
        << "the write-lock wait got a lock timeout of its own after the run-lock wait\n"
        << describe(result);
    holder.exec("ROLLBACK;");
}

class ConcurrentRunsTest : public TimeoutAndLockTest {
  protected:
    // Each migration appends one row to `effects`; a migration run twice would show up as a
    // duplicate row (or as a failed CREATE TABLE).
    void write_effects(int count) {
        write_migration("0001_effects.sql",
                        up_only("CREATE TABLE effects (version TEXT NOT NULL);\n"
                                "INSERT INTO effects VALUES ('0001');"));
        for (int i = 2; i <= count; ++i) {
            char version[16];
            std::snprintf(version, sizeof version, "%04d", i);
            // A little work per step so that the runs overlap in time.
            write_migration(std::string(version) + "_step.sql",
                            up_only("CREATE TABLE t" + std::to_string(i) +
                                    " (x);\n"
                                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
                                    "FROM c WHERE x < 100000) SELECT count(*) FROM c;\n"
                                    "INSERT INTO effects VALUES ('" +
                                    version + "');"));
        }
    }
    void expect_each_applied_once(int count) {
        TestDb check(db(), true);
        EXPECT_EQ(check.count("effects"), count);
        EXPECT_EQ(check.scalar("SELECT count(DISTINCT version) FROM effects"),
                  std::to_string(count));
        EXPECT_EQ(check.count("schema_migrations"), count);
    }
};

TEST_F(ConcurrentRunsTest, TwoRunsApplyEachMigrationExactlyOnce) {
    write_effects(8);
    auto first = start("migrate", {"--lock-timeout", "60"});
    auto second = start("migrate", {"--lock-timeout", "60"});
    const auto a = first->wait();
    const auto b = second->wait();
    EXPECT_EQ(a.exit_code, 0) << describe(a);
    EXPECT_EQ(b.exit_code, 0) << describe(b);
    expect_each_applied_once(8);
}

TEST_F(ConcurrentRunsTest, FourRunsAtOnceExitZeroOrBusy) {
    write_effects(8);
    std::vector<std::unique_ptr<BackgroundRun>> runs;
    for (int i = 0; i < 4; ++i) {
        runs.push_back(start("migrate", {"--lock-timeout", "1"}));
    }
    int successes = 0;
    for (auto& run : runs) {
        const auto result = run->wait();
        EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 4) << describe(result);
        successes += result.exit_code == 0 ? 1 : 0;
    }
    EXPECT_GE(successes, 1);
    expect_each_applied_once(8);
}

TEST_F(ConcurrentRunsTest, EightRunsAtOnceOnAnExistingDatabaseLeaveOneConsistentState) {
    write_effects(1);
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    add_filler(db(), 2);  // each run's snapshot is real work
    fs::remove_all(migrations());
    write_effects(12);
    std::vector<std::unique_ptr<BackgroundRun>> runs;
    for (int i = 0; i < 8; ++i) {
        runs.push_back(start("migrate", {"--lock-timeout", "60"}));
    }
    for (auto& run : runs) {
        const auto result = run->wait(std::chrono::seconds(300));
        EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 4) << describe(result);
    }
    expect_each_applied_once(12);
    EXPECT_EQ(TestDb(db(), true).scalar("PRAGMA integrity_check"), "ok");
    auto status = belay("status", {"--exit-code"});
    EXPECT_EQ(status.exit_code, 0) << describe(status);
    for (const auto& backup : names_ending_with(dir(), ".bak")) {
        EXPECT_EQ(TestDb(dir() / backup, true).scalar("PRAGMA integrity_check"), "ok") << backup;
    }
}

}  // namespace
}  // namespace belay::testing
