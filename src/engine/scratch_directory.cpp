#include "engine/scratch_directory.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/durable_file.hpp"
#include "core/log.hpp"

namespace belay::engine {

namespace {

// Held (flock) by the run that owns the directory, for as long as it lives. A directory whose
// owner file nobody holds belongs to a run that was killed (kill -9 skips every destructor).
constexpr const char* k_owner_file = ".belay-owner";

// A run makes its owner file right after its directory: a directory without one that is older
// than this was left by a run killed in between (it holds nothing yet).
constexpr std::chrono::minutes k_ownerless_age{10};

// Removes what a run puts in its scratch directory (files only: the copy, its -journal/-wal/-shm,
// the owner file), then the directory if that left it empty. A subdirectory is nothing belay
// made: it, and so the directory, stay.
void remove_scratch(const std::filesystem::path& directory) {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end;
         it.increment(ec)) {
        struct stat info {};
        if (::lstat(it->path().c_str(), &info) == 0 && !S_ISDIR(info.st_mode)) {
            ::unlink(it->path().c_str());
        }
    }
    if (::rmdir(directory.c_str()) == 0) {
        logger()->info("removed {}, left by a run that was killed", directory.string());
    }
}

// Removes the directories `purpose`-XXXXXX under `base` that a killed run of this user left:
// those whose owner file can be locked, and those without an owner file older than
// k_ownerless_age (a younger one is being made right now).
void remove_abandoned(const std::filesystem::path& base, std::string_view purpose) {
    std::error_code ec;
    const auto prefix = std::string(purpose) + "-";
    for (std::filesystem::directory_iterator it(base, ec), end; !ec && it != end;
         it.increment(ec)) {
        const auto path = it->path();
        const auto name = path.filename().string();
        struct stat info {};
        if (!name.starts_with(prefix) || ::lstat(path.c_str(), &info) != 0 ||
            !S_ISDIR(info.st_mode) || info.st_uid != ::geteuid()) {
            continue;
        }
        const int fd =
            ::open((path / k_owner_file).c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            const bool no_owner = errno == ENOENT;
            const auto age = std::chrono::system_clock::now() -
                             std::chrono::system_clock::from_time_t(info.st_mtime);
            if (no_owner && age > k_ownerless_age) {
                remove_scratch(path);
            }
            continue;
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
            remove_scratch(path);
        }
        ::close(fd);
    }
}

}  // namespace

Result<ScratchDirectory> ScratchDirectory::create(std::string_view purpose) {
    std::error_code ec;
    auto base = std::filesystem::temp_directory_path(ec);
    if (ec) {
        base = "/tmp";
    }
    remove_abandoned(base, purpose);
    std::string pattern = (base / (std::string(purpose) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        return fail(base, ErrorCode::invalid_input,
                    "cannot create a scratch directory under {}: {}; set TMPDIR to a writable "
                    "directory",
                    base.string(), std::strerror(errno));
    }
    ScratchDirectory directory(pattern);
    const auto owner = directory.m_path / k_owner_file;
    directory.m_owner_fd =
        ::open(owner.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (directory.m_owner_fd < 0 || ::flock(directory.m_owner_fd, LOCK_EX) != 0) {
        return fail(owner, ErrorCode::invalid_input,
                    "cannot create {}: {}; set TMPDIR to a writable "
                    "directory",
                    owner.string(), std::strerror(errno));
    }
    return directory;
}

ScratchDirectory::ScratchDirectory(ScratchDirectory&& other) noexcept
    : m_path(std::move(other.m_path)), m_owner_fd(std::exchange(other.m_owner_fd, -1)) {
    other.m_path.clear();
}

ScratchDirectory::~ScratchDirectory() {
    if (!m_path.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    if (m_owner_fd >= 0) {
        ::close(m_owner_fd);
    }
}

Result<void> check_room_for_copy(const std::filesystem::path& database,
                                 const std::filesystem::path& scratch) {
    std::error_code ec;
    auto needed = std::filesystem::file_size(database, ec);
    needed = ec ? 0 : needed;
    const auto wal = std::filesystem::file_size(database.string() + "-wal", ec);
    needed += ec ? 0 : wal;
    auto available = available_space(scratch);
    BELAY_TRY(available);
    needed += 1024 * 1024;  // margin for the copy's own bookkeeping
    if (*available < needed) {
        return fail(scratch, ErrorCode::invalid_input,
                    "not enough room in {} for the dry run's copy of {}: it needs about {} bytes "
                    "and {} are free. Free some space or point TMPDIR elsewhere",
                    scratch.string(), database.string(), needed, *available);
    }
    return {};
}

}  // namespace belay::engine
