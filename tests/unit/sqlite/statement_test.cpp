#include "sqlite/statement.hpp"

#include <sqlite3.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sqlite/database.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay::sqlite {
namespace {

using namespace std::chrono_literals;

class StatementTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto db = Database::open(m_dir / "s.db", OpenMode::read_write_create);
        ASSERT_TRUE(db.has_value()) << db.error().message;
        m_db.emplace(std::move(*db));
        ASSERT_TRUE(m_db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, "
                               "score REAL, note TEXT)")
                        .has_value());
    }

    testing::TempDir m_dir;
    std::optional<Database> m_db;
};

TEST_F(StatementTest, BindsTextIntegersAndNullsAndReadsThemBack) {
    auto insert = m_db->prepare("INSERT INTO t (id, name, score, note) VALUES (?1, ?2, ?3, ?4)");
    ASSERT_TRUE(insert.has_value()) << insert.error().message;
    const std::string with_nul("a\0b", 3);
    insert->bind(1, std::int64_t{9'000'000'000}).bind(2, with_nul).bind(3, std::int64_t{3});
    insert->bind_null(4);
    ASSERT_TRUE(insert->run().has_value());

    auto select = m_db->prepare("SELECT id, name, score, note, 2.5 FROM t");
    ASSERT_TRUE(select.has_value());
    ASSERT_TRUE(select->step().value());
    EXPECT_EQ(select->column_count(), 5);
    EXPECT_EQ(select->column_int(0), 9'000'000'000);
    EXPECT_EQ(select->column_type(0), SQLITE_INTEGER);
    EXPECT_EQ(select->column_text(1), with_nul) << "text is bound and read with its length";
    EXPECT_EQ(select->column_type(2), SQLITE_FLOAT) << "REAL affinity converts the integer";
    EXPECT_TRUE(select->column_is_null(3));
    EXPECT_EQ(select->column_optional_text(3), std::nullopt);
    EXPECT_EQ(select->column_optional_text(1), with_nul);
    EXPECT_EQ(select->column_text(3), "");
    EXPECT_DOUBLE_EQ(select->column_double(4), 2.5);
    EXPECT_FALSE(select->step().value());
}

TEST_F(StatementTest, ResetRunsAgainWithTheSameBindings) {
    auto insert = m_db->prepare("INSERT INTO t (note) VALUES (?1)");
    ASSERT_TRUE(insert.has_value());
    insert->bind(1, "same");
    ASSERT_TRUE(insert->run().has_value());
    insert->reset();
    ASSERT_TRUE(insert->run().has_value());
    EXPECT_EQ(m_db->query_int("SELECT count(*) FROM t WHERE note = 'same'").value(), 2);
}

TEST_F(StatementTest, BoundTextIsCopied) {
    auto insert = m_db->prepare("INSERT INTO t (note) VALUES (?1)");
    ASSERT_TRUE(insert.has_value());
    {
        std::string temporary = "copied text";
        insert->bind(1, temporary);
        temporary.assign(temporary.size(), 'X');
    }
    ASSERT_TRUE(insert->run().has_value());
    EXPECT_EQ(m_db->query_text("SELECT note FROM t").value(), "copied text");
}

TEST_F(StatementTest, ConstraintViolationFailsWithSqlitesMessage) {
    ASSERT_TRUE(m_db->exec("INSERT INTO t (name) VALUES ('dup')").has_value());
    auto insert = m_db->prepare("INSERT INTO t (name) VALUES ('dup')");
    ASSERT_TRUE(insert.has_value());
    auto ran = insert->run();
    ASSERT_FALSE(ran.has_value());
    EXPECT_EQ(ran.error().code, ErrorCode::step_failed);
    EXPECT_CONTAINS(ran.error().message, "UNIQUE constraint failed: t.name");
}

TEST_F(StatementTest, PrepareOfInvalidSqlFails) {
    auto statement = m_db->prepare("SELEKT 1");
    ASSERT_FALSE(statement.has_value());
    EXPECT_EQ(statement.error().code, ErrorCode::step_failed);
    EXPECT_CONTAINS(statement.error().message, "syntax error");
    EXPECT_CONTAINS(statement.error().message, (m_dir / "s.db").string());
}

TEST_F(StatementTest, BindingAnIndexThatDoesNotExistIsABrokenInvariant) {
    auto statement = m_db->prepare("SELECT ?1");
    ASSERT_TRUE(statement.has_value());
    EXPECT_THROW(statement->bind(2, "x"), std::logic_error);
}

TEST_F(StatementTest, StepOnALockedDatabaseFailsWithBusy) {
    auto db = Database::open(m_dir / "s.db", OpenMode::read_write, 100ms);
    ASSERT_TRUE(db.has_value());
    auto select = db->prepare("SELECT count(*) FROM t");
    ASSERT_TRUE(select.has_value());
    ASSERT_TRUE(m_db->exec("BEGIN EXCLUSIVE").has_value());
    auto row = select->step();
    ASSERT_FALSE(row.has_value());
    EXPECT_EQ(row.error().code, ErrorCode::busy);
    ASSERT_TRUE(m_db->exec("COMMIT").has_value());
    select->reset();
    EXPECT_TRUE(select->step().value());
}

TEST_F(StatementTest, EachRowHandsEveryRowInOrder) {
    ASSERT_TRUE(m_db->exec("INSERT INTO t (name) VALUES ('b'), ('a'), ('c')").has_value());
    auto select = m_db->prepare("SELECT name, id FROM t ORDER BY name");
    ASSERT_TRUE(select.has_value());
    std::vector<std::string> rows;
    auto read = select->each_row([&](const Statement& row) {
        rows.push_back(row.column_text(0) + "=" + std::to_string(row.column_int(1)));
    });
    ASSERT_TRUE(read.has_value()) << read.error().message;
    EXPECT_EQ(rows, (std::vector<std::string>{"a=2", "b=1", "c=3"}));
}

TEST_F(StatementTest, EachRowOfAnEmptyResultHandsNothing) {
    auto select = m_db->prepare("SELECT name FROM t");
    ASSERT_TRUE(select.has_value());
    int rows = 0;
    auto read = select->each_row([&](const Statement&) { ++rows; });
    ASSERT_TRUE(read.has_value()) << read.error().message;
    EXPECT_EQ(rows, 0);
}

TEST_F(StatementTest, EachRowStopsAtAnErrorMidwayWithStepsError) {
    ASSERT_TRUE(m_db->exec("INSERT INTO t (id) VALUES (1), (2), (3)").has_value());
    // abs() of the smallest integer overflows: the second row fails as SQLite computes it.
    const char* sql =
        "SELECT CASE id WHEN 2 THEN abs(-9223372036854775807 - 1) ELSE id END FROM t ORDER BY id";
    auto select = m_db->prepare(sql);
    ASSERT_TRUE(select.has_value());
    std::vector<std::int64_t> handed;
    auto read =
        select->each_row([&](const Statement& row) { handed.push_back(row.column_int(0)); });
    ASSERT_FALSE(read.has_value());
    EXPECT_EQ(handed, (std::vector<std::int64_t>{1}));
    EXPECT_EQ(read.error().code, ErrorCode::step_failed);
    EXPECT_EQ(read.error().message, "integer overflow");
    // The same Error a loop over step() meets.
    auto again = m_db->prepare(sql);
    ASSERT_TRUE(again.has_value());
    ASSERT_TRUE(again->step().value());
    const auto stepped = again->step();
    ASSERT_FALSE(stepped.has_value());
    EXPECT_EQ(stepped.error().code, read.error().code);
    EXPECT_EQ(stepped.error().message, read.error().message);
}

TEST_F(StatementTest, EachRowStopsAtTheFirstErrorTheCallbackReturns) {
    ASSERT_TRUE(m_db->exec("INSERT INTO t (id) VALUES (1), (2), (3)").has_value());
    auto select = m_db->prepare("SELECT id FROM t ORDER BY id");
    ASSERT_TRUE(select.has_value());
    std::vector<std::int64_t> handed;
    auto read = select->each_row([&](const Statement& row) -> Result<void> {
        handed.push_back(row.column_int(0));
        if (row.column_int(0) == 2) {
            return fail(ErrorCode::invalid_input, "row {} refused", row.column_int(0));
        }
        return {};
    });
    ASSERT_FALSE(read.has_value());
    EXPECT_EQ(read.error().code, ErrorCode::invalid_input);
    EXPECT_EQ(read.error().message, "row 2 refused");
    EXPECT_EQ(handed, (std::vector<std::int64_t>{1, 2}));
}

}  // namespace
}  // namespace belay::sqlite
