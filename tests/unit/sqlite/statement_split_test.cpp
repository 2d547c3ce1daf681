#include "sqlite/statement_split.hpp"

#include <sqlite3.h>

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace belay::sqlite {
namespace {

SqlSection section(std::string sql, int first_line = 1) {
    return SqlSection{true, std::move(sql), first_line, {}};
}

std::vector<std::string> texts(const std::vector<SqlStatement>& statements) {
    std::vector<std::string> result;
    for (const auto& statement : statements) {
        result.push_back(statement.text);
    }
    return result;
}

std::vector<int> lines(const std::vector<SqlStatement>& statements) {
    std::vector<int> result;
    for (const auto& statement : statements) {
        result.push_back(statement.line);
    }
    return result;
}

TEST(SplitStatements, SplitsOnSemicolonsAndKeepsThem) {
    const auto statements = split_statements(section("CREATE TABLE a (x);\nCREATE TABLE b (y);\n"));
    EXPECT_EQ(texts(statements),
              (std::vector<std::string>{"CREATE TABLE a (x);", "CREATE TABLE b (y);"}));
    EXPECT_EQ(lines(statements), (std::vector<int>{1, 2}));
}

TEST(SplitStatements, TriggerBodyWithBeginEndIsOneStatement) {
    const std::string trigger =
        "CREATE TRIGGER audit AFTER INSERT ON t\n"
        "BEGIN\n"
        "  INSERT INTO log VALUES (new.id); -- log it; always\n"
        "  UPDATE t SET touched = CASE WHEN new.id > 0 THEN 1 ELSE 0 END WHERE id = new.id;\n"
        "END;";
    const auto statements =
        split_statements(section("CREATE TABLE log (id);\n" + trigger + "\nSELECT 1;\n"));
    EXPECT_EQ(texts(statements),
              (std::vector<std::string>{"CREATE TABLE log (id);", trigger, "SELECT 1;"}));
    EXPECT_EQ(lines(statements), (std::vector<int>{1, 2, 7}));
}

TEST(SplitStatements, SemicolonsInsideStringsDoNotSplit) {
    const auto statements = split_statements(
        section("INSERT INTO t VALUES ('a;b', 'it''s; fine');\nINSERT INTO t VALUES (';');"));
    EXPECT_EQ(texts(statements),
              (std::vector<std::string>{"INSERT INTO t VALUES ('a;b', 'it''s; fine');",
                                        "INSERT INTO t VALUES (';');"}));
}

TEST(SplitStatements, SemicolonsInsideQuotedIdentifiersDoNotSplit) {
    const auto statements =
        split_statements(section("CREATE TABLE \"odd;name\" (\"c;1\", [c;2], `c;3`);\nSELECT 2;"));
    EXPECT_EQ(texts(statements),
              (std::vector<std::string>{"CREATE TABLE \"odd;name\" (\"c;1\", [c;2], `c;3`);",
                                        "SELECT 2;"}));
}

TEST(SplitStatements, SemicolonsInsideCommentsDoNotSplit) {
    const std::string sql =
        "/* Licensed under X; see LICENSE;\n"
        "   more text; */\n"
        "CREATE TABLE a (x); -- trailing; comment\n"
        "-- whole line; comment\n"
        "CREATE TABLE b (\n"
        "  y -- column; note\n"
        ");\n";
    const auto statements = split_statements(section(sql));
    EXPECT_EQ(texts(statements), (std::vector<std::string>{
                                     "CREATE TABLE a (x);",
                                     "CREATE TABLE b (\n  y -- column; note\n);",
                                 }));
    EXPECT_EQ(lines(statements), (std::vector<int>{3, 5}));
}

TEST(SplitStatements, FinalStatementWithoutSemicolonIsKept) {
    const auto statements = split_statements(section("SELECT 1;\n\n  SELECT 2\n"));
    EXPECT_EQ(texts(statements), (std::vector<std::string>{"SELECT 1;", "SELECT 2\n"}));
    EXPECT_EQ(lines(statements), (std::vector<int>{1, 3}));
}

TEST(SplitStatements, WhitespaceAndCommentOnlySectionsGiveNothing) {
    EXPECT_TRUE(split_statements(section("")).empty());
    EXPECT_TRUE(split_statements(section("  \n\t\n")).empty());
    EXPECT_TRUE(split_statements(section("-- nothing to do; really\n")).empty());
    EXPECT_TRUE(split_statements(section("/* nothing; */\n-- here either;")).empty());
    EXPECT_TRUE(split_statements(section("/* unterminated; comment")).empty());
}

TEST(SplitStatements, MinusAndSlashOutsideCommentsAreOrdinaryCharacters) {
    const auto statements = split_statements(
        section("SELECT 4-2; SELECT 8/2;\n"
                "/* a; b\n c; */ SELECT 1 - -1 -- one; more\n"
                ";\n"
                "\n"
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 2/1; SELECT 3-1; END\n"
                "-- after END;\n"
                "/**/;\n"
                "SELECT '-- not a comment; really'/*;*/;",
                10));
    EXPECT_EQ(texts(statements),
              (std::vector<std::string>{
                  "SELECT 4-2;", "SELECT 8/2;", "SELECT 1 - -1 -- one; more\n;",
                  "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 2/1; SELECT 3-1; END\n"
                  "-- after END;\n/**/;",
                  "SELECT '-- not a comment; really'/*;*/;"}));
    EXPECT_EQ(lines(statements), (std::vector<int>{10, 10, 12, 15, 18}));
}

TEST(SplitStatements, TriggersAreKeptWholeHoweverTheyAreIntroduced) {
    const auto statements = split_statements(
        section("/* c; */ create temp trigger a after insert on t begin select 1; end;\n"
                "EXPLAIN CREATE TRIGGER b AFTER INSERT ON t BEGIN SELECT 2; END;\n"
                "-- x;\n\tCreate\tTrigger c after delete on t begin delete from u; end;\n"
                "SELECT 'CREATE TRIGGER d BEGIN'; createx; _create; \"CREATE\" TRIGGER;\n"
                "CREATE TEMPORARY temp TRIGGER e AFTER INSERT ON t BEGIN SELECT 3; END;\n"
                "EXPLAIN (x) CREATE TRIGGER f AFTER INSERT ON t BEGIN SELECT 4; END;\n"
                "CREATE TABLE g (x); CREATE TEMP TABLE h (y);\n"));
    EXPECT_EQ(texts(statements),
              (std::vector<std::string>{
                  "create temp trigger a after insert on t begin select 1; end;",
                  "EXPLAIN CREATE TRIGGER b AFTER INSERT ON t BEGIN SELECT 2; END;",
                  "Create\tTrigger c after delete on t begin delete from u; end;",
                  "SELECT 'CREATE TRIGGER d BEGIN';", "createx;", "_create;", "\"CREATE\" TRIGGER;",
                  "CREATE TEMPORARY temp TRIGGER e AFTER INSERT ON t BEGIN SELECT 3; END;",
                  "EXPLAIN (x) CREATE TRIGGER f AFTER INSERT ON t BEGIN SELECT 4; END;",
                  "CREATE TABLE g (x);", "CREATE TEMP TABLE h (y);"}));
    EXPECT_EQ(lines(statements), (std::vector<int>{1, 2, 4, 5, 5, 5, 5, 6, 7, 8, 8}));
}

TEST(ForEachStatement, HandsOverWhatSplitStatementsReturnsAsViewsIntoTheSection) {
    class Record final : public StatementSink {
      public:
        explicit Record(const std::string& sql) : m_sql(sql) {}
        void statement(std::string_view text, int line) override {
            EXPECT_GE(text.data(), m_sql.data());
            EXPECT_LE(text.data() + text.size(), m_sql.data() + m_sql.size());
            seen.push_back({std::string(text), line});
        }
        std::vector<SqlStatement> seen;

      private:
        const std::string& m_sql;
    };
    for (const std::string sql :
         {"CREATE TABLE a (x);\nCREATE TABLE b (y);\n", "  -- only a comment\n",
          "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  SELECT 1;\nEND;\nSELECT 2",
          "SELECT ';'; /* ; */ SELECT \"a;b\";\n\n\nSELECT 3;"}) {
        const SqlSection s = section(sql, 7);
        Record record(s.sql);
        for_each_statement(s, record);
        const auto split = split_statements(s);
        EXPECT_EQ(texts(record.seen), texts(split)) << sql;
        EXPECT_EQ(lines(record.seen), lines(split)) << sql;
    }
}

TEST(SplitStatements, TrailingCommentAfterTheLastStatementGivesNothingMore) {
    const auto statements = split_statements(section("SELECT 1;\n-- done; bye\n/* end */\n"));
    EXPECT_EQ(texts(statements), std::vector<std::string>{"SELECT 1;"});
}

TEST(SplitStatements, LinesAreOffsetBySectionFirstLine) {
    const auto statements =
        split_statements(section("\n-- comment\nCREATE TABLE a (x);\n\n\nDROP TABLE a;", 12));
    EXPECT_EQ(lines(statements), (std::vector<int>{14, 17}));
}

TEST(SplitStatements, StatementsOnOneLineShareIt) {
    const auto statements = split_statements(section("SELECT 1; SELECT 2; /* x */ SELECT 3;", 4));
    EXPECT_EQ(texts(statements), (std::vector<std::string>{"SELECT 1;", "SELECT 2;", "SELECT 3;"}));
    EXPECT_EQ(lines(statements), (std::vector<int>{4, 4, 4}));
}

TEST(SplitStatements, CrlfTextSplitsWithTheSameLines) {
    const std::string lf = "-- header; note\nCREATE TABLE a (x);\n\nINSERT INTO a VALUES (';');\n";
    std::string crlf;
    for (char c : lf) {
        if (c == '\n') {
            crlf += '\r';
        }
        crlf += c;
    }
    const auto from_lf = split_statements(section(lf, 3));
    const auto from_crlf = split_statements(section(crlf, 3));
    EXPECT_EQ(lines(from_crlf), (std::vector<int>{4, 6}));
    EXPECT_EQ(lines(from_crlf), lines(from_lf));
    EXPECT_EQ(texts(from_crlf),
              (std::vector<std::string>{"CREATE TABLE a (x);", "INSERT INTO a VALUES (';');"}));
}

// Data migrations carry large statements whose strings hold many ';' (HTML entities such as
// "&amp;"). Splitting runs whenever migrations are loaded, for every command; it must take time
// in proportion to the text, not to the text times the number of ';' inside one statement.
TEST(SplitStatements, LargeStatementWithManySemicolonsInStringsSplitsQuickly) {
    std::string sql = "INSERT INTO pages (body) VALUES ";
    for (int i = 0; i < 16000; ++i) {
        sql += i == 0 ? "" : ",";
        sql += "('<p>Tom &amp; Jerry &lt;3 &gt; ...</p>')";
    }
    sql += ";\nSELECT 1;\n";
    ASSERT_GT(sql.size(), 600'000u);
    const auto started = std::chrono::steady_clock::now();
    const auto statements = split_statements(section(sql));
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_EQ(statements.size(), 2u);
    EXPECT_EQ(statements[1].line, 2);
    // A linear split takes milliseconds; the margin is for a slow, shared machine.
    EXPECT_LT(took, std::chrono::seconds(3))
        << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
}

// Inside a trigger body only "; END ;" can end the statement, so the split asks sqlite3_complete
// only there. Asking at every ';' took time in the square of the body: a CREATE TRIGGER missing
// its END before a large data migration took minutes to lint (found by tests/fuzz).
TEST(SplitStatements, LargeTriggerBodiesSplitQuicklyEndedOrNot) {
    const std::string create = "CREATE TRIGGER audit AFTER INSERT ON t BEGIN\n";
    std::string body;
    for (int i = 0; i < 20000; ++i) {
        body += "  INSERT INTO log VALUES (new.id, 'x');\n";
    }
    ASSERT_GT(body.size(), 600'000u);
    const auto started = std::chrono::steady_clock::now();
    const auto ended = split_statements(section(create + body + "END;\nSELECT 1;\n"));
    const auto unended = split_statements(section(create + body));
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_EQ(ended.size(), 2u);
    EXPECT_EQ(ended[1].line, 20003);
    EXPECT_EQ(unended.size(), 1u);
    EXPECT_LT(took, std::chrono::seconds(3))
        << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
}

TEST(SplitStatements, TriggerEndsOnlyAtEndFollowedBySemicolon) {
    const std::string create = "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; ";
    for (const std::string ending : {"END;", "end /* c; */ ;", "End\n-- c;\n;"}) {
        EXPECT_EQ(texts(split_statements(section(create + ending + " SELECT 2;"))),
                  (std::vector<std::string>{create + ending, "SELECT 2;"}))
            << ending;
    }
    for (const std::string not_an_end :
         {"SELECT CASE WHEN 1 THEN 2 END;", "SELECT [end];", "SELECT x_end;", "SELECT 'END';"}) {
        EXPECT_EQ(split_statements(section(create + not_an_end + " SELECT 2;")).size(), 1u)
            << not_an_end;
    }
}

// The statements SQLite's parser reads from `sql`, one sqlite3_prepare_v2 after another from the
// tail of the one before, each from its first token as belay's split starts it.
std::vector<std::string> statements_sqlite_reads(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
    std::vector<std::string> result;
    const char* tail = sql.c_str();
    while (*tail != '\0') {
        sqlite3_stmt* statement = nullptr;
        const char* next = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db, tail, -1, &statement, &next), SQLITE_OK)
            << sqlite3_errmsg(db);
        if (statement == nullptr) {
            break;  // nothing but white space and comments left
        }
        const std::string text(tail, next);
        result.push_back(text.substr(first_token_offset(text)));
        EXPECT_EQ(sqlite3_step(statement), SQLITE_DONE) << sqlite3_errmsg(db);
        sqlite3_finalize(statement);
        tail = next;
    }
    sqlite3_close(db);
    return result;
}

// SQLite's tokenizer reads a byte-order mark where a token may start as white space; its
// sqlite3_complete() takes one for part of a word, and so would end this trigger at its first ';'.
TEST(SplitStatements, AByteOrderMarkBeforeATriggerSplitsAsSqlitesParserReadsIt) {
    const std::string bom = "\xEF\xBB\xBF";
    const std::string trigger =
        "CREATE TRIGGER r AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; " + bom + "END;";
    const std::string sql = bom + "CREATE TABLE t (a);\n" + bom + bom + trigger + "\n" + bom +
                            "INSERT INTO t VALUES (1);\n";
    const std::vector<std::string> expected{"CREATE TABLE t (a);", trigger,
                                            "INSERT INTO t VALUES (1);"};
    EXPECT_EQ(statements_sqlite_reads(sql), expected);
    EXPECT_EQ(texts(split_statements(section(sql))), expected);
    EXPECT_TRUE(is_complete_statement(bom + trigger));
    EXPECT_FALSE(is_complete_statement(bom + "CREATE TRIGGER r AFTER INSERT ON t BEGIN SELECT 1;"));
    // Between a trigger's END and its ';' it is white space too: the trigger ends there.
    const std::string spaced_end =
        "CREATE TRIGGER s AFTER INSERT ON t BEGIN SELECT 1; END\n  " + bom + bom + " ;";
    const std::string after = "INSERT INTO t VALUES (2);";
    EXPECT_EQ(texts(split_statements(section(spaced_end + "\n" + after))),
              (std::vector<std::string>{spaced_end, after}));
    EXPECT_EQ(statements_sqlite_reads("CREATE TABLE t (a);\n" + spaced_end + "\n" + after),
              (std::vector<std::string>{"CREATE TABLE t (a);", spaced_end, after}));
    // Inside a word it is part of the word, to both: "x<BOM>" is one name, so no trigger opens.
    EXPECT_TRUE(is_complete_statement("CREATE" + bom + " TRIGGER r AFTER INSERT ON t BEGIN ;"));
}

TEST(FirstTokenOffset, SkipsWhitespaceAndBothCommentKinds) {
    EXPECT_EQ(first_token_offset("SELECT 1"), 0u);
    EXPECT_EQ(first_token_offset("  \r\n\tSELECT"), 5u);
    EXPECT_EQ(first_token_offset("-- a\n/* b */ x"), 13u);
    EXPECT_EQ(first_token_offset("--only"), std::string_view::npos);
    EXPECT_EQ(first_token_offset("/* open"), std::string_view::npos);
    EXPECT_EQ(first_token_offset(""), std::string_view::npos);
    EXPECT_EQ(first_token_offset("- 1"), 0u) << "a lone minus is a token";
    EXPECT_EQ(first_token_offset("/ 2"), 0u);
}

TEST(CountLinesBefore, CountsNewlinesUpToTheOffset) {
    EXPECT_EQ(count_lines_before("a\nb\nc", 0), 0);
    EXPECT_EQ(count_lines_before("a\nb\nc", 2), 1);
    EXPECT_EQ(count_lines_before("a\nb\nc", 4), 2);
    EXPECT_EQ(count_lines_before("a\nb\nc", 100), 2) << "offsets past the end are clamped";
    EXPECT_EQ(count_lines_before("a\r\nb", 3), 1);
}

}  // namespace
}  // namespace belay::sqlite
