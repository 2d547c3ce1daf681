// `belay db restore`: put a verified backup back in place of the live database.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "belay/error.hpp"
#include "belay/options.hpp"

namespace belay {

struct RestoreOptions {
    DatabaseOptions db;
    std::optional<std::filesystem::path> backup;  // a backup file, or empty with latest
    bool latest = false;                          // the newest intact backup of this database
    bool assume_yes = false;                      // --yes
    // Asks the operator on a terminal; empty when there is none (then assume_yes is required).
    std::function<bool(const std::string& question)> confirm;
    BackupProgress progress;
};

struct RestoreReport {
    std::filesystem::path backup;                          // what was restored
    std::string version_before = "0";                      // of the live database, "-" unknown
    std::string version_after = "0";                       // after the restore
    std::optional<std::filesystem::path> safety_snapshot;  // backup of the replaced state
    std::optional<std::filesystem::path> moved_aside;      // an unreadable database, kept
    // -wal, -shm or -journal files left beside a database file that no longer exists: moved
    // aside (SQLite would replay a stale -wal into the restored file), kept, never deleted.
    std::vector<std::filesystem::path> orphans_moved_aside;
    bool used_fallback = false;  // journal mode switched around the copy (page size in WAL)
    // Where the time went, in milliseconds: verifying the chosen backup, checking that the
    // current database is readable (integrity_check), the safety snapshot (0 when none), and
    // copying the backup into place.
    struct Timings {
        std::int64_t verify_backup_ms = 0;
        std::int64_t check_current_ms = 0;
        std::int64_t safety_snapshot_ms = 0;
        std::int64_t copy_ms = 0;
    } timings;
};

// Verifies the backup first (a corrupt or tampered one, or one without its sidecar, is refused
// with ErrorCode::refused, nothing touched); asks for confirmation (refused without a confirm
// function unless assume_yes); takes the run lock;
// takes a safety snapshot of the current database (or moves an unreadable one aside as
// `<stem>-corrupt-YYYYMMDD-HHMMSS.db`); then copies the backup into the live database with the
// backup API in one transaction, keeping its journal mode, owner and mode bits. Fails with
// invalid_input when no backup is given, the file does not exist or `latest` finds no intact
// one; snapshot_failed when the safety snapshot cannot be taken (nothing replaced); busy when
// another process keeps the database locked past the lock timeout; interrupted; step_failed
// when the copy fails (rolled back: the database is as it was).
Result<RestoreReport> run_restore(const RestoreOptions& options);

}  // namespace belay
