#include "belay/utf8.hpp"

#include <gtest/gtest.h>

namespace belay {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("registry.db"));
    EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80.db"));  // é € 😀
    EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));                              // U+10FFFF
}

TEST(Utf8, RefusesWhatAJsonWriterRefuses) {
    EXPECT_FALSE(is_valid_utf8("bad\xff.db"));
    EXPECT_FALSE(is_valid_utf8("\xfe"));
    EXPECT_FALSE(is_valid_utf8("\xc3"));              // cut short
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // a surrogate
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\x80"));              // a continuation byte alone
}

TEST(Utf8, EscapesOnlyTheBytesThatAreNotUtf8) {
    EXPECT_EQ(escape_invalid_utf8("bad\xff.db"), "bad\\xff.db");
    EXPECT_EQ(escape_invalid_utf8("caf\xc3\xa9\xc3"), "caf\xc3\xa9\\xc3");
    EXPECT_EQ(escape_invalid_utf8("\xed\xa0\x80"), "\\xed\\xa0\\x80");
    EXPECT_EQ(escape_invalid_utf8("plain"), "plain");
    EXPECT_TRUE(is_valid_utf8(escape_invalid_utf8("0002_b\xfe.sql")));
}

}  // namespace
}  // namespace belay
