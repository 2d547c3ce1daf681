// Process-wide cancellation: the CLI's signal handlers request it, the engine and the SQLite
// progress/busy handlers poll it. Async-signal-safe (a lock-free atomic).
#pragma once

namespace belay {

// Records that `signal_number` (SIGINT, SIGTERM, ...) asked belay to stop. Async-signal-safe.
void request_cancellation(int signal_number) noexcept;

// The signal that requested cancellation, or 0 when none did.
int cancellation_signal() noexcept;

inline bool cancellation_requested() noexcept {
    return cancellation_signal() != 0;
}

// For tests and for library callers that run several operations in one process.
void reset_cancellation() noexcept;

}  // namespace belay
