#include "sqlite/transaction.hpp"

#include <sqlite3.h>

#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "sqlite/database.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay::sqlite {
namespace {

using namespace std::chrono_literals;

class TransactionTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto db = Database::open(m_dir / "tx.db", OpenMode::read_write_create, 200ms);
        ASSERT_TRUE(db.has_value()) << db.error().message;
        m_db.emplace(std::move(*db));
        ASSERT_TRUE(m_db->exec("CREATE TABLE t (x INTEGER)").has_value());
    }

    std::int64_t rows() { return m_db->query_int("SELECT count(*) FROM t").value(); }

    // Rows as another connection sees them: only what was committed.
    std::int64_t committed_rows() {
        auto other = Database::open(m_dir / "tx.db", OpenMode::read_only);
        EXPECT_TRUE(other.has_value());
        return other ? other->query_int("SELECT count(*) FROM t").value_or(-1) : -1;
    }

    testing::TempDir m_dir;
    std::optional<Database> m_db;
};

TEST_F(TransactionTest, DestructorRollsBackWhenNotCommitted) {
    {
        auto tx = Transaction::begin_immediate(*m_db);
        ASSERT_TRUE(tx.has_value()) << tx.error().message;
        EXPECT_TRUE(m_db->in_transaction());
        ASSERT_TRUE(m_db->exec("INSERT INTO t VALUES (1), (2)").has_value());
        EXPECT_EQ(rows(), 2);
    }
    EXPECT_FALSE(m_db->in_transaction());
    EXPECT_EQ(rows(), 0);
    EXPECT_EQ(committed_rows(), 0);
}

TEST_F(TransactionTest, CommitKeepsTheRows) {
    {
        auto tx = Transaction::begin_immediate(*m_db);
        ASSERT_TRUE(tx.has_value());
        ASSERT_TRUE(m_db->exec("INSERT INTO t VALUES (1), (2), (3)").has_value());
        ASSERT_TRUE(tx->commit().has_value());
        EXPECT_FALSE(m_db->in_transaction());
        // The transaction is over: neither a second commit nor a rollback touches anything.
        auto again = tx->commit();
        ASSERT_FALSE(again.has_value());
        EXPECT_CONTAINS(again.error().message, "already over");
        EXPECT_TRUE(tx->rollback().has_value());
    }
    EXPECT_EQ(rows(), 3);
    EXPECT_EQ(committed_rows(), 3);
}

TEST_F(TransactionTest, ExplicitRollbackRemovesTheRowsAndEndsTheTransaction) {
    auto tx = Transaction::begin_immediate(*m_db);
    ASSERT_TRUE(tx.has_value());
    ASSERT_TRUE(m_db->exec("INSERT INTO t VALUES (1)").has_value());
    ASSERT_TRUE(tx->rollback().has_value());
    EXPECT_FALSE(m_db->in_transaction());
    EXPECT_EQ(rows(), 0);
    // Work done after the rollback is outside the transaction and survives its destructor.
    ASSERT_TRUE(m_db->exec("INSERT INTO t VALUES (7)").has_value());
    EXPECT_TRUE(tx->rollback().has_value());
    EXPECT_EQ(committed_rows(), 1);
}

int interrupt_at_once(void*) {
    return 1;
}

TEST_F(TransactionTest, RollbackAfterSqliteRolledBackAnInterruptedStatementIsFine) {
    auto tx = Transaction::begin_immediate(*m_db);
    ASSERT_TRUE(tx.has_value());
    ASSERT_TRUE(m_db->exec("INSERT INTO t VALUES (1)").has_value());
    sqlite3_progress_handler(m_db->handle(), 100, &interrupt_at_once, nullptr);
    auto interrupted = m_db->exec(
        "INSERT INTO t SELECT value FROM (WITH RECURSIVE c(value) AS (SELECT 1 UNION ALL "
        "SELECT value + 1 FROM c WHERE value < 100000) SELECT value FROM c)");
    sqlite3_progress_handler(m_db->handle(), 0, nullptr, nullptr);
    ASSERT_FALSE(interrupted.has_value());
    EXPECT_EQ(interrupted.error().code, ErrorCode::interrupted);
    // SQLite ended the transaction itself; rolling back again must not fail.
    EXPECT_FALSE(m_db->in_transaction());
    EXPECT_TRUE(tx->rollback().has_value());
    EXPECT_EQ(rows(), 0);
}

TEST_F(TransactionTest, DestructorAfterSqliteRolledBackLeavesLaterWorkAlone) {
    {
        auto tx = Transaction::begin_immediate(*m_db);
        ASSERT_TRUE(tx.has_value());
        ASSERT_TRUE(m_db->exec("INSERT INTO t VALUES (1)").has_value());
        ASSERT_TRUE(m_db->exec("ROLLBACK").has_value());
        ASSERT_TRUE(m_db->exec("INSERT INTO t VALUES (2)").has_value());
    }
    EXPECT_EQ(m_db->query_int("SELECT x FROM t").value(), 2);
    EXPECT_EQ(committed_rows(), 1);
}

TEST_F(TransactionTest, FailedCommitRollsBackAndReportsTheReason) {
    ASSERT_TRUE(m_db->exec("PRAGMA foreign_keys = ON;"
                           "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                           "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) "
                           "DEFERRABLE INITIALLY DEFERRED)")
                    .has_value());
    auto tx = Transaction::begin_immediate(*m_db);
    ASSERT_TRUE(tx.has_value());
    ASSERT_TRUE(m_db->exec("INSERT INTO t VALUES (1); INSERT INTO child VALUES (42)").has_value());
    auto committed = tx->commit();
    ASSERT_FALSE(committed.has_value());
    EXPECT_EQ(committed.error().code, ErrorCode::step_failed);
    EXPECT_CONTAINS(committed.error().message, "FOREIGN KEY constraint failed");
    EXPECT_FALSE(m_db->in_transaction());
    EXPECT_EQ(rows(), 0);
    EXPECT_EQ(m_db->query_int("SELECT count(*) FROM child").value(), 0);
}

TEST_F(TransactionTest, BeginImmediateWhileAnotherConnectionWritesFailsWithBusy) {
    auto other = Database::open(m_dir / "tx.db", OpenMode::read_write);
    ASSERT_TRUE(other.has_value());
    ASSERT_TRUE(other->exec("BEGIN IMMEDIATE").has_value());
    auto tx = Transaction::begin_immediate(*m_db);
    ASSERT_FALSE(tx.has_value());
    EXPECT_EQ(tx.error().code, ErrorCode::busy);
    EXPECT_CONTAINS(tx.error().message, (m_dir / "tx.db").string());
    EXPECT_FALSE(m_db->in_transaction());
    ASSERT_TRUE(other->exec("ROLLBACK").has_value());
    EXPECT_TRUE(Transaction::begin_immediate(*m_db).has_value());
}

TEST_F(TransactionTest, MovedFromTransactionDoesNotRollBack) {
    auto tx = Transaction::begin_immediate(*m_db);
    ASSERT_TRUE(tx.has_value());
    ASSERT_TRUE(m_db->exec("INSERT INTO t VALUES (1)").has_value());
    {
        Transaction moved(std::move(*tx));
        { Transaction dropped(std::move(*tx)); }  // moved-from twice: still nothing to do
        EXPECT_TRUE(m_db->in_transaction());
        ASSERT_TRUE(moved.commit().has_value());
    }
    EXPECT_EQ(committed_rows(), 1);
}

}  // namespace
}  // namespace belay::sqlite
