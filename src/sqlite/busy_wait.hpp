// How belay's connections wait for a lock another connection holds: SQLite's own schedule of
// short sleeps, up to the lock timeout, but given up at once when a signal asked belay to stop
// (belay/cancellation.hpp), so that Ctrl-C never waits out a long --lock-timeout.
#pragma once

#include <chrono>

struct sqlite3;

namespace belay::sqlite {

// Installs the wait on `db` as its busy handler: SQLITE_BUSY comes back once `timeout` has been
// slept through, or as soon as cancellation is requested (then error_code_for_sqlite reads the
// BUSY as interrupted). A timeout of 0 waits not at all.
void set_busy_wait(sqlite3* db, std::chrono::milliseconds timeout);

}  // namespace belay::sqlite
