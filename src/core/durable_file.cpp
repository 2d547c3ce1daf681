#include "core/durable_file.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

namespace belay {

namespace {

std::unexpected<Error> os_error(std::string_view what, const std::filesystem::path& path,
                                int error) {
    return fail(ErrorCode::invalid_input, "cannot {} {}: {}", what, path.string(),
                std::strerror(error));
}

}  // namespace

std::filesystem::path temporary_sibling(const std::filesystem::path& path) {
    static thread_local std::mt19937_64 generator{std::random_device{}()};
    auto result = path;
    result += fmt::format(".tmp-{:016x}", generator());
    return result;
}

Result<FileOwnership> ownership_of(const std::filesystem::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        return os_error("stat", path, errno);
    }
    return FileOwnership{static_cast<mode_t>(info.st_mode & 07777), info.st_uid, info.st_gid};
}

Result<int> create_exclusive(const std::filesystem::path& path, const FileOwnership& ownership) {
    const int fd =
        ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, ownership.mode);
    if (fd < 0) {
        return os_error("create", path, errno);
    }
    // open() applies the umask; fchmod sets exactly the database's bits. Either way the file
    // is never more readable than the final mode.
    bool ok = ::fchmod(fd, ownership.mode) == 0;
    if (ok && ::geteuid() == 0 && ownership.uid != static_cast<uid_t>(-1)) {
        ok = ::fchown(fd, ownership.uid, ownership.gid) == 0;
    }
    if (!ok) {
        const int error = errno;
        ::close(fd);
        ::unlink(path.c_str());
        return os_error("set the owner and mode of", path, error);
    }
    return fd;
}

Result<HeldTemporary> HeldTemporary::create(const std::filesystem::path& path,
                                            const FileOwnership& ownership) {
    auto fd = create_exclusive(path, ownership);
    if (!fd) {
        return std::unexpected(fd.error());
    }
    if (::flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        ::close(*fd);
        ::unlink(path.c_str());
        return os_error("lock", path, error);
    }
    return HeldTemporary(*fd);
}

HeldTemporary::HeldTemporary(HeldTemporary&& other) noexcept : m_fd(other.m_fd) {
    other.m_fd = -1;
}

HeldTemporary::~HeldTemporary() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

std::optional<std::string> final_name_of_temporary(std::string_view name) {
    constexpr std::string_view k_marker = ".tmp-";
    constexpr std::size_t k_digits = 16;
    if (name.size() <= k_marker.size() + k_digits) {
        return std::nullopt;
    }
    const auto marker = name.size() - k_digits - k_marker.size();
    const auto digits = name.substr(marker + k_marker.size());
    if (name.substr(marker, k_marker.size()) != k_marker ||
        !std::ranges::all_of(digits, [](char c) { return std::isxdigit(c) && !std::isupper(c); })) {
        return std::nullopt;
    }
    return std::string(name.substr(0, marker));
}

namespace {

// The files SQLite keeps beside a database it has open: a temporary that a connection opened
// (to verify it, or because its header said WAL) may have them.
constexpr std::string_view k_companions[] = {"-journal", "-wal", "-shm"};

void remove_companions(const std::filesystem::path& file) {
    for (const auto suffix : k_companions) {
        ::unlink((file.string() + std::string(suffix)).c_str());
    }
}

// "x.bak.tmp-...-wal" -> "x.bak.tmp-..."; std::nullopt for a name without such a suffix.
std::optional<std::string_view> companion_of(std::string_view name) {
    for (const auto suffix : k_companions) {
        if (name.ends_with(suffix)) {
            return name.substr(0, name.size() - suffix.size());
        }
    }
    return std::nullopt;
}

}  // namespace

int remove_abandoned_temporaries(const std::filesystem::path& directory,
                                 const std::function<bool(std::string_view)>& is_ours) {
    int removed = 0;
    std::error_code ec;
    const auto where = directory.empty() ? std::filesystem::path(".") : directory;
    std::vector<std::filesystem::path> companions;
    for (const auto& entry : std::filesystem::directory_iterator(where, ec)) {
        const auto name = entry.path().filename().string();
        if (const auto base = companion_of(name)) {
            const auto of = final_name_of_temporary(*base);
            if (of && is_ours(*of)) {
                companions.push_back(entry.path());
            }
            continue;
        }
        const auto final_name = final_name_of_temporary(name);
        if (!final_name || !is_ours(*final_name)) {
            continue;
        }
        // O_NONBLOCK: a FIFO under a temporary's name must not block the open (nor be removed).
        const int fd = ::open(entry.path().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
            continue;
        }
        struct stat status {};
        // A writer holds its temporary with flock until it is renamed or removed.
        if (::fstat(fd, &status) == 0 && S_ISREG(status.st_mode) &&
            ::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::unlink(entry.path().c_str()) == 0) {
            remove_companions(entry.path());
            ++removed;
        }
        ::close(fd);
    }
    // A companion whose temporary is gone (a kill between the two unlinks) goes too; one whose
    // temporary is still there belongs to a live writer, which holds it.
    for (const auto& companion : companions) {
        const auto name = companion.filename().string();
        const auto base = companion_of(name);
        if (!std::filesystem::exists(companion.parent_path() / std::string(*base), ec)) {
            ::unlink(companion.c_str());
        }
    }
    return removed;
}

