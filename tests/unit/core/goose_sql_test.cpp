// goose's variable substitution (ENVSUB) as belay does it. The cases carry over the behaviours
// that goose's substitution library (mfridman/interpolate) tests, in belay's own words.
#include "core/goose_sql.hpp"

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "support/expect.hpp"

namespace belay {
namespace {

EnvironmentLookup environment_of(std::map<std::string, std::string> variables) {
    return [variables = std::move(variables)](const std::string& name) {
        const auto found = variables.find(name);
        return found == variables.end() ? std::nullopt : std::optional(found->second);
    };
}

const EnvironmentLookup k_environment = environment_of({
    {"TEST1", "A test"},
    {"TEST2", "Another"},
    {"TEST3", "Llamas"},
    {"TEST4", "Only one level of $TEST3 interpolation"},
    {"COMMIT", "1adf998e39f647b4b25842f107c6ed9d30a3a7c7"},
    {"DAY", "Blarghday"},
    {"EMPTY_DAY", ""},
    {"JOB", "456"},
});

std::string substituted(std::string_view line) {
    auto result = substitute_variables(line, k_environment);
    if (!result) {
        ADD_FAILURE() << "'" << line << "': " << result.error().reason;
        return {};
    }
    return *result;
}

SubstitutionError refusal(std::string_view line) {
    auto result = substitute_variables(line, k_environment);
    if (result) {
        ADD_FAILURE() << "'" << line << "' substituted to '" << *result << "'";
        return {};
    }
    return result.error();
}

TEST(SubstituteVariables, NamesAndBracedNamesTakeTheValueOrNothing) {
    const std::map<std::string_view, std::string_view> cases = {
        {"", ""},
        {"foo", "foo"},
        {"TEST1", "TEST1"},
        {"$TEST1", "A test"},
        {"${TEST1}", "A test"},
        {"$TEST1, $TEST2, $TEST3", "A test, Another, Llamas"},
        {"$Test1, $Test2, $TeST3", ", , "},
        {"${TEST1}, ${Test2}, ${tEST3}", "A test, , "},
        {"my$TEST1", "myA test"},
        {"$TEST4", "Only one level of $TEST3 interpolation"},
        {"test_$COMMIT_$JOB", "test_456"},  // the name runs on over _
        {"test-$COMMIT-$JOB", "test-1adf998e39f647b4b25842f107c6ed9d30a3a7c7-456"},
        {"test_${COMMIT}_${JOB}", "test_1adf998e39f647b4b25842f107c6ed9d30a3a7c7_456"},
    };
    for (const auto& [line, expected] : cases) {
        EXPECT_EQ(substituted(line), expected) << line;
    }
}

TEST(SubstituteVariables, DefaultsForUnsetAndForEmpty) {
    EXPECT_EQ(substituted("Today is ${TODAY-Tuesday}"), "Today is Tuesday");
    EXPECT_EQ(substituted("Today is ${DAY-Wednesday}"), "Today is Blarghday");
    EXPECT_EQ(substituted("Today is ${EMPTY_DAY-Wednesday}"), "Today is ");
    EXPECT_EQ(substituted("Today is ${EMPTY_DAY:-Wednesday}"), "Today is Wednesday");
    EXPECT_EQ(substituted("${EMPTY_DAY:--:{}}"), "-:{}");
    EXPECT_EQ(substituted("${EMPTY:-${LLAMAS-test}}"), "test");
    EXPECT_EQ(substituted("${EMPTY:-127}"), "127");
    EXPECT_EQ(substituted("${T5:-${T6:-$TEST1}}"), "A test");
    EXPECT_EQ(substituted("${T5:-${TEST2:-$TEST1}}"), "Another");
    EXPECT_EQ(substituted("${T5:-Some text ${TEST2:-$TEST1} with $TEST3}"),
              "Some text Another with Llamas");
    EXPECT_EQ(substituted("${DAY:-${UNSET?never looked at}}"), "Blarghday")
        << "a default that is not used is not expanded";
}

TEST(SubstituteVariables, SubstringsCountBytesAndClamp) {
    const std::map<std::string_view, std::string_view> cases = {
        {"${COMMIT:0}", "1adf998e39f647b4b25842f107c6ed9d30a3a7c7"},
        {"${COMMIT:7}", "e39f647b4b25842f107c6ed9d30a3a7c7"},
        {"${COMMIT: -7}", "0a3a7c7"},
        {"${COMMIT: -128}", "1adf998e39f647b4b25842f107c6ed9d30a3a7c7"},
        {"${COMMIT:128}", ""},
        {"${COMMIT:0:7}", "1adf998"},
        {"${COMMIT:7:7}", "e39f647"},
        {"${COMMIT:7:-7}", "e39f647b4b25842f107c6ed9d3"},
        {"${COMMIT:0:0}", ""},
        {"${COMMIT:7:0}", ""},
        {"${COMMIT:0:128}", "1adf998e39f647b4b25842f107c6ed9d30a3a7c7"},
        {"${COMMIT:7:128}", "e39f647b4b25842f107c6ed9d30a3a7c7"},
        {"${COMMIT:0:-128}", ""},
        {"${COMMIT:7:-128}", ""},
        {"${UNSET_COMMIT:0:7}", ""},
        {"${UNSET_COMMIT:7:14}", ""},
    };
    for (const auto& [line, expected] : cases) {
        EXPECT_EQ(substituted(line), expected) << line;
    }
}

TEST(SubstituteVariables, EscapesAndWhatIsLeftAlone) {
    EXPECT_EQ(substituted("Do this $$ESCAPE_PARTY"), "Do this $ESCAPE_PARTY");
    EXPECT_EQ(substituted("Do this \\$ESCAPE_PARTY"), "Do this $ESCAPE_PARTY");
    EXPECT_EQ(substituted("Do this $${SUCH_ESCAPE}"), "Do this ${SUCH_ESCAPE}");
    EXPECT_EQ(substituted("Do this \\${SUCH_ESCAPE}"), "Do this ${SUCH_ESCAPE}");
    EXPECT_EQ(substituted("a \\\\ b"), "a \\\\ b");
    EXPECT_EQ(substituted("$(echo hello world)"), "$(echo hello world)");
    EXPECT_EQ(substituted("$("), "$(");
    EXPECT_EQ(substituted("costs 5$"), "costs 5$") << "a $ that ends the line stays";
    EXPECT_EQ(substituted("no variables at all \\ here"), "no variables at all \\ here");
}

TEST(SubstituteVariables, RefusalsSayWhatIsWrongWithWhichPart) {
    const auto quoted = [](std::string_view line) {
        const auto error = refusal(line);
        return std::string(line.substr(error.begin, error.end - error.begin));
    };
    EXPECT_EQ(quoted("$1 burgers"), "$1");
    EXPECT_EQ(quoted("$99bottles"), "$9");
    EXPECT_CONTAINS(refusal("$1 burgers").reason, "starting with a letter");
    EXPECT_EQ(quoted("Hello ${REQUIRED_VAR?}"), "${REQUIRED_VAR?}");
    EXPECT_CONTAINS(refusal("Hello ${REQUIRED_VAR?}").reason,
                    "needs the environment variable REQUIRED_VAR to be set (not set)");
    EXPECT_CONTAINS(refusal("Hello ${REQUIRED_VAR?y u no set me? :-{}").reason,
                    "(y u no set me? :-{)");
    EXPECT_CONTAINS(refusal("x ${UNCLOSED").reason, "has no closing '}'");
    EXPECT_CONTAINS(refusal("x ${NAME:-unclosed").reason, "has no closing '}'");
    EXPECT_CONTAINS(refusal("x ${NAME+word}").reason, "has '+' after the name");
    EXPECT_CONTAINS(refusal("x ${COMMIT:seven}").reason, "the offset");
    EXPECT_CONTAINS(refusal("x ${COMMIT:1:seven}").reason, "the length");
    EXPECT_CONTAINS(refusal("x ${COMMIT:?}").reason, "the offset")
        << "goose's library does not support ${NAME:?word}";
    EXPECT_CONTAINS(refusal("x ${_NAME}").reason, "starting with a letter");
    EXPECT_CONTAINS(refusal("x $\xC3\xA9t\xC3\xA9").reason, "not ASCII");
    EXPECT_CONTAINS(refusal("x $NAME\xC3\xA9").reason, "not ASCII");
    EXPECT_EQ(quoted("x ${\xC3\x84"
                     "B:-d}"),
              "${\xC3\x84")
        << "the whole character, not half";
    EXPECT_EQ(quoted("x $NAME\xE2\x82\xAC!"), "$NAME\xE2\x82\xAC");
    EXPECT_CONTAINS(refusal("bad \xFF byte").reason, "not UTF-8");
    EXPECT_CONTAINS(refusal("${UNSET?first} $1").reason, "starting with a letter")
        << "the whole line is read before anything is expanded, as goose does";
}

TEST(GooseStatements, FollowsGoosesBufferLineByLine) {
    GooseStatements goose;
    EXPECT_FALSE(goose.takes("-- a comment before any statement"));
    EXPECT_FALSE(goose.takes(""));
    EXPECT_TRUE(goose.takes("   ")) << "goose skips only an empty line, not a blank one";
    EXPECT_TRUE(goose.takes("CREATE TABLE t ("));
    goose.add("CREATE TABLE t (", 3);
    EXPECT_TRUE(goose.takes("  -- a comment inside the statement"));
    goose.add("  x", 4);
    goose.add(");  -- done", 5);
    EXPECT_FALSE(goose.takes("-- after it"));
    EXPECT_EQ(goose.unfinished_at_section_end(), 0);

    goose.add("SELECT ';'", 7);
    EXPECT_EQ(goose.unfinished_at_section_end(), 7) << "the ';' is in the string";
    goose.add("SELECT 1 -- ;", 8);
    EXPECT_EQ(goose.unfinished_at_section_end(), 8);
    goose.add("SELECT '--';", 9);
    EXPECT_EQ(goose.unfinished_at_section_end(), 0) << "'--' in quotes is not a comment";

    goose.statement_begin();
    goose.add("CREATE TRIGGER x AFTER INSERT ON t BEGIN", 10);
    goose.add("  SELECT 1;", 11);
    EXPECT_TRUE(goose.takes("-- inside the block"));
    goose.statement_end();
    EXPECT_FALSE(goose.takes("-- after the block"));
    EXPECT_EQ(goose.unfinished_at_section_end(), 0);
}

}  // namespace
}  // namespace belay
