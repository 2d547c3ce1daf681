#include "core/migration_drizzle.hpp"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "support/expect.hpp"

namespace belay {
namespace {

const std::string k_blank(k_drizzle_breakpoint.size() - 1, ' ');

TEST(DrizzleStatements, EachBreakpointEndsAStatementAndKeepsLinesAndOffsets) {
    Problems problems;
    const std::string text =
        "CREATE TABLE a (x)\n--> statement-breakpoint\nCREATE TABLE b (y);--> "
        "statement-breakpoint\r\nINSERT INTO b VALUES ('--> statement');";
    const auto result = drizzle_statements(text, "d/0000_x.sql", problems);
    EXPECT_TRUE(problems.empty());
    EXPECT_EQ(result, "CREATE TABLE a (x)\n;" + k_blank + "\nCREATE TABLE b (y);;" + k_blank +
                          "\r\nINSERT INTO b VALUES ('--> statement');");
    EXPECT_EQ(result.size(), text.size());
}

TEST(DrizzleStatements, ABreakpointInsideALiteralOrACommentIsAProblemNamingItsLine) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"SELECT 1;\nINSERT INTO t VALUES ('a\n--> statement-breakpoint\n');",
         "d/0001_x.sql:3: '--> statement-breakpoint' stands inside a string literal"},
        {"SELECT 1;\n/* old\n\n--> statement-breakpoint */",
         "d/0001_x.sql:4: "
         "'--> statement-breakpoint' stands "
         "inside a /* */ comment"},
        {"SELECT 1; -- see --> statement-breakpoint SELECT 2;",
         "d/0001_x.sql:1: '--> statement-breakpoint' stands inside a -- comment"},
        {"CREATE TABLE \"a--> statement-breakpoint\" (x);", "inside a quoted name"},
    };
    for (const auto& [text, message] : cases) {
        Problems problems;
        const auto result = drizzle_statements(text, "d/0001_x.sql", problems);
        ASSERT_EQ(problems.size(), 1u) << text;
        EXPECT_CONTAINS(problems.error().message, message);
        EXPECT_EQ(result, text) << "left as it is";
    }
}

// Drizzle cuts at the breakpoint wherever it stands; at the end of a -- comment the cut leaves
// nothing of the line to run, so belay takes it as Drizzle does: the comment ends the statement.
TEST(DrizzleStatements, ABreakpointEndingACommentLineEndsTheStatement) {
    Problems problems;
    const std::string text =
        "CREATE TABLE a (x); -- the first --> statement-breakpoint \nCREATE TABLE b (y) -- no "
        "semicolon --> statement-breakpoint\nSELECT 1;";
    const auto result = drizzle_statements(text, "d/0000_x.sql", problems);
    EXPECT_TRUE(problems.empty()) << problems.error().message;
    EXPECT_EQ(result, "CREATE TABLE a (x); " + std::string(13, ' ') + ";" + k_blank +
                          " \nCREATE TABLE b (y) " + std::string(16, ' ') + ";" + k_blank +
                          "\nSELECT 1;");
    EXPECT_EQ(result.size(), text.size());
}

TEST(DrizzleStatements, QuotesClosedByDoubledQuotesAndCommentsEndWhereSqliteEndsThem) {
    Problems problems;
    const std::string text =
        "SELECT 'it''s';--> statement-breakpoint\n-- c\n--> statement-breakpoint\n/* x */--> "
        "statement-breakpoint";
    const auto result = drizzle_statements(text, "d/x.sql", problems);
    EXPECT_TRUE(problems.empty()) << problems.error().message;
    EXPECT_EQ(std::ranges::count(result, ';'), 4);
}

TEST(DrizzleJournal, AnEntryIsAppendedAsDrizzleKitWritesIt) {
    const std::string journal =
        "{\n  \"version\": \"7\",\n  \"dialect\": \"sqlite\",\n  \"entries\": [\n    {\n      "
        "\"idx\": 0,\n      \"version\": \"6\",\n      \"when\": 1700000000000,\n      \"tag\": "
        "\"0000_a\",\n      \"breakpoints\": true\n    }\n  ]\n}";
    const auto result =
        drizzle_journal_with(journal, "meta/_journal.json", {1, 1700000000001, "0001_b"});
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(*result, journal.substr(0, journal.size() - 6) +
                           ",\n    {\n      \"idx\": 1,\n      \"version\": \"6\",\n      "
                           "\"when\": 1700000000001,\n      \"tag\": \"0001_b\",\n      "
                           "\"breakpoints\": true\n    }\n  ]\n}");
}

TEST(DrizzleJournal, TheFilesOwnIndentationAndFinalNewlineAreKept) {
    const auto tabs = drizzle_journal_with("{\n\t\"entries\": []\n}\n", "j", {0, 5, "0000_a"});
    ASSERT_TRUE(tabs);
    EXPECT_EQ(*tabs,
              "{\n\t\"entries\": [\n\t\t{\n\t\t\t\"idx\": 0,\n\t\t\t\"version\": \"6\",\n\t\t\t"
              "\"when\": 5,\n\t\t\t\"tag\": \"0000_a\",\n\t\t\t\"breakpoints\": true\n\t\t}\n\t]\n}"
              "\n");
    const auto fresh = drizzle_journal_with(new_drizzle_journal(), "j", {0, 5, "0000_a"});
    ASSERT_TRUE(fresh);
    EXPECT_TRUE(fresh->starts_with("{\n  \"version\": \"7\",\n  \"dialect\": \"sqlite\",\n"))
        << *fresh;
    EXPECT_FALSE(drizzle_journal_with("{\"entries\": 3}", "j", {0, 5, "0000_a"}));
}

TEST(DrizzleSnapshot, ACustomMigrationsSnapshotFollowsThePreviousOne) {
    const auto snapshot = drizzle_custom_snapshot(
        "{\n  \"version\": \"6\",\n  \"id\": \"old\",\n  \"prevId\": \"older\",\n  \"tables\": "
        "{},\n  \"_meta\": {\n    \"tables\": {\n      \"a\": \"b\"\n    }\n  }\n}",
        "meta/0003_snapshot.json", "new");
    ASSERT_TRUE(snapshot) << snapshot.error().message;
    EXPECT_EQ(*snapshot,
              "{\n  \"id\": \"new\",\n  \"prevId\": \"old\",\n  \"version\": \"6\",\n  "
              "\"tables\": {},\n  \"_meta\": {\n    \"columns\": {},\n    \"schemas\": {},\n    "
              "\"tables\": {}\n  }\n}");
}

}  // namespace
}  // namespace belay
