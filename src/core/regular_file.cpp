#include "core/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace belay {

namespace {

std::string kind_of_mode(mode_t mode) {
    if (S_ISREG(mode)) {
        return {};
    }
    if (S_ISFIFO(mode)) {
        return "a FIFO";
    }
    if (S_ISDIR(mode)) {
        return "a directory";
    }
    if (S_ISLNK(mode)) {
        return "a symbolic link";
    }
    if (S_ISSOCK(mode)) {
        return "a socket";
    }
    return "a device";
}

Error not_regular(const std::filesystem::path& path, const std::string& kind) {
    return about(path,
                 error_of(ErrorCode::invalid_input,
                          fmt::format("{} is {}, not a regular file: belay reads only regular "
                                      "files as backups and sidecars, and left it alone",
                                      path.string(), kind)));
}

}  // namespace

Result<RegularFile> RegularFile::open(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP) {  // O_NOFOLLOW met a symlink at the name
            return std::unexpected(not_regular(path, "a symbolic link"));
        }
        return fail(path, ErrorCode::invalid_input, "cannot open {}: {}", path.string(),
                    std::strerror(errno));
    }
    RegularFile file(fd, path);
    struct stat status {};
    if (::fstat(fd, &status) != 0) {
        return fail(path, ErrorCode::invalid_input, "cannot tell what {} is: {}", path.string(),
                    std::strerror(errno));
    }
    if (!S_ISREG(status.st_mode)) {
        return std::unexpected(not_regular(path, kind_of_mode(status.st_mode)));
    }
    // Reads of a regular file never block anyway; clear the flag so they behave as usual.
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        return fail(path, ErrorCode::invalid_input, "cannot read {}: {}", path.string(),
                    std::strerror(errno));
    }
    return file;
}

RegularFile::RegularFile(RegularFile&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)), m_path(std::move(other.m_path)) {}

RegularFile& RegularFile::operator=(RegularFile&& other) noexcept {
    if (this != &other) {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = std::exchange(other.m_fd, -1);
        m_path = std::move(other.m_path);
    }
    return *this;
}

RegularFile::~RegularFile() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

Result<std::string> RegularFile::read_all(std::uintmax_t limit) const {
    std::string text;
    char buffer[65536];
    for (;;) {
        const auto count = ::read(m_fd, buffer, sizeof buffer);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            return fail(m_path, ErrorCode::invalid_input, "cannot read {}: {}", m_path.string(),
                        std::strerror(errno));
        }
        if (count == 0) {
            return text;
        }
        text.append(buffer, static_cast<std::size_t>(count));
        if (text.size() > limit) {
            return fail(m_path, ErrorCode::invalid_input, "{} holds more than {} bytes",
                        m_path.string(), limit);
        }
    }
}

std::string non_regular_kind(const std::filesystem::path& path) {
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0) {
        return {};
    }
    return kind_of_mode(status.st_mode);
}

}  // namespace belay
