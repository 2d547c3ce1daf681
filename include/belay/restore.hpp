// `belay db restore`: put a verified backup back in place of the live database.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "belay/error.hpp"
#include "belay/message.hpp"
#include "belay/options.hpp"

namespace belay {

struct RestoreOptions {
    DatabaseOptions db;
    std::optional<std::filesystem::path> backup;  // a backup file, or empty with latest
    bool latest = false;                          // the newest intact backup of this database
    bool assume_yes = false;                      // replace without asking
    // A backup whose sidecar names another database as its source is restored with assume_yes
    // only when this is set too (otherwise refused); a confirm question names both databases.
    bool from_other_database = false;
    // Asks the operator on a terminal; empty when there is none (then assume_yes is required).
    std::function<bool(const Message& question)> confirm;
    BackupProgress progress;
};

struct RestoreReport {
    std::filesystem::path backup;  // what was restored
    // The version of the database the restore replaced, "0" when there was none or it had no
    // belay history; unset when belay could not tell: the file was unreadable (and moved
    // aside), its history table under belay's name is another tool's, or reading it failed.
    std::optional<std::string> version_before = "0";
    // After the restore; unset when it could not be read then (the restore stands; reason logged),
    // "-" when the restored file's history table under belay's name is another tool's (the
    // version a backup's sidecar records then).
    std::optional<std::string> version_after = "0";
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

}  // namespace belay
