// Where a snapshot goes and how it gets there: its name (`<stem>-YYYYMMDD-HHMMSS.bak`, the next
// free `-<n>` in the same second, or an exact --out path), the checks of its directory and of
// the room there, the temporary it is written in, and its placement beside its sidecar. No file
// or symlink is ever overwritten.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>

#include "belay/backup.hpp"
#include "core/durable_file.hpp"
#include "core/error.hpp"

namespace belay::engine {

struct SnapshotRequest;

// Removes a snapshot's temporary file (and the -journal SQLite may have made beside it) unless
// released: nothing of a failed snapshot stays.
class SnapshotTemporary {
  public:
    explicit SnapshotTemporary(std::filesystem::path path) : m_path(std::move(path)) {}
    ~SnapshotTemporary();
    SnapshotTemporary(const SnapshotTemporary&) = delete;
    SnapshotTemporary& operator=(const SnapshotTemporary&) = delete;
    void release() { m_path.clear(); }
    void moved_to(std::filesystem::path path) { m_path = std::move(path); }

  private:
    std::filesystem::path m_path;
};

// Removes what killed runs left of snapshots of this request's database (or of its exact
// output path) in the directory the snapshot goes to; temporaries a live run holds stay.
void remove_abandoned_snapshot_temporaries(const SnapshotRequest& request);

// The final path of a snapshot taken at `now`: request.out, or the first free dated name in
// request.directory. Fails with snapshot_failed when request.out (or its sidecar) exists, or
// when no name of that second is free.
Result<std::filesystem::path> choose_final_path(const SnapshotRequest& request,
                                                std::chrono::system_clock::time_point now);

// Checks that `directory` exists (belay never creates one), is a directory and is writable for
// this user; `exact_path` when it is the directory of request.out. Fails with snapshot_failed
// saying what to do.
Result<void> check_target_directory(const std::filesystem::path& directory, bool exact_path);

// Checks that `directory` has room for a copy of `bytes` bytes of `request.database`, with a
// margin. Fails with snapshot_failed giving both numbers and what to do.
Result<void> check_room(const std::filesystem::path& directory, const SnapshotRequest& request,
                        std::uintmax_t bytes);

// Writes the sidecar of the sealed copy in `temporary` and renames the copy to `final_path`;
// when the name was chosen automatically and another backup took it meanwhile (two runs in the
// same second), to the next free one. Returns the path it got. Fails with snapshot_failed when
// request.out was taken meanwhile or no name is left; nothing of this attempt then stays under a
// final name (`remover` removes the temporary, wherever it was renamed to).
Result<std::filesystem::path> place_with_free_name(
    std::filesystem::path temporary, SnapshotTemporary& remover, std::filesystem::path final_path,
    const SnapshotRequest& request, const BackupMetadata& metadata, const FileOwnership& ownership,
    std::chrono::system_clock::time_point now);

}  // namespace belay::engine
