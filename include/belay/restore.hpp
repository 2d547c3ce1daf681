// `belay db restore`: put a verified backup back in place of the live database.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "belay/error.hpp"
#include "belay/options.hpp"

namespace belay {

struct RestoreOptions {
    DatabaseOptions db;
    std::optional<std::filesystem::path> backup;  // a backup file, or empty with latest
    bool latest = false;                          // the newest intact backup of this database
    bool assume_yes = false;                      // --yes
    // A backup whose sidecar names another database as its source is restored with assume_yes
    // only when this is set too (otherwise refused); a confirm question names both databases.
    bool from_other_database = false;
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
    // -wal, -shm or -journal files of an unreadable database, or left beside a database file
    // that no longer exists: moved aside (SQLite would replay a stale -wal or -journal into the
    // restored file), kept, never deleted.
    std::vector<std::filesystem::path> orphans_moved_aside;
    // A WAL database whose page size differs from the backup's: the backup was first copied with
    // the database's page size (the database stays in WAL mode and keeps its page size).
    bool converted_page_size = false;
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

// The words of the refusal to restore another database's backup with assume_yes alone (so that
// a front end can add how to allow it).
inline constexpr std::string_view k_other_database_backup = "is a backup of another database";

// Restores a backup into `options.db.database`, which holds a complete database at every
// instant (kill -9 and a full disk included): the old one or the restored one, never none and
// never a part. A symlink is followed: its target gets the backup, and the run lock is the
// target's. A path that is a directory, FIFO, socket or device is refused (invalid_input) before
// anything is opened.
//
// Verifies the backup first (a corrupt or tampered one, or one without its sidecar, is refused
// with ErrorCode::refused, nothing touched); asks for confirmation (refused without a confirm
// function unless assume_yes; another database's backup with assume_yes only when
// from_other_database); takes the run lock and removes what a killed restore left beside the
// database; then:
// - a readable database: a safety snapshot (none for a 0-byte file), then the backup copied in
//   with the backup API in one transaction, keeping its journal mode (a WAL database whose page
//   size differs gets the backup copied with its page size first), owner and mode bits;
// - an unreadable one: the backup written completely under a temporary name, the old file kept
//   as `<stem>-corrupt-YYYYMMDD-HHMMSS.db` (a hard link) with its -wal/-shm/-journal, then the
//   copy renamed over the path;
// - none: the same without an old file (stray -wal/-shm/-journal files are moved aside).
// Fails with invalid_input when no backup is given, the file does not exist or `latest` finds no
// intact one; snapshot_failed when the safety snapshot cannot be taken (nothing replaced); busy
// when another process keeps the database locked past the lock timeout; interrupted;
// step_failed when the copy fails (the path holds the database as it was; the message names
// every file involved).
Result<RestoreReport> run_restore(const RestoreOptions& options);

}  // namespace belay
