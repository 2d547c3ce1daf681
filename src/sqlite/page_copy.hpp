// A snapshot's copy through SQLite's backup API: page by page through the pager, the way that
// works whatever the journal mode and the VFS (the raw copy, raw_copy.hpp, is the fast way).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

#include "core/error.hpp"

namespace belay::sqlite {

class Database;

// Called after each chunk: (bytes copied so far, bytes in all, bytes per page).
using CopyProgress = std::function<void(std::int64_t, std::int64_t, std::int64_t)>;

// Copies every page of `source` into `destination`, an empty file that exists (the caller
// creates it, exclusively), inside the read transaction `source` has open, so the copy never
// restarts. The copy has no journal
// while it is written and says rollback journal (DELETE) in its header, so it opens on its own
// even when `source` is in WAL mode. `progress` (may be empty) follows each step.
// Fails with SQLite's reason (the OS's, with what to do, when the destination cannot be
// written) or interrupted (a signal between two steps); the destination then holds a partial
// copy the caller removes.
Result<void> copy_with_backup_api(Database& source, const std::filesystem::path& destination,
                                  const CopyProgress& progress, std::int64_t page_size);

}  // namespace belay::sqlite
