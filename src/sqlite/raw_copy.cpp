#include "sqlite/raw_copy.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "belay/cancellation.hpp"
#include "core/background_sha256.hpp"
#include "sqlite/database.hpp"
#include "sqlite/wal_snapshot.hpp"

namespace belay::sqlite {

namespace {

// A multiple of every page size (512 to 65536 bytes), so no page straddles two chunks.
constexpr std::size_t k_chunk_size = std::size_t{1} << 20;

// Writes all of `data` at `offset` (a short write is retried; the error after it is the real
// one).
Result<void> write_all(int fd, const char* data, std::size_t size, std::int64_t offset) {
    std::size_t written = 0;
    while (written < size) {
        const auto n = ::pwrite(fd, data + written, size - written,
                                offset + static_cast<std::int64_t>(written));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return std::unexpected(
                error_of(ErrorCode::snapshot_failed, std::strerror(n < 0 ? errno : EIO)));
        }
        written += static_cast<std::size_t>(n);
    }
    return {};
}

std::unexpected<Error> write_failed(const Database& source, std::string_view reason) {
    return fail(ErrorCode::snapshot_failed,
                "writing the backup of {} failed: {}; free some space (or raise the file size "
                "limit), or choose {}",
                source.path().string(), reason, Option::backup_dir);
}

// write_all into the backup, its failure worded for the user.
Result<void> write_backup(const Database& source, int fd, const char* data, std::size_t size,
                          std::int64_t offset) {
    auto ok = write_all(fd, data, size, offset);
    return ok ? ok : write_failed(source, ok.error().message);
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

// copy_file_range's errors that mean "not between these two files": copy through memory.
bool kernel_copy_unsupported(int error) {
    return error == EXDEV || error == EINVAL || error == ENOSYS || error == EOPNOTSUPP ||
           error == EBADF;
}

// Copies [offset, offset + size) of the main file to the same range of the destination inside
// the kernel, and returns how many bytes were there before the main file ended, or the errno
// value copy_file_range failed with.
std::expected<std::int64_t, int> copy_in_kernel(int source_fd, int destination, std::int64_t offset,
                                                std::int64_t size) {
    loff_t in = offset;
    loff_t out = offset;
    while (in < offset + size) {
        const auto n = ::copy_file_range(source_fd, &in, destination, &out,
                                         static_cast<std::size_t>(offset + size - in), 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return std::unexpected(errno);
        }
        if (n == 0) {
            break;  // the end of the main file: the rest is in the WAL, or zeros
        }
    }
    return in - offset;
}

// The chunk at `offset` (`size` bytes) copied in the kernel, with the WAL's newer pages and the
// header written over it. False when copy_file_range cannot copy between these files.
Result<bool> copy_chunk_in_kernel(Database& source, int source_fd, int destination,
                                  const RawCopyPlan& plan, std::int64_t offset, std::int64_t size,
                                  std::size_t& next_frame) {
    auto copied = copy_in_kernel(source_fd, destination, offset, size);
    if (!copied) {
        if (kernel_copy_unsupported(copied.error())) {
            return false;
        }
        return write_failed(source, std::strerror(copied.error()));
    }
    const auto page_size = static_cast<std::size_t>(plan.page_size);
    std::vector<char> page(page_size);
    if (*copied < size) {  // pages past the main file's end read as zeros, as in the pager
        const std::vector<char> zeros(static_cast<std::size_t>(size - *copied));
        BELAY_TRY(write_backup(source, destination, zeros.data(), zeros.size(), offset + *copied));
    }
    const auto end_page = (offset + size) / plan.page_size + 1;
    for (; next_frame < plan.wal_frames.size(); ++next_frame) {
        const auto [number, frame] = plan.wal_frames[next_frame];
        if (static_cast<std::int64_t>(number) >= end_page) {
            break;
        }
        auto ok = read_wal_frame_page(source, frame, page);
        ok = ok ? write_backup(source, destination, page.data(), page_size,
                               static_cast<std::int64_t>(number - 1) * plan.page_size)
                : ok;
        BELAY_TRY(ok);
    }
    if (offset == 0 && plan.wal) {
        // File format write and read versions: rollback journal.
        BELAY_TRY(write_backup(source, destination, "\x01\x01", 2, 18));
    }
    return true;
}

// The chunk at `offset` read into `buffer` through SQLite's handles, patched, and written.
Result<void> copy_chunk_through_memory(Database& source, int destination, const RawCopyPlan& plan,
                                       std::int64_t offset, std::span<char> buffer,
                                       std::size_t& next_frame) {
    if (auto ok = read_chunk(source, plan, offset, buffer, next_frame); !ok) {
        return ok;
    }
    return write_backup(source, destination, buffer.data(), buffer.size(), offset);
}

Result<void> check_main_file_size(Database& source, const RawCopyPlan& plan) {
    auto size = main_file_size(source);
    BELAY_TRY(size);
    // In WAL mode pages past the main file's end may be in the WAL (or read as zeros, as the
    // pager reads them); in rollback-journal mode the main file is the whole database.
    if (!plan.wal && *size < plan.page_count * plan.page_size) {
        return fail(source.path(), ErrorCode::snapshot_failed,
                    "copying {} failed: the file is shorter than its page count",
                    source.path().string());
    }
    return {};
}

}  // namespace

Result<void> copy_raw(Database& source, int source_fd, int destination, const RawCopyPlan& plan,
                      const CopyProgress& progress, BackgroundSha256& hasher) {
    if (auto ok = check_main_file_size(source, plan); !ok) {
        return ok;
    }
    const auto total = plan.page_count * plan.page_size;
    std::vector<char> buffer(k_chunk_size);
    std::size_t next_frame = 0;
    bool in_kernel = source_fd >= 0;
    for (std::int64_t done = 0; done < total;) {
        const auto size = std::min<std::int64_t>(total - done, k_chunk_size);
        const auto frame_before = next_frame;
        auto copied = in_kernel ? copy_chunk_in_kernel(source, source_fd, destination, plan, done,
                                                       size, next_frame)
                                : Result<bool>(false);
        if (copied && !*copied) {
            in_kernel = false;  // not between these files: through memory from here on
            next_frame = frame_before;
            auto ok = copy_chunk_through_memory(
                source, destination, plan, done,
                std::span(buffer).first(static_cast<std::size_t>(size)), next_frame);
            copied = ok ? Result<bool>(true) : std::unexpected(ok.error());
        }
        BELAY_TRY(copied);
        done += size;
        hasher.advance(done);
        if (progress) {
            progress(done, total, plan.page_size);
        }
        if (cancellation_requested()) {
            return fail(ErrorCode::interrupted, "the backup of {} was interrupted by a signal",
                        source.path().string());
        }
    }
    return {};
}

SourceDescriptor::~SourceDescriptor() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

int SourceDescriptor::open(const std::filesystem::path& path) {
    if (m_fd < 0) {
        m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    }
    return m_fd;
}

}  // namespace belay::sqlite
