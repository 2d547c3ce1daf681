#include "sqlite/raw_copy.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>

#include "core/background_sha256.hpp"
#include "core/cancellation.hpp"
#include "sqlite/database.hpp"
#include "sqlite/wal_snapshot.hpp"

namespace belay::sqlite {

namespace {

// A multiple of every page size (512 to 65536 bytes), so no page straddles two chunks.
constexpr std::size_t k_chunk_size = std::size_t{1} << 20;
// Enough for the copy to run ahead of the hasher through one slow write.
constexpr std::size_t k_chunks_in_flight = 4;

// Writes all of `data` (a short write is retried; the error after it is the real one).
Result<void> write_all(int fd, const char* data, std::size_t size) {
    std::size_t written = 0;
    while (written < size) {
        const auto n = ::write(fd, data + written, size - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return std::unexpected(
                Error{ErrorCode::snapshot_failed, std::strerror(n < 0 ? errno : EIO)});
        }
        written += static_cast<std::size_t>(n);
    }
    return {};
}

// Replaces, in `chunk` (the pages from `first_page` on), every page the WAL holds a newer
// image of. `next` walks plan.wal_frames in step with the chunks.
Result<void> overlay_wal_pages(Database& source, const RawCopyPlan& plan, std::int64_t first_page,
                               std::span<char> chunk, std::size_t& next) {
    const auto page_size = static_cast<std::size_t>(plan.page_size);
    const auto end_page = first_page + static_cast<std::int64_t>(chunk.size() / page_size);
    for (; next < plan.wal_frames.size(); ++next) {
        const auto [page, frame] = plan.wal_frames[next];
        if (static_cast<std::int64_t>(page) >= end_page) {
            break;
        }
        const auto at = static_cast<std::size_t>(page - first_page) * page_size;
        if (auto ok = read_wal_frame_page(source, frame, chunk.subspan(at, page_size)); !ok) {
            return ok;
        }
    }
    return {};
}

// Fills `chunk` with the snapshot's bytes from `offset` on.
Result<void> read_chunk(Database& source, const RawCopyPlan& plan, std::int64_t offset,
                        std::span<char> chunk, std::size_t& next_frame) {
    if (auto ok = read_main_file(source, offset, chunk); !ok) {
        return ok;
    }
    // Page numbers start at 1: the chunk at `offset` begins with page offset / page_size + 1.
    if (auto ok = overlay_wal_pages(source, plan, offset / plan.page_size + 1, chunk, next_frame);
        !ok) {
        return ok;
    }
    if (offset == 0 && plan.wal) {
        chunk[18] = 1;  // file format write version: rollback journal
        chunk[19] = 1;  // file format read version: rollback journal
    }
    return {};
}

Result<void> check_main_file_size(Database& source, const RawCopyPlan& plan) {
    auto size = main_file_size(source);
    if (!size) {
        return std::unexpected(size.error());
    }
    // In WAL mode pages past the main file's end may be in the WAL (or read as zeros, as the
    // pager reads them); in rollback-journal mode the main file is the whole database.
    if (!plan.wal && *size < plan.page_count * plan.page_size) {
        return fail(ErrorCode::snapshot_failed,
                    "copying {} failed: the file is shorter than its page count",
                    source.path().string());
    }
    return {};
}

}  // namespace

Result<std::string> copy_raw_hashing(Database& source, int destination, const RawCopyPlan& plan,
                                     const CopyProgress& progress) {
    if (auto ok = check_main_file_size(source, plan); !ok) {
        return std::unexpected(ok.error());
    }
    const auto total = plan.page_count * plan.page_size;
    BackgroundSha256 hasher(k_chunk_size, k_chunks_in_flight);
    std::size_t next_frame = 0;
    for (std::int64_t done = 0; done < total;) {
        auto chunk = hasher.acquire().first(
            static_cast<std::size_t>(std::min<std::int64_t>(total - done, k_chunk_size)));
        if (auto ok = read_chunk(source, plan, done, chunk, next_frame); !ok) {
            return std::unexpected(ok.error());
        }
        if (auto ok = write_all(destination, chunk.data(), chunk.size()); !ok) {
            return fail(ErrorCode::snapshot_failed,
                        "writing the backup of {} failed: {}; free some space (or raise the file "
                        "size limit), or choose --backup-dir",
                        source.path().string(), ok.error().message);
        }
        hasher.submit(chunk.size());
        done += static_cast<std::int64_t>(chunk.size());
        if (progress) {
            progress(done, total, plan.page_size);
        }
        if (cancellation_requested()) {
            return fail(ErrorCode::interrupted, "the backup of {} was interrupted by a signal",
                        source.path().string());
        }
    }
    return hasher.finish_hex();
}

}  // namespace belay::sqlite
