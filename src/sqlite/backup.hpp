// Whole-database copies with SQLite's online backup API.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/error.hpp"

struct sqlite3;
struct sqlite3_backup;

namespace belay::sqlite {

class Database;

// What one Backup::step did.
enum class BackupStep {
    more,    // pages copied; more remain
    done,    // every page copied and the destination's transaction committed
    busy,    // a lock was not to be had (SQLITE_BUSY or SQLITE_LOCKED): step again later
    failed,  // the copy cannot go on; finish() reports why
};

// RAII over one sqlite3_backup: a copy of the source's main database over the destination's.
// From the first step to the end the destination holds one write transaction; finishing before
// BackupStep::done rolls it back. The destructor finishes a backup not finished yet and
// discards the outcome; call finish() to learn it: SQLite keeps a failed step's error until
// then, and reports it there (and on the destination connection).
class Backup {
  public:
    // Starts a backup of `source` into `destination` (their "main" databases); both connections
    // must stay open until it is finished (SQLite's rule). Fails when SQLite refuses (the
    // destination has a read transaction open, both are one connection, ...) with the
    // destination connection's error ("<destination>: cannot start the backup: ..."), which that
    // connection also keeps.
    static Result<Backup> start(Database& source, Database& destination);

    Backup(Backup&& other) noexcept;
    Backup& operator=(Backup&&) = delete;
    ~Backup();

    // Copies up to `pages` more pages (a negative number: all that remain). Stepping a finished
    // backup is a broken invariant (std::logic_error).
    BackupStep step(int pages);
    // The source's pages, and those not copied yet, as of the last step (0 before the first).
    std::int64_t page_count() const { return m_page_count; }
    std::int64_t remaining() const { return m_remaining; }

    // Ends the backup: sqlite3_backup_finish, once (later calls succeed and do nothing). Fails
    // when the last step failed or stopped at a lock, or when finishing fails, with
    // error_code_for_sqlite's code and SQLite's words; for an I/O error, followed by the OS's
    // reason in parentheses ("disk I/O error (No space left on device)").
    Result<void> finish();
    // The SQLite primary result code of the last step, or of finish() once it ran (SQLITE_OK
    // when it succeeded), to tell failures apart (sqlite3.h values).
    int result_code() const { return m_result_code; }
    // The OS's errno behind a failed finish() with SQLITE_IOERR; 0 otherwise.
    int os_error() const { return m_os_error; }

  private:
    struct Finisher {
        void operator()(sqlite3_backup* backup) const;
    };
    Backup(sqlite3_backup* backup, sqlite3* destination);

    std::unique_ptr<sqlite3_backup, Finisher> m_backup;  // null once finished
    sqlite3* m_destination;  // where SQLite reports a failed backup (and the OS's errno)
    std::int64_t m_page_count = 0;
    std::int64_t m_remaining = 0;
    int m_result_code = 0;  // SQLITE_OK
    int m_os_error = 0;
};

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
