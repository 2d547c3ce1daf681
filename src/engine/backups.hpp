// `db backup`, `db backups` and `db prune`: taking, finding and thinning out backups.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <vector>

#include "belay/options.hpp"
#include "core/backup_metadata.hpp"
#include "sqlite/snapshot.hpp"

namespace belay {

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

}  // namespace belay
