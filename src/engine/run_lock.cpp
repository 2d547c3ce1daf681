#include "engine/run_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "belay/cancellation.hpp"
#include "core/durable_file.hpp"

namespace belay::engine {

std::filesystem::path run_lock_path(const std::filesystem::path& database) {
    auto path = follow_symlinks(database);
    path += ".belay-lock";
    return path;
}

namespace {

// Why the run lock file could not be opened, and what to do about it.
Error lock_file_error(const std::filesystem::path& path, int error) {
    const auto directory =
        path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    std::string advice;
    switch (error) {
        case ENOENT:
            advice = fmt::format("the directory {} does not exist; check the database path",
                                 directory.string());
            break;
        case ELOOP:
            advice =
                "it is a symlink, and belay never opens its run lock through one; remove it "
                "(belay creates the file itself)";
            break;
        case EISDIR:
            advice = "it is a directory; remove it (belay creates the file itself)";
            break;
        case EACCES:
        case EPERM:
        case EROFS:
            advice = fmt::format("{}; check that you may write in {}", std::strerror(error),
                                 directory.string());
            break;
        default:
            advice = std::strerror(error);
    }
    // A directory that does not exist is what the error is about, as Database::open says.
    return about(error == ENOENT ? directory : path,
                 error_of(ErrorCode::invalid_input,
                          fmt::format("cannot open the run lock {}: {}. Nothing was changed",
                                      path.string(), advice)));
}

}  // namespace

Result<RunLock> RunLock::acquire(const std::filesystem::path& database,
                                 std::chrono::milliseconds timeout) {
    auto path = run_lock_path(database);
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        return std::unexpected(lock_file_error(path, errno));
    }
    const auto give_up_at = std::chrono::steady_clock::now() + timeout;
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            const int error = errno;
            ::close(fd);
            return fail(path, ErrorCode::invalid_input, "cannot lock {}: {}", path.string(),
                        std::strerror(error));
        }
        if (cancellation_requested()) {
            ::close(fd);
            return fail(ErrorCode::interrupted, "interrupted while waiting for the run lock {}",
                        path.string());
        }
        if (std::chrono::steady_clock::now() >= give_up_at) {
            ::close(fd);
            return fail(ErrorCode::busy,
                        "another belay run holds {} (waited {} ms); wait for it to finish or "
                        "raise {}",
                        path.string(), timeout.count(), Option::lock_timeout);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return RunLock(fd, std::move(path));
}

RunLock::RunLock(RunLock&& other) noexcept : m_fd(other.m_fd), m_path(std::move(other.m_path)) {
    other.m_fd = -1;
}

RunLock::~RunLock() {
    if (m_fd >= 0) {
        ::flock(m_fd, LOCK_UN);
        ::close(m_fd);
    }
}

}  // namespace belay::engine
