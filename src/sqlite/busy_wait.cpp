#include "sqlite/busy_wait.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <thread>

#include "belay/cancellation.hpp"

namespace belay::sqlite {

namespace {

// SQLite's own sleeps between tries (sqliteDefaultBusyCallback): short at first, then 100 ms.
constexpr std::array<std::int64_t, 12> k_delays{1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};

// How long the first `tries` sleeps of the schedule take together.
std::int64_t slept_before(int tries) {
    std::int64_t total = 0;
    for (int i = 0; i < tries; ++i) {
        total += k_delays[std::min<std::size_t>(static_cast<std::size_t>(i), k_delays.size() - 1)];
    }
    return total;
}

int wait_while_busy(void* timeout_ms, int tries) {
    const auto timeout = static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(timeout_ms));
    if (cancellation_requested()) {
        return 0;
    }
    // After the schedule's end every try sleeps 100 ms: no need to add them up one by one.
    const int counted = std::min<int>(tries, static_cast<int>(k_delays.size()));
    const std::int64_t slept =
        slept_before(counted) + static_cast<std::int64_t>(tries - counted) * k_delays.back();
    if (slept >= timeout) {
        return 0;
    }
    const auto delay =
        k_delays[std::min<std::size_t>(static_cast<std::size_t>(tries), k_delays.size() - 1)];
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(delay, timeout - slept)));
    return cancellation_requested() ? 0 : 1;
}

}  // namespace

void set_busy_wait(sqlite3* db, std::chrono::milliseconds timeout) {
    if (timeout.count() <= 0) {
        sqlite3_busy_handler(db, nullptr, nullptr);
        return;
    }
    // The timeout travels as the handler's argument: no state to keep alive beside the handle.
    sqlite3_busy_handler(db, &wait_while_busy,
                         reinterpret_cast<void*>(static_cast<std::intptr_t>(timeout.count())));
}

}  // namespace belay::sqlite
