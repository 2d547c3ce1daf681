// The fast copy of a snapshot: the committed database assembled from the files SQLite reads,
// in large sequential chunks, hashed on a second thread as it is written.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/background_sha256.hpp"
#include "core/error.hpp"
#include "sqlite/page_copy.hpp"

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

// Writes the plan's pages in order to `destination` (an empty file open for writing) while the
// source's read transaction pins the snapshot, and lets `hasher` (following `destination`)
// read each chunk once it is written. With `source_fd` (a read-only descriptor of belay's own
// on the main file, or -1) the main file is copied inside the kernel (copy_file_range: no
// copy through user memory, which costs several times more on some machines); otherwise, or
// where the kernel cannot copy between the two files, through `source`'s own file handles.
// The WAL's pages and the header bytes are written over the copied ranges before the hasher
// may read them.
// Fails with snapshot_failed naming the path (a read or write error, a main file shorter than
// its page count in rollback-journal mode) or interrupted (a signal); the destination then holds
// a partial copy the caller removes.
Result<void> copy_raw(Database& source, int source_fd, int destination, const RawCopyPlan& plan,
                      const CopyProgress& progress, BackgroundSha256& hasher);

// A read-only descriptor of belay's own on the database file, for copy_raw. Closing it drops
// every POSIX lock this process holds on the file, SQLite's included: so it is never opened
// beside another connection of this process that holds locks (the engine's
// SnapshotRequest::beside_own_lock), and it is declared
// before the source Database so that it closes after that connection has.
class SourceDescriptor {
  public:
    SourceDescriptor() = default;
    ~SourceDescriptor();
    SourceDescriptor(const SourceDescriptor&) = delete;
    SourceDescriptor& operator=(const SourceDescriptor&) = delete;
    // Opens `path` read-only; -1 (and the copy goes through SQLite's handles) if it cannot.
    int open(const std::filesystem::path& path);

  private:
    int m_fd = -1;
};

}  // namespace belay::sqlite
