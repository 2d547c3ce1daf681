#include "core/utc_time.hpp"

#include <ctime>

namespace belay {

std::string format_utc(std::chrono::system_clock::time_point when, const char* pattern) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
    std::tm parts{};
    ::gmtime_r(&seconds, &parts);
    char buffer[64];
    const auto size = std::strftime(buffer, sizeof buffer, pattern, &parts);
    return std::string(buffer, size);
}

std::string iso8601_utc(std::chrono::system_clock::time_point when) {
    return format_utc(when, "%Y-%m-%dT%H:%M:%SZ");
}

}  // namespace belay
