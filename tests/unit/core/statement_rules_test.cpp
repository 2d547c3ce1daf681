#include "core/statement_rules.hpp"

#include "core/sql_lint.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

namespace belay {
namespace {

TEST(StatementRules, PragmasThatSwitchOffAGuaranteeAreRefusedInEveryForm) {
    for (const auto& [name, argument] :
         {std::pair{"journal_mode", "OFF"}, std::pair{"JOURNAL_MODE", "'memory'"},
          std::pair{"writable_schema", "1"}, std::pair{"writable_schema", "\"on\""},
          std::pair{"schema_version", "7"}, std::pair{"synchronous", "0"},
          std::pair{"ignore_check_constraints", "yes"}}) {
        EXPECT_TRUE(pragma_refusal(name, argument).has_value()) << name << " = " << argument;
    }
}

// SQLite reads synchronous=N as level (N + 1) & 7 (0 counting as OFF), so 7, 8, 16, 64 and an
// int too large to parse are OFF too; a migration got past the rules with synchronous=8. The
// rule is held against SQLite itself: refused exactly when SQLite then reports OFF.
TEST(StatementRules, SynchronousIsRefusedExactlyWhenSQLiteWouldSwitchItOff) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
    for (const auto* value :
         {"0",    "1",      "2",          "3",          "4",           "6",   "7",     "8",
          "9",    "15",     "16",         "24",         "64",          "256", "257",   "00",
          "08",   "'8abc'", "2147483647", "2147483648", "99999999999", "+8",  "-8",    "8.5",
          "1e3",  "0x8",    "off",        "OFF",        "'off'",       "no",  "false", "normal",
          "full", "extra",  "on",         "yes",        "-1",          "abc"}) {
        ASSERT_EQ(sqlite3_exec(db, "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr),
                  SQLITE_OK);
        const auto set = std::string("PRAGMA synchronous = ") + value;
        ASSERT_EQ(sqlite3_exec(db, set.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << value;
        sqlite3_stmt* stmt = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA synchronous", -1, &stmt, nullptr), SQLITE_OK);
        ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
        const bool off = sqlite3_column_int(stmt, 0) == 0;
        sqlite3_finalize(stmt);
        EXPECT_EQ(pragma_refusal("synchronous", value).has_value(), off)
            << "synchronous = " << value << " is " << (off ? "OFF" : "not OFF") << " to SQLite";
        // The whole path a migration's statement takes, its parsing included ("16" was read as
        // "1", so 16 and 64 got through where 8 did not).
        EXPECT_EQ(refused_statement_reason(set + ";").has_value(), off) << set;
    }
    sqlite3_close(db);
}

// SQLite takes the first journal mode the value begins: "o" is OFF, "m" MEMORY (breakit13c: they
// got past the rules). Held against SQLite on a database file.
TEST(StatementRules, JournalModeIsRefusedExactlyWhenSQLiteWouldTurnTheJournalOff) {
    testing::TempDir dir;
    for (const auto* value : {"o", "of", "off", "OFF", "'o'", "m", "me", "MEMORY", "d", "p", "t",
                              "w", "wal", "x", "delete"}) {
        sqlite3* db = nullptr;
        const auto path = dir / "journal.db";
        std::filesystem::remove(path);
        ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        const auto set = std::string("PRAGMA journal_mode = ") + value;
        sqlite3_stmt* stmt = nullptr;
        ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE a (x)", nullptr, nullptr, nullptr), SQLITE_OK);
        ASSERT_EQ(sqlite3_prepare_v2(db, set.c_str(), -1, &stmt, nullptr), SQLITE_OK) << value;
        ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW) << value;
        const std::string mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        sqlite3_finalize(stmt);
        sqlite3_close(db);
        const bool off = mode == "off" || mode == "memory";
        EXPECT_EQ(refused_statement_reason(set + ";").has_value(), off)
            << set << " gives journal_mode " << mode;
    }
}

TEST(StatementRules, HarmlessPragmasAndQueriesAreAllowed) {
    for (const auto& [name, argument] :
         {std::pair{"journal_mode", "WAL"}, std::pair{"journal_mode", "delete"},
          std::pair{"journal_mode", ""}, std::pair{"writable_schema", "OFF"},
          std::pair{"writable_schema", "reset"}, std::pair{"schema_version", ""},
          std::pair{"synchronous", "NORMAL"}, std::pair{"foreign_keys", "OFF"},
          std::pair{"ignore_check_constraints", "0"}, std::pair{"user_version", "3"}}) {
        EXPECT_FALSE(pragma_refusal(name, argument).has_value()) << name << " = " << argument;
    }
}

TEST(StatementRules, BelayTablesAreProtectedOnlyInThisDatabase) {
    const StatementRules rules{.history_table = "schema_migrations"};
    const auto ask = [&](SqlAction action, std::string_view table, std::string_view database) {
        return refusal_reason(rules, SqlActionRequest{.action = action,
                                                      .object = table,
                                                      .detail = {},
                                                      .trigger = {},
                                                      .database = database});
    };
    EXPECT_TRUE(ask(SqlAction::insert, "schema_migrations", "main"));
    EXPECT_TRUE(ask(SqlAction::delete_rows, "Schema_Migrations", "main"));
    EXPECT_TRUE(ask(SqlAction::create_trigger, "belay_schema", "temp"));
    // Only the tables belay writes: what db adopt keeps (docs: "drop it yourself once you are
    // sure") and a table of the user's with the prefix were refused, for ever once created.
    EXPECT_FALSE(ask(SqlAction::drop_table, "belay_adopted_goose_db_version", "main"));
    EXPECT_FALSE(ask(SqlAction::drop_table, "belay_extra", "main"));
    EXPECT_TRUE(ask(SqlAction::drop_table, "BELAY_FAILURES", "main"));
    EXPECT_TRUE(ask(SqlAction::drop_table, "BELAY_FAILURES", ""));
    EXPECT_FALSE(ask(SqlAction::insert, "packages", "main"));
    EXPECT_FALSE(ask(SqlAction::other, "schema_migrations", "main"));
    // VACUUM copies every table, belay's too, into a database of its own.
    EXPECT_FALSE(ask(SqlAction::create_index, "schema_migrations", "vacuum_db"));
}

TEST(StatementRules, AttachOfAFileIsRefusedButVacuumsOwnTemporaryIsNot) {
    const StatementRules rules{.history_table = "schema_migrations"};
    const auto attach = [&](std::string_view file) {
        return refusal_reason(rules, SqlActionRequest{.action = SqlAction::attach,
                                                      .object = {},
                                                      .detail = file,
                                                      .trigger = {},
                                                      .database = {}});
    };
    EXPECT_TRUE(attach("other.db"));
    EXPECT_FALSE(attach(""));
    EXPECT_FALSE(attach(":memory:"));
}

}  // namespace
}  // namespace belay
