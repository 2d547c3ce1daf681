// The fast copy of a snapshot: the committed database assembled from the files SQLite reads,
// in large sequential chunks, hashed on a second thread as it is written.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "sqlite/snapshot.hpp"

namespace belay::sqlite {

class Database;

// What one raw copy reads: `page_count` pages of the main file, each page that has a frame in
// `wal_frames` ((page, frame), sorted by page, the latest frame of the snapshot per page)
// taken from the WAL instead.
struct RawCopyPlan {
    std::int64_t page_count = 0;
    std::int64_t page_size = 0;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> wal_frames;
    // A WAL database: the copy's header says rollback journal instead (bytes 18 and 19 = 1, what
    // PRAGMA journal_mode = DELETE writes), so that it opens on its own without -wal or -shm.
    bool wal = false;
};

// Writes the plan's pages in order to `destination` (an empty file open for writing), reading
// them through `source`'s own file handles while its read transaction pins the snapshot, and
// returns the SHA-256 of the bytes written.
// Fails with snapshot_failed naming the path (a read or write error, a main file shorter than
// its page count in rollback-journal mode) or interrupted (a signal); the destination then holds
// a partial copy the caller removes.
Result<std::string> copy_raw_hashing(Database& source, int destination, const RawCopyPlan& plan,
                                     const CopyProgress& progress);

}  // namespace belay::sqlite
