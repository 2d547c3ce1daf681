#include "sqlite/execution_guard.hpp"

#include <csignal>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "belay/cancellation.hpp"
#include "sqlite/database.hpp"
#include "sqlite/transaction.hpp"
#include "support/temp_dir.hpp"

namespace belay::sqlite {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Counts forever: only an interrupt ends it.
constexpr std::string_view k_runaway =
    "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c";

std::int64_t elapsed_ms(Clock::time_point since) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

class ExecutionGuardTest : public ::testing::Test {
  protected:
    void SetUp() override {
        reset_cancellation();
        auto db = Database::open(path(), OpenMode::read_write_create);
        ASSERT_TRUE(db.has_value()) << db.error().message;
        m_db.emplace(std::move(*db));
        ASSERT_TRUE(m_db->exec("CREATE TABLE t (x INTEGER)").has_value());
    }
    void TearDown() override {
        if (m_canceller.joinable()) {
            m_canceller.join();
        }
        reset_cancellation();
    }

    std::filesystem::path path() const { return m_dir / "guard.db"; }

    // Another connection that holds the write lock until the test ends.
    Database lock_holder() {
        auto other = Database::open(path(), OpenMode::read_write);
        EXPECT_TRUE(other.has_value());
        EXPECT_TRUE(other->exec("BEGIN IMMEDIATE").has_value());
        return std::move(*other);
    }

    // Requests cancellation (as the SIGTERM handler would) from another thread after `delay`.
    void cancel_after(std::chrono::milliseconds delay) {
        m_canceller = std::thread([delay] {
            std::this_thread::sleep_for(delay);
            request_cancellation(SIGTERM);
        });
    }

    testing::TempDir m_dir;
    std::optional<Database> m_db;
    std::thread m_canceller;
};

TEST_F(ExecutionGuardTest, RunawayStatementStopsNearTheDeadline) {
    ExecutionGuard guard(*m_db, 5s);
    // Measured from before the deadline is set, so that nothing but an early stop can make it
    // shorter than the 300 ms budget.
    const auto started = Clock::now();
    guard.start_step(300ms);
    auto count = m_db->query_int(k_runaway);
    const auto took = elapsed_ms(started);
    ASSERT_FALSE(count.has_value());
    EXPECT_EQ(count.error().code, ErrorCode::interrupted);
    EXPECT_EQ(guard.stop_reason(), StopReason::deadline);
    EXPECT_GE(took, 290);
    EXPECT_LT(took, 10'000);
}

TEST_F(ExecutionGuardTest, StatementsWithinTheBudgetRunAndStartStepClearsTheStopReason) {
    ExecutionGuard guard(*m_db, 5s);
    guard.start_step(100ms);
    ASSERT_FALSE(m_db->query_int(k_runaway).has_value());
    ASSERT_EQ(guard.stop_reason(), StopReason::deadline);

    guard.start_step(30s);
    EXPECT_EQ(guard.stop_reason(), StopReason::none);
    auto count = m_db->query_int(
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 100000) "
        "SELECT count(*) FROM c");
    ASSERT_TRUE(count.has_value()) << count.error().message;
    EXPECT_EQ(*count, 100000);
    EXPECT_EQ(guard.stop_reason(), StopReason::none);
}

TEST_F(ExecutionGuardTest, ClearDeadlineLetsLongStatementsRun) {
    ExecutionGuard guard(*m_db, 5s);
    guard.start_step(0ms);
    ASSERT_FALSE(m_db->query_int(k_runaway).has_value());
    ASSERT_EQ(guard.stop_reason(), StopReason::deadline);
    guard.clear_deadline();
    EXPECT_EQ(guard.stop_reason(), StopReason::none);
    auto count = m_db->query_int(
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 100000) "
        "SELECT count(*) FROM c");
    ASSERT_TRUE(count.has_value()) << count.error().message;
}

