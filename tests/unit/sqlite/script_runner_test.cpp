#include "sqlite/script_runner.hpp"

#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "sqlite/database.hpp"
#include "sqlite/execution_guard.hpp"
#include "sqlite/transaction.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay::sqlite {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

SqlSection section(std::string sql, int first_line = 1) {
    return SqlSection{true, std::move(sql), first_line, {}};
}

class ScriptRunnerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto db = Database::open(m_dir / "run.db", OpenMode::read_write_create);
        ASSERT_TRUE(db.has_value()) << db.error().message;
        m_db.emplace(std::move(*db));
        m_guard.emplace(*m_db, 5s);
        m_guard->start_step(60s);
    }

    Result<void> run(const SqlSection& sql, ScriptFailure* failure = nullptr) {
        return run_section(*m_db, *m_guard, sql, m_file, failure);
    }
    Result<void> verify(const SqlSection& sql) {
        return run_verify_section(*m_db, *m_guard, sql, m_file);
    }
    std::int64_t count(const std::string& sql) { return m_db->query_int(sql).value(); }

    testing::TempDir m_dir;
    std::optional<Database> m_db;
    std::optional<ExecutionGuard> m_guard;
    const std::filesystem::path m_file = "migrations/0007_add_orders.sql";
};

TEST_F(ScriptRunnerTest, StatementsRunInOrderAndMayUseWhatEarlierOnesCreated) {
    auto ran =
        run(section("CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER);\n"
                    "INSERT INTO orders (total) VALUES (10), (20), (30);\n"
                    "CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 15;\n"
                    "CREATE TABLE summary AS SELECT count(*) AS n FROM big_orders;\n"
                    "CREATE TRIGGER orders_audit AFTER INSERT ON orders BEGIN\n"
                    "  UPDATE summary SET n = n + 1; -- a comment; with a semicolon\n"
                    "END;\n"
                    "INSERT INTO orders (total) VALUES ('x;y')"));
    ASSERT_TRUE(ran.has_value()) << ran.error().message;
    EXPECT_EQ(count("SELECT n FROM summary"), 3);
    EXPECT_EQ(count("SELECT count(*) FROM orders WHERE total = 'x;y'"), 1);
}

TEST_F(ScriptRunnerTest, SelectInTheUpSectionIsFine) {
    auto ran =
        run(section("CREATE TABLE t (x);\nINSERT INTO t VALUES (1), (2);\n"
                    "SELECT * FROM t;\nSELECT 0;\nINSERT INTO t VALUES (3);"));
    ASSERT_TRUE(ran.has_value()) << ran.error().message;
    EXPECT_EQ(count("SELECT count(*) FROM t"), 3);
}

TEST_F(ScriptRunnerTest, EmptyAndCommentOnlySectionsDoNothing) {
    EXPECT_TRUE(run(section("")).has_value());
    EXPECT_TRUE(run(section("-- nothing; here\n/* nor; here */\n\n")).has_value());
    EXPECT_TRUE(run(section("SELECT 1;\n-- trailing comment")).has_value());
    EXPECT_EQ(count("SELECT count(*) FROM sqlite_schema"), 0);
}

TEST_F(ScriptRunnerTest, FailingStatementNamesFileLineAndSqlitesMessage) {
    ScriptFailure failure;
    auto ran = run(section("CREATE TABLE t (x);\n"
                           "INSERT INTO t VALUES (1);\n"
                           "\n"
                           "-- the next one names a table that does not exist\n"
                           "INSERT INTO t SELECT * FROM missing_table;\n"
                           "INSERT INTO t VALUES (2);\n",
                           20),
                   &failure);
    ASSERT_FALSE(ran.has_value());
    EXPECT_EQ(ran.error().code, ErrorCode::step_failed);
    EXPECT_CONTAINS(ran.error().message, "migrations/0007_add_orders.sql:24");
    EXPECT_CONTAINS(ran.error().message, "no such table: missing_table");
    EXPECT_CONTAINS(ran.error().message, "INSERT INTO t SELECT * FROM missing_table;");
    EXPECT_EQ(failure.line, 24);
    EXPECT_EQ(failure.sqlite_error, "no such table: missing_table");
    EXPECT_EQ(failure.statement, "INSERT INTO t SELECT * FROM missing_table;");
    // Earlier statements ran, later ones did not; rolling back is the caller's business.
    EXPECT_EQ(count("SELECT count(*) FROM t"), 1);
}

