#include "core/utc_time.hpp"

#include <time.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace belay {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

// Sets TZ for the test's duration (POSIX zone strings need no tzdata).
class ScopedTimeZone {
  public:
    explicit ScopedTimeZone(const char* zone) {
        if (const char* old = std::getenv("TZ")) {
            m_old = old;
        }
        ::setenv("TZ", zone, 1);
        ::tzset();
    }
    ~ScopedTimeZone() {
        if (m_old) {
            ::setenv("TZ", m_old->c_str(), 1);
        } else {
            ::unsetenv("TZ");
        }
        ::tzset();
    }
    ScopedTimeZone(const ScopedTimeZone&) = delete;
    ScopedTimeZone& operator=(const ScopedTimeZone&) = delete;

  private:
    std::optional<std::string> m_old;
};

// 2026-11-23 10:15:00 UTC.
system_clock::time_point example_time() {
    return sys_days{year{2026} / November / 23} + 10h + 15min;
}

// 2026-12-31 23:59:59 UTC: already next year east of Greenwich, still this year west of it.
system_clock::time_point new_years_eve() {
    return sys_days{year{2026} / December / 31} + 23h + 59min + 59s;
}

TEST(FormatUtc, FormatsAFixedTimePointExactly) {
    EXPECT_EQ(format_utc(example_time(), "%Y%m%d-%H%M%S"), "20261123-101500");
    EXPECT_EQ(iso8601_utc(example_time()), "2026-11-23T10:15:00Z");
    EXPECT_EQ(iso8601_utc(sys_days{year{1970} / January / 1}), "1970-01-01T00:00:00Z");
}

TEST(FormatUtc, DropsFractionsOfASecond) {
    EXPECT_EQ(iso8601_utc(example_time() + 999ms), "2026-11-23T10:15:00Z");
    EXPECT_EQ(iso8601_utc(example_time() + 1000ms), "2026-11-23T10:15:01Z");
}

TEST(FormatUtc, IgnoresTheLocalTimeZone) {
    for (const char* zone : {"UTC0", "EST5", "JST-9", "NPT-5:45"}) {
        ScopedTimeZone tz(zone);
        EXPECT_EQ(format_utc(example_time(), "%Y%m%d-%H%M%S"), "20261123-101500") << zone;
        EXPECT_EQ(iso8601_utc(example_time()), "2026-11-23T10:15:00Z") << zone;
        EXPECT_EQ(iso8601_utc(new_years_eve()), "2026-12-31T23:59:59Z") << zone;
    }
}

}  // namespace
}  // namespace belay
