#include "core/sql_lint.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/migration_parser.hpp"
#include "support/expect.hpp"

namespace belay {
namespace {

using Words = std::vector<std::string>;

Migration migration_at(const std::string& path) {
    return *parse_migration(path, "-- +migrate Up\n");
}

std::vector<SqlStatement> statements(std::initializer_list<std::string> texts) {
    std::vector<SqlStatement> result;
    int line = 10;
    for (const std::string& text : texts) {
        result.push_back({text, line});
        line += 10;
    }
    return result;
}

TEST(LeadingKeywords, UppercasesAndSkipsCommentsAndWhitespace) {
    EXPECT_EQ(leading_keywords("  -- why\n/* a; b */ create\ttable users (id)", 3),
              (Words{"CREATE", "TABLE", "USERS"}));
    EXPECT_EQ(leading_keywords("vacuum", 5), (Words{"VACUUM"}));
    EXPECT_EQ(leading_keywords("", 2), Words{});
    EXPECT_EQ(leading_keywords("-- only a comment", 2), Words{});
    EXPECT_EQ(leading_keywords("/* unterminated", 2), Words{});
    EXPECT_EQ(leading_keywords("DROP TABLE x", 0), Words{});
}

// SQLite's tokenizer reads a UTF-8 byte-order mark as white space, wherever it stands: a file
// saved with one still runs, and its statements must be classified as SQLite will run them.
TEST(LeadingKeywords, AByteOrderMarkIsWhiteSpaceAsToSqlite) {
    EXPECT_EQ(leading_keywords("\xEF\xBB\xBFVACUUM;", 2), (Words{"VACUUM"}));
    EXPECT_EQ(leading_keywords("\xEF\xBB\xBF-- x\n\xEF\xBB\xBFPRAGMA writable_schema = 1", 2),
              (Words{"PRAGMA", "WRITABLE_SCHEMA"}));
}

TEST(LeadingKeywords, StopsAtTheFirstTokenThatIsNotAWord) {
    EXPECT_EQ(leading_keywords("INSERT INTO t(a) VALUES (1)", 5), (Words{"INSERT", "INTO", "T"}));
    EXPECT_EQ(leading_keywords("ATTACH 'other.db' AS other", 3), (Words{"ATTACH"}));
    EXPECT_EQ(leading_keywords("COMMIT;", 3), (Words{"COMMIT"}));
}

TEST(LeadingKeywords, SchemaQualifiedAndQuotedNamesAreOneWord) {
    EXPECT_EQ(leading_keywords("PRAGMA main.journal_mode = WAL", 2),
              (Words{"PRAGMA", "MAIN.JOURNAL_MODE"}));
    EXPECT_EQ(leading_keywords("pragma \"main\" . [journal_mode]", 2),
              (Words{"PRAGMA", "MAIN.JOURNAL_MODE"}));
    EXPECT_EQ(leading_keywords("DROP TABLE `my table`", 3), (Words{"DROP", "TABLE", "MY TABLE"}));
    EXPECT_EQ(leading_keywords("SELECT \"a\"\"b\" FROM t", 2), (Words{"SELECT", "A\"B"}));
}

TEST(ParsePragma, ReturnsTheNameWithoutSchemaAndWhetherItSetsSomething) {
    const auto set = parse_pragma("PRAGMA temp.Journal_Mode=wal;");
    ASSERT_TRUE(set.has_value());
    EXPECT_EQ(set->name, "JOURNAL_MODE");
    EXPECT_TRUE(set->has_argument);

    const auto query = parse_pragma("pragma journal_mode;");
    ASSERT_TRUE(query.has_value());
    EXPECT_EQ(query->name, "JOURNAL_MODE");
    EXPECT_FALSE(query->has_argument);

    const auto call = parse_pragma("PRAGMA table_info(users)");
    ASSERT_TRUE(call.has_value());
    EXPECT_TRUE(call->has_argument);

    EXPECT_FALSE(parse_pragma("SELECT 1").has_value());
    EXPECT_FALSE(parse_pragma("PRAGMA").has_value());
}

TEST(SetsForeignKeysPragma, RecognisesEverySpellingThatSetsIt) {
    EXPECT_TRUE(sets_foreign_keys_pragma("PRAGMA foreign_keys = OFF;"));
    EXPECT_TRUE(sets_foreign_keys_pragma("pragma FOREIGN_KEYS=on"));
    EXPECT_TRUE(sets_foreign_keys_pragma("PRAGMA main.foreign_keys = 0"));
    EXPECT_TRUE(sets_foreign_keys_pragma("-- rebuild\nPRAGMA foreign_keys(1);"));
    EXPECT_FALSE(sets_foreign_keys_pragma("PRAGMA foreign_keys;"));  // a query sets nothing
    EXPECT_FALSE(sets_foreign_keys_pragma("PRAGMA foreign_key_check;"));
    EXPECT_FALSE(sets_foreign_keys_pragma("PRAGMA foreign_key_list(users)"));
    EXPECT_FALSE(sets_foreign_keys_pragma("SELECT 'PRAGMA foreign_keys = OFF'"));
}

TEST(SetsForeignKeysPragma, AQuotedFirstWordCountsAsTheTokenizerUnquotesIt) {
    EXPECT_TRUE(sets_foreign_keys_pragma("\"pragma\" foreign_keys = 0"));
    EXPECT_TRUE(sets_foreign_keys_pragma("/* x */ [PRAGMA] foreign_keys(1)"));
    EXPECT_FALSE(sets_foreign_keys_pragma("PRAGMAS foreign_keys = 0"));
    EXPECT_FALSE(sets_foreign_keys_pragma("main.PRAGMA foreign_keys = 0"));
    EXPECT_FALSE(sets_foreign_keys_pragma("(PRAGMA foreign_keys = 0)"));
}

TEST(CheckTransactionalStatements, JudgesTheFirstWordHoweverItIsWrittenOrPreceded) {
    const auto sql = statements({
        "\"VACUUM\";",                // line 10: a quoted name reads as the word
        "[begin] TRANSACTION;",       // line 20
        "-- why\n/* c */ Rollback;",  // line 30
        "VACUUMS;",                   // line 40: another word, fine
        "vacuum_log(1);",             // line 50: fine
        "'VACUUM';",                  // line 60: a string, fine
        "_begin;",                    // line 70: fine
        "\xC3\xA9"
        "commit;",       // line 80: a non-ASCII word, fine
        "main.vacuum;",  // line 90: a qualified name, fine
    });
    const auto result = check_transactional_statements(migration_at("m/0007_lint.sql"), "Up", sql);
    ASSERT_FALSE(result.has_value());
    const std::string& message = result.error().message;
    EXPECT_CONTAINS(message, "m/0007_lint.sql:10: VACUUM ") << message;
    EXPECT_CONTAINS(message, "m/0007_lint.sql:20: BEGIN ") << message;
    EXPECT_CONTAINS(message, "m/0007_lint.sql:30: ROLLBACK ") << message;
    EXPECT_EQ(std::ranges::count(message, '\n'), 2) << message;
}

TEST(TransactionalStatementProblem, IsTheLineTheWholeCheckReportsForThatStatement) {
    const Migration m = migration_at("m/0007_lint.sql");
    EXPECT_FALSE(transactional_statement_problem(m, "Up", "CREATE TABLE t (x);", 3));
    EXPECT_FALSE(transactional_statement_problem(m, "Up", "PRAGMA journal_mode;", 3));
    const auto problem = transactional_statement_problem(m, "Verify", "commit;", 12);
    ASSERT_TRUE(problem.has_value());
    const auto whole = check_transactional_statements(m, "Verify", statements({"commit;"}));
    ASSERT_FALSE(whole.has_value());
    EXPECT_EQ(*problem, "m/0007_lint.sql:12:" + whole.error().message.substr(
                                                    std::string("m/0007_lint.sql:10:").size()));
    EXPECT_EQ(*problem,
              "m/0007_lint.sql:12: COMMIT cannot run inside the transaction belay runs the Verify "
              "section in; remove it (belay begins and commits the transaction itself), or put "
              "'-- +migrate NoTransaction' in the file to run it without one");
}

// Inside a transaction every checkpoint fails with "database table is locked", which belay
// reported as exit 4 (another process holds the database) after the snapshot and earlier steps.
TEST(TransactionalStatementProblem, AWalCheckpointInAnyFormIsRefusedBeforeTheRun) {
    const Migration m = migration_at("m/0002_u.sql");
    for (const auto* sql : {"PRAGMA wal_checkpoint;", "pragma main.WAL_CHECKPOINT(TRUNCATE);",
                            "PRAGMA wal_checkpoint = PASSIVE;"}) {
        const auto problem = transactional_statement_problem(m, "Up", sql, 3);
        ASSERT_TRUE(problem.has_value()) << sql;
        EXPECT_EQ(*problem,
                  "m/0002_u.sql:3: PRAGMA wal_checkpoint cannot run inside the transaction belay "
                  "runs the Up section in; put '-- +migrate NoTransaction' in the file to run it "
                  "without one")
            << sql;
    }
    EXPECT_FALSE(transactional_statement_problem(m, "Up", "SELECT wal_checkpoint FROM x;", 3));
}

TEST(CheckTransactionalStatements, AcceptsOrdinaryDdlAndTriggers) {
    const auto sql = statements({
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);",
        "CREATE TRIGGER no_delete BEFORE DELETE ON users BEGIN\n"
        "  SELECT RAISE(ROLLBACK, 'users are forever; really');\nEND;",
        "INSERT INTO users (name) VALUES ('BEGIN; COMMIT;');",
        "PRAGMA journal_mode;",
        "PRAGMA foreign_keys = OFF;",
        "-- just a comment",
    });
    const auto result = check_transactional_statements(migration_at("m/0007_lint.sql"), "Up", sql);
    EXPECT_TRUE(result.has_value()) << result.error().message;
}

TEST(CheckTransactionalStatements, ListsEveryOffendingStatementWithFileAndLine) {
    const auto sql = statements({
        "BEGIN TRANSACTION;",                // line 10
        "CREATE TABLE t (id INTEGER);",      // line 20, fine
        "VACUUM;",                           // line 30
        "vacuum main into '/tmp/copy.db';",  // line 40
        "PRAGMA main.journal_mode = WAL;",   // line 50
        "ATTACH DATABASE 'x.db' AS x;",      // line 60
        "DETACH x;",                         // line 70
        "/* done */ COMMIT;",                // line 80
        "END TRANSACTION;",                  // line 90
        "ROLLBACK;",                         // line 100
        "SAVEPOINT s1;",                     // line 110
        "RELEASE s1;",                       // line 120
    });
    const auto result =
        check_transactional_statements(migration_at("m/0007_lint.sql"), "Down", sql);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::invalid_input);
    const std::string& message = result.error().message;
    for (const std::string_view expected :
         {"m/0007_lint.sql:10: BEGIN ", "m/0007_lint.sql:30: VACUUM ",
          "m/0007_lint.sql:40: VACUUM INTO ", "m/0007_lint.sql:50: PRAGMA journal_mode ",
          "m/0007_lint.sql:60: ATTACH ", "m/0007_lint.sql:70: DETACH ",
          "m/0007_lint.sql:80: COMMIT ", "m/0007_lint.sql:90: END ",
          "m/0007_lint.sql:100: ROLLBACK ", "m/0007_lint.sql:110: SAVEPOINT ",
          "m/0007_lint.sql:120: RELEASE "}) {
        EXPECT_CONTAINS(message, expected) << expected << "\n" << message;
    }
    EXPECT_NOT_CONTAINS(message, ":20:") << message;
    EXPECT_EQ(std::ranges::count(message, '\n'), 10) << "one line per offending statement";
    EXPECT_CONTAINS(message, "Down section");
    EXPECT_CONTAINS(message, "'-- +migrate NoTransaction'");
}

}  // namespace
}  // namespace belay
