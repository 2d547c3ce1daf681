#include "core/statement_rules.hpp"

#include <gtest/gtest.h>

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
