// Durations as belay's reports and logs count them.
#pragma once

#include <chrono>
#include <cstdint>

namespace belay {

// Whole milliseconds (rounded down) from `start` to now, on the steady clock: a step of the
// wall clock never makes a duration negative or long.
inline std::int64_t milliseconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start)
        .count();
}

}  // namespace belay
