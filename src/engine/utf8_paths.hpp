// The paths belay writes into JSON must be UTF-8: a backup's sidecar records its database's
// full path as "source" (how listing, prune and restore know whose backup it is), and every
// report names the database and its backups.
#pragma once

#include <filesystem>

#include "belay/options.hpp"
#include "core/error.hpp"

namespace belay::engine {

// Refuses (invalid_input), before anything is opened or created, a database path that is not
// valid UTF-8, as given or as the full path a sidecar records (the current directory or a
// symlink's target may hold the bad bytes), and such a backup_dir. The message names the path
// with its bad bytes escaped (\xNN) and says to rename it.
Result<void> refuse_non_utf8_paths(const DatabaseOptions& options);

// The same for the exact path a backup is written to (BackupOptions::out), as given: reports
// name it.
Result<void> refuse_non_utf8_out(const std::filesystem::path& out);

// The same for the backup a restore is given (RestoreOptions::backup), as given or as its full
// path (a symlink's target is what is restored and reported).
Result<void> refuse_non_utf8_backup(const std::filesystem::path& backup);

}  // namespace belay::engine
