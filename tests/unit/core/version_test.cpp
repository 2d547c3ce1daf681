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

Version dotted(std::string_view text) {
    auto version = Version::parse_dotted(text);
    if (!version) {
        ADD_FAILURE() << "Version::parse_dotted rejected " << text;
        return *Version::parse("0");
    }
    return *version;
}

TEST(Version, DottedVersionsComparePartByPartAsNumbers) {
    EXPECT_GT(dotted("1.2.10"), dotted("1.2.9"));  // as text "1.2.10" < "1.2.9"
    EXPECT_LT(dotted("1.9"), dotted("1.10"));
    EXPECT_LT(dotted("1.5"), dotted("2"));
    EXPECT_GT(dotted("2"), dotted("1.999"));
    EXPECT_LT(dotted("1"), dotted("1.0.1"));
    EXPECT_GT(dotted("20240101.1"), dotted("20240101"));
}

TEST(Version, TrailingZeroPartsAndLeadingZerosChangeNothingAsInFlyway) {
    EXPECT_EQ(dotted("1"), dotted("1.0"));
    EXPECT_EQ(dotted("1.0.0"), dotted("001"));
    EXPECT_EQ(dotted("1.02"), dotted("1.2"));
    EXPECT_EQ(dotted("01.2.0").numeric(), "1.2");
    EXPECT_EQ(dotted("1.0").text(), "1.0");  // the spelling is kept
    EXPECT_TRUE(dotted("0.0").is_zero());
    EXPECT_EQ(dotted("10.0").numeric(), "10");
    EXPECT_EQ(dotted("1.10").numeric(), "1.10");
    EXPECT_EQ(compare_numeric_versions("1.10", "1.9"), std::strong_ordering::greater);
    EXPECT_EQ(compare_numeric_versions("12", "9"), std::strong_ordering::greater);
}

TEST(Version, DottedParsingTakesDigitsAndSingleDotsOnly) {
    EXPECT_EQ(dotted("0042").numeric(), "42");
    for (const std::string_view bad :
         {"", ".", "1.", ".1", "1..2", "1._2", "1_2", "1.a", "v1.2", "1.-2", "1 .2", "1,2"}) {
        EXPECT_FALSE(Version::parse_dotted(bad).has_value()) << "accepted '" << bad << "'";
    }
}

}  // namespace
}  // namespace belay
