// `db backup`, `db backups` and `db prune`: taking, finding and thinning out backups.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <vector>

#include "core/backup_metadata.hpp"
#include "engine/options.hpp"
#include "sqlite/snapshot.hpp"

namespace belay {

struct BackupOptions {
    DatabaseOptions db;
    std::optional<std::filesystem::path> out;  // --out
    bool verify = true;                        // false: --no-verify
    std::string reason = std::string(k_reason_manual);
    BackupProgress progress;
};

// Takes an on-demand snapshot of an existing database (see sqlite::take_snapshot). Fails with
// invalid_input when the database does not exist, snapshot_failed/busy/interrupted otherwise.
Result<sqlite::Snapshot> run_backup(const BackupOptions& options);

// A snapshot taken while this process's own connection to the database is open (and may hold
// its write lock), so the copy reaches the file only through SQLite: the one before a run or a
// history edit. `reason` is a k_reason_* value or "before <edit>"; `version` the database's.
struct RunSnapshot {
    std::filesystem::path path;
    std::string restore_command;  // the command that puts this snapshot back
};
Result<RunSnapshot> snapshot_beside_own_connection(const DatabaseOptions& db, std::string reason,
                                                   std::string version,
                                                   const BackupProgress& progress = {});

struct BackupEntry {
    std::filesystem::path path;  // the .bak file
    BackupMetadata metadata;     // from its sidecar
    // Filled by verification: empty when intact, else what is wrong. Unset when not checked.
    std::optional<std::vector<std::string>> problems;
};

// This database's backups in its backup directory, newest first: every `*.bak` whose sidecar
// names this database (by canonical path) as its source. Sidecars that cannot be parsed are
// skipped with a warning. With `verify`, each one is checked (SHA-256 and integrity).
Result<std::vector<BackupEntry>> list_backups(const DatabaseOptions& options, bool verify);

// Verifies `entries` (newest first, as list_backups returns them) in order until one is intact,
// filling each checked entry's problems. Returns that entry's index, std::nullopt when none is.
std::optional<std::size_t> find_newest_intact(std::vector<BackupEntry>& entries);

struct PruneOptions {
    DatabaseOptions db;
    std::optional<int> keep;       // keep the newest N (default 10 when neither is given)
    std::optional<int> keep_days;  // keep those younger than D days
    bool dry_run = false;
};

struct PruneReport {
    std::vector<BackupEntry> removed;  // (or would be, with dry_run)
    std::vector<BackupEntry> kept;
    std::uintmax_t bytes_freed = 0;
    int abandoned_removed = 0;  // temporaries and sidecars a killed belay left behind
};

inline constexpr int k_default_keep = 10;

// Removes this database's backups (with their sidecars) beyond the newest `keep` and older
// than `keep_days`: a backup survives when either rule keeps it. Never removes the newest
// backup that verifies intact. Files of other databases are never touched.
Result<PruneReport> run_prune(const PruneOptions& options,
                              std::chrono::system_clock::time_point now);

}  // namespace belay
