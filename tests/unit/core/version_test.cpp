#include "belay/version.hpp"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

namespace belay {
namespace {

Version v(std::string_view text) {
    auto version = Version::parse(text);
    if (!version) {
        ADD_FAILURE() << "Version::parse rejected " << text;
        return *Version::parse("0");
    }
    return *version;
}

TEST(Version, KeepsTheSpellingAndStripsLeadingZerosForComparison) {
    const Version version = v("0042");
    EXPECT_EQ(version.text(), "0042");
    EXPECT_EQ(version.numeric(), "42");
    EXPECT_FALSE(version.is_zero());
}

TEST(Version, AllZerosIsZero) {
    EXPECT_EQ(v("0000").numeric(), "0");
    EXPECT_TRUE(v("0000").is_zero());
    EXPECT_TRUE(v("0").is_zero());
}

TEST(Version, LeadingZerosDoNotChangeTheNumber) {
    EXPECT_EQ(v("0001"), v("1"));
    EXPECT_EQ(v("0001") <=> v("1"), std::strong_ordering::equal);
    EXPECT_EQ(v("000"), v("0"));
}

TEST(Version, OrdersAsNumbersNotAsText) {
    EXPECT_LT(v("2"), v("10"));  // as text "10" < "2"
    EXPECT_LT(v("0009"), v("10"));
    EXPECT_GT(v("0100"), v("99"));
    EXPECT_LT(v("0001"), v("0002"));
}

TEST(Version, OrdersTwentyDigitVersionsBeyondInt64) {
    // INT64_MAX is 9223372036854775807 (19 digits); these overflow it.
    const Version big = v("20150100000001000000");
    const Version bigger = v("20150100000001000001");
    const Version int64_max = v("9223372036854775807");
    EXPECT_LT(big, bigger);
    EXPECT_GT(big, int64_max);
    EXPECT_LT(v("18446744073709551615"), v("18446744073709551616"));  // around UINT64_MAX
    EXPECT_EQ(v("000020150100000001000000"), big);
}

TEST(Version, OrdersTimestampsAfterSequentialNumbers) {
    std::vector<Version> versions = {v("20240101123456"), v("0002"), v("1"), v("20231231235959"),
                                     v("010")};
    std::ranges::sort(versions);
    std::vector<std::string> texts;
    for (const Version& version : versions) {
        texts.push_back(version.text());
    }
    EXPECT_EQ(texts,
              (std::vector<std::string>{"1", "0002", "010", "20231231235959", "20240101123456"}));
}

TEST(Version, RejectsAnythingButAsciiDigits) {
    for (const std::string_view bad : {"", "1a", "a1", "-1", "+1", " 1", "1 ", "1.5", "1_2", "0x10",
                                       "\xD9\xA1" /* Arabic 1 */}) {
        EXPECT_FALSE(Version::parse(bad).has_value()) << "accepted '" << bad << "'";
    }
}

}  // namespace
}  // namespace belay
