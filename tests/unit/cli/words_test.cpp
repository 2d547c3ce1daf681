// The command line's words for the library's terms: flags for options, commands for calls, and
// the message as written when its terms no longer match it.
#include <string>

#include <gtest/gtest.h>

#include "cli/words.hpp"

namespace belay::cli {
namespace {

Message option_then_call() {
    Message message("raise ");
    message += Message::Term(Option::lock_timeout);
    message += ", or restore: ";
    message += Message::Term(Call{Command::restore,
                                  {{Option::database, "my app.db", false},
                                   {Option::backup, "app-20261123-101500.bak", false}},
                                  true});
    return message;
}

TEST(CliWords, OptionsAreFlagsAndCallsAreCommandsWithQuotedValues) {
    EXPECT_EQ(words(option_then_call()),
              "raise --lock-timeout, or restore: belay db restore --db 'my app.db' "
              "app-20261123-101500.bak");
}

TEST(CliWords, EveryOptionHasTheFlagTheParserKnows) {
    EXPECT_EQ(flag_of(Option::target), "--to");
    EXPECT_EQ(flag_of(Option::layout), "--format");
    EXPECT_EQ(flag_of(Option::history_table), "--table");
    EXPECT_EQ(flag_of(Option::migrations_dir), "--migrations");
    EXPECT_EQ(flag_of(Option::assume_yes), "--yes");
    EXPECT_EQ(flag_of(Option::from_tool), "--from");
    EXPECT_EQ(flag_of(Option::keep_days), "--keep-days");
    EXPECT_EQ(flag_of(Option::from_other_database), "--from-other-database");
}

TEST(CliWords, ANamedCallHasNoProgramAndAPlaceholderIsNotQuoted) {
    EXPECT_EQ(words(Call{Command::adopt, {}, false}), "db adopt");
    EXPECT_EQ(words(Call{Command::force, {{std::nullopt, "VERSION", true}}, true}),
              "belay db force VERSION");
    EXPECT_EQ(words(Call{Command::restore,
                         {{Option::database, "app.db", false}, {Option::latest, "", false}},
                         true}),
              "belay db restore --db app.db --latest");
}

TEST(CliWords, AnErrorIsWordedFromItsTermsWhileTheyMatchItsMessage) {
    Error error{ErrorCode::busy, option_then_call().text(), option_then_call(), {}};
    EXPECT_EQ(words(error).substr(0, 20), "raise --lock-timeout");
    error.message = "changed by hand";
    EXPECT_EQ(words(error), "changed by hand");
}

TEST(CliWords, AWordStartingWithADashIsNotReadAsAnOption) {
    EXPECT_EQ(words(Call{Command::restore,
                         {{Option::database, "-x.db", false},
                          {Option::backup, "-x-20261206-110558.bak", false}},
                         true}),
              "belay db restore --db=-x.db ./-x-20261206-110558.bak");
}

TEST(CliWords, AShellCommandsWordsAreQuoted) {
    Message message("create it (");
    message += Message::Term(ShellCommand{{"mkdir", "-p", "no dir/it's"}});
    message += ")";
    EXPECT_EQ(message.text(), "create it (mkdir -p no dir/it's)");
    EXPECT_EQ(words(message), "create it (mkdir -p 'no dir/it'\\''s')");
}

TEST(CliWords, ShellQuoteLeavesPlainWordsAndQuotesTheRest) {
    EXPECT_EQ(shell_quote("app-1.db"), "app-1.db");
    EXPECT_EQ(shell_quote("it's here"), "'it'\\''s here'");
    EXPECT_EQ(shell_quote(""), "''");
}

}  // namespace
}  // namespace belay::cli