// SQLite refuses to write to a file moved away under the connection (SQLITE_READONLY_DBMOVED);
// its words, "attempt to write a readonly database", say nothing of why.
TEST_F(ScriptRunnerTest, AFileMovedUnderTheConnectionIsSaidToHaveMoved) {
    ASSERT_TRUE(run(section("CREATE TABLE t (x);")).has_value());
    std::filesystem::rename(m_dir / "run.db", m_dir / "moved.db");
    ScriptFailure failure;
    auto ran = run(section("INSERT INTO t VALUES (1);"), &failure);
    ASSERT_FALSE(ran.has_value());
    EXPECT_CONTAINS(failure.sqlite_error, "attempt to write a readonly database");
    EXPECT_CONTAINS(ran.error().message, "was moved, replaced or deleted while belay had it open");
}

TEST_F(ScriptRunnerTest, SyntaxErrorReportsItsOffsetWithinTheStatement) {
    ScriptFailure failure;
    auto ran = run(section("SELECT 1;\n  /* lead */ SELECT * FROM t WHERE;\n", 5), &failure);
    ASSERT_FALSE(ran.has_value());
    EXPECT_EQ(ran.error().code, ErrorCode::step_failed);
    EXPECT_EQ(failure.line, 6);
    EXPECT_CONTAINS(failure.sqlite_error, "syntax error");
    EXPECT_EQ(failure.error_offset, 21) << "the offset of ';' within 'SELECT * FROM t WHERE;'";
    EXPECT_CONTAINS(ran.error().message, "0007_add_orders.sql:6");
    EXPECT_CONTAINS(ran.error().message, "offset 21");
}

// Regression: SQLite's prepare skips an empty statement (a stray ';') before the next one, so
// the failing statement's line and text must come from what SQLite compiled, not from the ';'.
TEST_F(ScriptRunnerTest, StraySemicolonDoesNotShiftTheReportedLine) {
    ScriptFailure failure;
    auto ran = run(section("CREATE TABLE t (x);;\n"
                           "\n"
                           "INSERT INTO t SELECT * FROM missing;\n",
                           10),
                   &failure);
    ASSERT_FALSE(ran.has_value());
    EXPECT_EQ(failure.line, 12);
    EXPECT_EQ(failure.statement, "INSERT INTO t SELECT * FROM missing;");
    EXPECT_CONTAINS(ran.error().message, "0007_add_orders.sql:12");
}

TEST_F(ScriptRunnerTest, EmptyStatementsBetweenStatementsAreHarmless) {
    auto ran = run(section("CREATE TABLE t (x);;\n; ;\nINSERT INTO t VALUES (1);;"));
    ASSERT_TRUE(ran.has_value()) << ran.error().message;
    EXPECT_EQ(count("SELECT count(*) FROM t"), 1);
}

// Regression (found by tests/fuzz): SQLite stops at a NUL byte without moving its tail, and the
// runner prepared the same empty text for ever, ignoring signals and the step's deadline.
TEST_F(ScriptRunnerTest, NulByteFailsNamingItsLineInsteadOfLoopingForEver) {
    const auto ran = run(section("CREATE TABLE a (x);\n\0CREATE TABLE b (y);\n"s, 3));
    ASSERT_FALSE(ran.has_value());
    EXPECT_EQ(ran.error().code, ErrorCode::step_failed);
    EXPECT_CONTAINS(ran.error().message, "migrations/0007_add_orders.sql:4: a NUL byte");
    EXPECT_EQ(count("SELECT count(*) FROM sqlite_schema WHERE name = 'a'"), 1);
    EXPECT_EQ(count("SELECT count(*) FROM sqlite_schema WHERE name = 'b'"), 0);
}

TEST_F(ScriptRunnerTest, RuntimeFailureHasNoOffsetButTheRightLine) {
    ScriptFailure failure;
    auto ran = run(section("CREATE TABLE u (x UNIQUE);\r\nINSERT INTO u VALUES (1);\r\n"
                           "INSERT INTO u VALUES (1);\r\n",
                           2),
                   &failure);
    ASSERT_FALSE(ran.has_value());
    EXPECT_EQ(ran.error().code, ErrorCode::step_failed);
    EXPECT_EQ(failure.line, 4);
    EXPECT_EQ(failure.error_offset, -1);
    EXPECT_CONTAINS(ran.error().message, "0007_add_orders.sql:4");
    EXPECT_CONTAINS(ran.error().message, "UNIQUE constraint failed: u.x");
}

TEST_F(ScriptRunnerTest, LongStatementsAreShortenedInMessages) {
    const std::string long_name(300, 'c');
    auto ran = run(section("SELECT " + long_name + " FROM nowhere;"));
    ASSERT_FALSE(ran.has_value());
    EXPECT_CONTAINS(ran.error().message, "...");
    EXPECT_LT(ran.error().message.size(), 300u);
}

