// Substring assertions for messages, outputs and file names, shared by every test suite:
//
//   EXPECT_CONTAINS(result.err, "lock timeout (200 ms)");
//   EXPECT_NOT_CONTAINS(name, ".tmp-") << "in " << dir;
//   ASSERT_CONTAINS(result.err, "belay db restore");  // ends the test when absent
//
// A failure shows both expressions, the needle quoted (escapes visible, so a stray "\n" shows)
// and the whole haystack as it is, line breaks and all, since it is usually a message or an
// output a reader wants to see whole. More context can be streamed in, as with EXPECT_EQ.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include <gtest/gtest.h>

namespace belay::testing {

namespace expect_detail {

// The text of a haystack or needle: anything std::string can be made from (std::string,
// string_view, a C string, a path), or a single character.
template <typename Text>
std::string as_text(const Text& value) {
    if constexpr (std::is_same_v<Text, char>) {
        return std::string(1, value);
    } else if constexpr (requires { value.text(); }) {
        return value.text();  // a belay::Message, in the library's words
    } else {
        return std::string(value);
    }
}

inline ::testing::AssertionResult substring_check(bool want_found, const char* haystack_expr,
                                                  const char* needle_expr,
                                                  const std::string& haystack,
                                                  const std::string& needle) {
    const auto at = haystack.find(needle);
    if ((at != std::string::npos) == want_found) {
        return ::testing::AssertionSuccess();
    }
    auto failure = ::testing::AssertionFailure();
    failure << "Expected: " << haystack_expr << (want_found ? " contains " : " does not contain ")
            << needle_expr << "\n";
    const auto quoted = ::testing::PrintToString(needle);
    if (quoted != needle_expr) {
        failure << "   which is " << quoted << "\n";
    }
    failure << "  Actual: ";
    if (want_found) {
        failure << "not found";
    } else {
        failure << "found at offset " << at;
    }
    failure << " in " << haystack_expr << " (" << haystack.size() << " bytes):\n"
            << haystack << (haystack.ends_with('\n') ? "" : "\n") << "[end of " << haystack_expr
            << "]";
    return failure;
}

}  // namespace expect_detail

// Predicate-formatters for EXPECT_PRED_FORMAT2; the macros below are the way to use them.
template <typename Haystack, typename Needle>
::testing::AssertionResult text_contains(const char* haystack_expr, const char* needle_expr,
                                         const Haystack& haystack, const Needle& needle) {
    return expect_detail::substring_check(true, haystack_expr, needle_expr,
                                          expect_detail::as_text(haystack),
                                          expect_detail::as_text(needle));
}

template <typename Haystack, typename Needle>
::testing::AssertionResult text_lacks(const char* haystack_expr, const char* needle_expr,
                                      const Haystack& haystack, const Needle& needle) {
    return expect_detail::substring_check(false, haystack_expr, needle_expr,
                                          expect_detail::as_text(haystack),
                                          expect_detail::as_text(needle));
}

}  // namespace belay::testing

#define EXPECT_CONTAINS(haystack, needle) \
    EXPECT_PRED_FORMAT2(::belay::testing::text_contains, haystack, needle)
#define EXPECT_NOT_CONTAINS(haystack, needle) \
    EXPECT_PRED_FORMAT2(::belay::testing::text_lacks, haystack, needle)
// The same, ending the test on failure (when what follows would make no sense without it).
#define ASSERT_CONTAINS(haystack, needle) \
    ASSERT_PRED_FORMAT2(::belay::testing::text_contains, haystack, needle)
#define ASSERT_NOT_CONTAINS(haystack, needle) \
    ASSERT_PRED_FORMAT2(::belay::testing::text_lacks, haystack, needle)