TEST_F(ExecutionGuardTest, LockHeldByAnotherConnectionGivesBusyAfterTheLockTimeout) {
    auto holder = lock_holder();
    ExecutionGuard guard(*m_db, 300ms);
    EXPECT_EQ(guard.lock_timeout(), 300ms);
    guard.clear_deadline();
    const auto started = Clock::now();
    auto tx = Transaction::begin_immediate(*m_db);
    const auto took = elapsed_ms(started);
    ASSERT_FALSE(tx.has_value());
    EXPECT_EQ(tx.error().code, ErrorCode::busy);
    EXPECT_EQ(guard.stop_reason(), StopReason::lock_timeout);
    EXPECT_GE(took, 290);
    EXPECT_LT(took, 10'000);
}

TEST_F(ExecutionGuardTest, LockWaitEndsAtTheStepDeadlineWhenThatComesFirst) {
    auto holder = lock_holder();
    ExecutionGuard guard(*m_db, 60s);
    const auto started = Clock::now();  // before the deadline is set, as above
    guard.start_step(300ms);
    auto tx = Transaction::begin_immediate(*m_db);
    const auto took = elapsed_ms(started);
    ASSERT_FALSE(tx.has_value());
    EXPECT_EQ(tx.error().code, ErrorCode::busy);
    EXPECT_EQ(guard.stop_reason(), StopReason::deadline);
    EXPECT_GE(took, 290);
    EXPECT_LT(took, 10'000);
}

TEST_F(ExecutionGuardTest, LockReleasedDuringTheWaitLetsTheTransactionStart) {
    auto holder = lock_holder();
    ExecutionGuard guard(*m_db, 10s);
    guard.clear_deadline();
    std::thread releaser([&holder] {
        std::this_thread::sleep_for(200ms);
        EXPECT_TRUE(holder.exec("ROLLBACK").has_value());
    });
    auto tx = Transaction::begin_immediate(*m_db);
    releaser.join();
    ASSERT_TRUE(tx.has_value()) << tx.error().message;
    EXPECT_EQ(guard.stop_reason(), StopReason::none);
}

TEST_F(ExecutionGuardTest, CancellationStopsARunawayStatement) {
    ExecutionGuard guard(*m_db, 5s);
    guard.clear_deadline();
    cancel_after(200ms);
    const auto started = Clock::now();
    auto count = m_db->query_int(k_runaway);
    const auto took = elapsed_ms(started);
    ASSERT_FALSE(count.has_value());
    EXPECT_EQ(count.error().code, ErrorCode::interrupted);
    EXPECT_EQ(guard.stop_reason(), StopReason::cancelled);
    EXPECT_LT(took, 10'000) << "cancellation did not stop it";
}

TEST_F(ExecutionGuardTest, CancellationEndsAWaitForALock) {
    auto holder = lock_holder();
    ExecutionGuard guard(*m_db, 60s);
    guard.clear_deadline();
    cancel_after(200ms);
    const auto started = Clock::now();
    auto tx = Transaction::begin_immediate(*m_db);
    const auto took = elapsed_ms(started);
    ASSERT_FALSE(tx.has_value());
    // A wait a signal ended is an interruption, not a lock held past its timeout.
    EXPECT_EQ(tx.error().code, ErrorCode::interrupted);
    EXPECT_EQ(guard.stop_reason(), StopReason::cancelled);
    EXPECT_LT(took, 10'000) << "cancellation did not stop it";
}

TEST_F(ExecutionGuardTest, DestroyedGuardNoLongerInterrupts) {
    {
        ExecutionGuard guard(*m_db, 5s);
        guard.start_step(0ms);
        ASSERT_FALSE(m_db->query_int(k_runaway).has_value());
        ASSERT_EQ(guard.stop_reason(), StopReason::deadline);
    }
    request_cancellation(SIGINT);
    auto count = m_db->query_int(
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 100000) "
        "SELECT count(*) FROM c");
    ASSERT_TRUE(count.has_value()) << count.error().message;
    EXPECT_EQ(*count, 100000);
}

// The connection was opened with a 5 s busy timeout. The guard replaces SQLite's busy handler
// only "for the guard's lifetime": afterwards a lock held for a moment must still be waited for,
// not reported as busy at once.
TEST_F(ExecutionGuardTest, DestroyedGuardRestoresTheConnectionsBusyTimeout) {
    { ExecutionGuard guard(*m_db, 100ms); }
    auto holder = lock_holder();
    std::thread releaser([&holder] {
        std::this_thread::sleep_for(200ms);
        EXPECT_TRUE(holder.exec("ROLLBACK").has_value());
    });
    auto write = m_db->exec("INSERT INTO t VALUES (1)");
    releaser.join();
    EXPECT_TRUE(write.has_value()) << write.error().message;
}

}  // namespace
}  // namespace belay::sqlite