bool has_live_temporary(const std::filesystem::path& directory, std::string_view final_name) {
    std::error_code ec;
    const auto where = directory.empty() ? std::filesystem::path(".") : directory;
    for (const auto& entry : std::filesystem::directory_iterator(where, ec)) {
        if (final_name_of_temporary(entry.path().filename().string()) != final_name) {
            continue;
        }
        const int fd = ::open(entry.path().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
            continue;
        }
        const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
        ::close(fd);
        if (held) {
            return true;
        }
    }
    return false;
}

Result<void> sync_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return os_error("open", path, errno);
    }
    const bool ok = ::fsync(fd) == 0;
    const int error = errno;
    ::close(fd);
    return ok ? Result<void>() : os_error("flush to disk", path, error);
}

BackgroundFlush::BackgroundFlush(int fd, std::filesystem::path path)
    : m_path(std::move(path)),
      m_errno(std::async(std::launch::async, [fd] { return ::fsync(fd) == 0 ? 0 : errno; })) {}

Result<void> BackgroundFlush::wait() {
    const int error = m_errno.get();
    return error == 0 ? Result<void>() : os_error("flush to disk", m_path, error);
}

Result<void> sync_directory(const std::filesystem::path& directory) {
    const auto target = directory.empty() ? std::filesystem::path(".") : directory;
    const int fd = ::open(target.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return os_error("open directory", target, errno);
    }
    const bool ok = ::fsync(fd) == 0;
    const int error = errno;
    ::close(fd);
    return ok ? Result<void>() : os_error("flush directory", target, error);
}

Result<void> rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
        return {};
    }
    if (errno != EINVAL && errno != ENOSYS) {
        return os_error("rename " + from.string() + " to", to, errno);
    }
    // No RENAME_NOREPLACE on this filesystem: link() also refuses an existing target.
    if (::link(from.c_str(), to.c_str()) != 0) {
        return os_error("link " + from.string() + " to", to, errno);
    }
    ::unlink(from.c_str());
    return {};
}

Result<void> link_no_replace(const std::filesystem::path& from, const std::filesystem::path& to) {
    if (::link(from.c_str(), to.c_str()) != 0) {
        return os_error("link " + from.string() + " to", to, errno);
    }
    return {};
}

std::filesystem::path follow_symlinks(const std::filesystem::path& path) {
    constexpr int k_max_links = 40;  // Linux's own limit (ELOOP)
    auto current = path;
    for (int hops = 0; hops < k_max_links; ++hops) {
        std::error_code ec;
        if (!std::filesystem::is_symlink(std::filesystem::symlink_status(current, ec))) {
            return current;
        }
        const auto target = std::filesystem::read_symlink(current, ec);
        if (ec) {
            return current;
        }
        current =
            (target.is_absolute() ? target : current.parent_path() / target).lexically_normal();
    }
    return current;
}

Result<void> write_new_file_durably(const std::filesystem::path& path, std::string_view contents,
                                    const FileOwnership& ownership, ExistingFile existing) {
    const auto temporary = temporary_sibling(path);
    auto held = HeldTemporary::create(temporary, ownership);
    if (!held) {
        return std::unexpected(held.error());
    }
    const int fd = held->fd();
    std::size_t written = 0;
    while (written < contents.size()) {
        const auto n = ::write(fd, contents.data() + written, contents.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        written += static_cast<std::size_t>(n);
    }
    const bool ok = written == contents.size() && ::fsync(fd) == 0;
    const int error = errno;
    if (!ok) {
        ::unlink(temporary.c_str());
        return os_error("write", temporary, error);
    }
    if (existing == ExistingFile::replace) {
        if (::rename(temporary.c_str(), path.c_str()) != 0) {
            const int rename_error = errno;
            ::unlink(temporary.c_str());
            return os_error("replace", path, rename_error);
        }
    } else if (auto renamed = rename_no_replace(temporary, path); !renamed) {
        ::unlink(temporary.c_str());
        return renamed;
    }
    return sync_directory(path.parent_path());
}

Result<std::uintmax_t> available_space(const std::filesystem::path& directory) {
    std::error_code ec;
    const auto info = std::filesystem::space(directory.empty() ? "." : directory, ec);
    if (ec) {
        return fail(ErrorCode::invalid_input, "cannot tell the free space in {}: {}",
                    directory.string(), ec.message());
    }
    return info.available;
}

}  // namespace belay
