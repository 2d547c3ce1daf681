// Whole-database copies with SQLite's online backup API.
#pragma once

#include <chrono>
#include <string>

#include "core/error.hpp"

namespace belay::sqlite {

class Database;

enum class CopyOutcome {
    done,
    busy,                // the destination stayed locked past the wait
    page_size_conflict,  // a WAL destination cannot take a different page size (SQLITE_READONLY)
    interrupted,         // SIGINT/SIGTERM between two steps: the destination was rolled back
    failed,
};

struct CopyStatus {
    CopyOutcome outcome = CopyOutcome::failed;
    std::string message;  // SQLite's words when not done
};

// Copies the whole of `source` into `destination`, replacing its content: one write
// transaction on the destination (atomic for its other connections, crash-safe through its
// journal) and, inside one read transaction on the source (unless the caller holds one), one
// consistent state of the source with no restart. The copy runs in steps; a cancellation
// request between two steps rolls the destination back (interrupted). sqlite3_backup_finish's
// result is checked: it carries the real outcome. A busy source or destination is retried until
// `busy_wait` has passed.
CopyStatus copy_all_pages(Database& source, Database& destination,
                          std::chrono::milliseconds busy_wait);

// copy_all_pages as a Result: busy maps to ErrorCode::busy, interrupted to
// ErrorCode::interrupted, anything else to step_failed; the message names both paths.
Result<void> copy_database(Database& source, Database& destination,
                           std::chrono::milliseconds busy_wait = std::chrono::seconds(5));

}  // namespace belay::sqlite
