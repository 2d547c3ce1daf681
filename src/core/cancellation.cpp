#include "belay/cancellation.hpp"

#include <atomic>

namespace belay {

namespace {
std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "signal handlers need a lock-free atomic");
}  // namespace

void request_cancellation(int signal_number) noexcept {
    g_signal.store(signal_number, std::memory_order_relaxed);
}

int cancellation_signal() noexcept {
    return g_signal.load(std::memory_order_relaxed);
}

void reset_cancellation() noexcept {
    g_signal.store(0, std::memory_order_relaxed);
}

}  // namespace belay
