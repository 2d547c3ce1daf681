// `db create` in a Drizzle migrations folder: what `drizzle-kit generate --custom` writes.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "belay/error.hpp"

namespace belay::engine {

// Writes the next migration of the Drizzle folder `folder` and returns the files written, in
// order: "<NNNN>_<name>.sql" (NNNN the next idx; with `timestamp`, the UTC time as drizzle-kit's
// "timestamp" prefix writes it) holding a comment line; drizzle-kit's snapshot for it,
// "meta/<NNNN>_snapshot.json", when the folder has snapshots (the newest one with a new id);
// and meta/_journal.json with the entry appended, its "when" `now` in milliseconds, or one more
// than the newest entry's when that is not older (Drizzle would skip an entry older than an
// applied one). A folder without a journal gets a new one (and meta/) unless it holds .sql
// files. The journal is replaced atomically (temporary file, fsync, rename) after the other files
// are written; if anything fails, the files written are removed and the journal is as it was.
// Fails with invalid_input when the folder does not load (load_drizzle_folder's problems) or a
// file exists already.
Result<std::vector<std::filesystem::path>> create_drizzle_migration(
    const std::filesystem::path& folder, const std::string& name, bool timestamp,
    std::chrono::system_clock::time_point now);

}  // namespace belay::engine
