// UTC wall-clock times as text. fmt 9 formats a system_clock time_point in local time, so
// every timestamp belay writes goes through here.
#pragma once

#include <chrono>
#include <string>

namespace belay {

// `when` in UTC, formatted with strftime's `pattern` (e.g. "%Y%m%d-%H%M%S").
std::string format_utc(std::chrono::system_clock::time_point when, const char* pattern);

// `when` as ISO-8601 UTC with a trailing Z, e.g. 2026-11-23T10:15:00Z.
std::string iso8601_utc(std::chrono::system_clock::time_point when);

}  // namespace belay