TEST_F(ScriptRunnerTest, StepPastItsDeadlineIsReportedAsATimeout) {
    m_guard->start_step(300ms);
    const auto started = std::chrono::steady_clock::now();
    auto ran =
        run(section("CREATE TABLE t (x);\n"
                    "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) "
                    "SELECT count(*) FROM c;"));
    ASSERT_FALSE(ran.has_value());
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    EXPECT_EQ(ran.error().code, ErrorCode::step_failed);
    EXPECT_CONTAINS(ran.error().message, "0007_add_orders.sql:2");
    EXPECT_CONTAINS(ran.error().message, "timeout");
}

TEST_F(ScriptRunnerTest, LockHeldByAnotherConnectionIsReportedAsBusy) {
    ASSERT_TRUE(m_db->exec("CREATE TABLE t (x)").has_value());
    auto other = Database::open(m_dir / "run.db", OpenMode::read_write);
    ASSERT_TRUE(other.has_value());
    ASSERT_TRUE(other->exec("BEGIN IMMEDIATE").has_value());
    ExecutionGuard guard(*m_db, 200ms);
    guard.clear_deadline();
    auto ran = run_section(*m_db, guard, section("INSERT INTO t VALUES (1);"), m_file);
    ASSERT_FALSE(ran.has_value());
    EXPECT_EQ(ran.error().code, ErrorCode::busy);
    EXPECT_CONTAINS(ran.error().message, "0007_add_orders.sql:1");
    EXPECT_CONTAINS(ran.error().message, "200 ms");
}

TEST_F(ScriptRunnerTest, VerifyPassesForTrueValuesAndForNoRows) {
    ASSERT_TRUE(m_db->exec("CREATE TABLE t (x)").has_value());
    auto ok =
        verify(section("SELECT 1;\n"
                       "SELECT 'yes';\n"
                       "SELECT 2.5;\n"
                       "SELECT -1;\n"
                       "SELECT 'true';\n"
                       "SELECT x FROM t;\n"
                       "SELECT count(*) = 0 FROM t;\n"
                       "SELECT 1 UNION ALL SELECT 'ok';\n"));
    EXPECT_TRUE(ok.has_value()) << ok.error().message;
}

TEST_F(ScriptRunnerTest, VerifyFailsForFalseValuesNamingTheLine) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"SELECT 0;", "'0'"},         {"SELECT NULL;", "NULL"}, {"SELECT 'false';", "'false'"},
        {"SELECT 'FALSE';", "FALSE"}, {"SELECT 0.0;", "0.0"},   {"SELECT '';", "''"},
        {"SELECT '0';", "'0'"},       {"SELECT 1 = 2;", "'0'"},
    };
    for (const auto& [sql, shown] : cases) {
        SCOPED_TRACE(sql);
        auto failed = verify(section("SELECT 1;\n\n" + sql + "\n", 30));
        ASSERT_FALSE(failed.has_value());
        EXPECT_EQ(failed.error().code, ErrorCode::step_failed);
        EXPECT_CONTAINS(failed.error().message, "0007_add_orders.sql:32");
        EXPECT_CONTAINS(failed.error().message, "Verify");
        EXPECT_CONTAINS(failed.error().message, shown);
    }
}

TEST_F(ScriptRunnerTest, VerifyFailsWhenAnyRowIsFalse) {
    ASSERT_TRUE(
        m_db->exec("CREATE TABLE t (x); INSERT INTO t VALUES (1), (1), (0), (1)").has_value());
    auto failed = verify(section("SELECT x FROM t;", 9));
    ASSERT_FALSE(failed.has_value());
    EXPECT_CONTAINS(failed.error().message, "0007_add_orders.sql:9");
}

TEST_F(ScriptRunnerTest, VerifyFailsWhenAStatementFails) {
    auto failed = verify(section("SELECT 1;\nSELECT count(*) FROM missing;", 3));
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().code, ErrorCode::step_failed);
    EXPECT_CONTAINS(failed.error().message, "0007_add_orders.sql:4");
    EXPECT_CONTAINS(failed.error().message, "no such table: missing");
}

TEST_F(ScriptRunnerTest, RunsInsideTheCallersTransaction) {
    {
        auto tx = Transaction::begin_immediate(*m_db);
        ASSERT_TRUE(tx.has_value());
        ASSERT_TRUE(run(section("CREATE TABLE t (x); INSERT INTO t VALUES (1);")).has_value());
        EXPECT_TRUE(m_db->in_transaction());
    }
    EXPECT_EQ(count("SELECT count(*) FROM sqlite_schema WHERE name = 't'"), 0);
}

}  // namespace
}  // namespace belay::sqlite
