// Messages as facts: said() keeps options and calls as terms, the library words them with field
// and call names, and nesting an error into another keeps its terms.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace belay {
namespace {

TEST(Said, KeepsOptionsAndCallsAsTermsAndWordsThemAsFieldsAndCalls) {
    const auto message = said("another run holds {} (waited {} ms); raise {} or see {}", "app.db",
                              300, Option::lock_timeout, run(Command::status));
    EXPECT_EQ(message.text(),
              "another run holds app.db (waited 300 ms); raise lock_timeout or see build_status");
    EXPECT_EQ(message.option(), Option::lock_timeout);
    ASSERT_TRUE(message.call().has_value());
    EXPECT_EQ(message.call()->command, Command::status);
    // Words, a term, words, a term: the terms are parts of their own.
    ASSERT_EQ(message.parts().size(), 4u);
    EXPECT_EQ(std::get<Message::Term>(message.parts()[1]), Message::Term(Option::lock_timeout));
}

TEST(Said, FormatsOtherArgumentsAsFmtDoes) {
    const auto message = said("{:>5}|{:.1f}|{{literal}}|{}", 42, 2.25, Option::keep);
    EXPECT_EQ(message.text(), "   42|2.2|{literal}|keep");
    // Without a term it is plain words.
    EXPECT_EQ(said("{} of {}", 1, 2), Message("1 of 2"));
}

TEST(Said, ACallWithArgumentsNamesEachByItsField) {
    const auto restore =
        run(Command::restore, {argument(Option::database, "app.db"), argument(Option::latest)});
    EXPECT_EQ(said("{}", restore).text(), "run_restore(database = app.db, latest)");
    EXPECT_EQ(said("{}", run(Command::force, {placeholder("VERSION")})).text(),
              "run_history_edit(force, VERSION)");
    EXPECT_EQ(said("{}", named(Command::adopt)).text(), "run_history_edit(adopt)");
}

TEST(Said, AnErrorOrMessageInsideAnotherKeepsItsTerms) {
    const auto inner = error_of(ErrorCode::busy, said("raise {}", Option::lock_timeout));
    const auto outer = said("copying failed: {}; or choose {}", inner, Option::backup_dir);
    EXPECT_EQ(outer.text(), "copying failed: raise lock_timeout; or choose backup_dir");
    EXPECT_EQ(outer.option(), Option::lock_timeout);  // the first one named
    const auto both = joined({said("a {}", Option::steps), Message("b")}, "\n");
    EXPECT_EQ(both.text(), "a steps\nb");
    EXPECT_EQ(both.option(), Option::steps);
}

TEST(ErrorOf, ContextAndAppendKeepMessageAndTermsTogether) {
    auto error = error_of(ErrorCode::busy, said("raise {}", Option::lock_timeout));
    error = with_context(error, "app.db");
    append(error, said("; or see {}", run(Command::status)));
    EXPECT_EQ(error.message, "app.db: raise lock_timeout; or see build_status");
    EXPECT_EQ(error.said.text(), error.message);
    EXPECT_EQ(error.option(), Option::lock_timeout);
    ASSERT_TRUE(error.advised_call().has_value());
    EXPECT_EQ(error.advised_call()->command, Command::status);
}

TEST(ErrorOf, AnOperationTheMessageOnlyNamesIsNotTheAdvice) {
    const auto error =
        error_of(ErrorCode::refused,
                 said("{} refuses: see {}", named(Command::adopt), run(Command::status)));
    ASSERT_TRUE(error.advised_call().has_value());
    EXPECT_EQ(error.advised_call()->command, Command::status);
    EXPECT_FALSE(error_of(ErrorCode::refused, said("{} refuses", named(Command::adopt)))
                     .advised_call()
                     .has_value());
}

TEST(ErrorOf, AMessageChangedWithoutItsTermsIsTheOneThatHolds) {
    auto error = error_of(ErrorCode::busy, said("raise {}", Option::lock_timeout));
    error.message += " (changed by hand)";
    EXPECT_EQ(error.what(), Message("raise lock_timeout (changed by hand)"));
    EXPECT_FALSE(error.option().has_value()) << "terms of a message that no longer holds";
    // An Error built from words alone has no terms and its words hold.
    const Error plain{ErrorCode::invalid_input, "plain words"};
    EXPECT_EQ(plain.what().text(), "plain words");
}

}  // namespace
}  // namespace belay
