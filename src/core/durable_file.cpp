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
#include <utility>
#include <vector>

namespace belay {

namespace {

std::unexpected<Error> os_error(std::string_view what, const std::filesystem::path& path,
                                int error) {
    return fail(path, ErrorCode::invalid_input, "cannot {} {}: {}", what, path.string(),
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

namespace {

// open() applies the umask; fchmod sets exactly the database's bits. Either way the file is
// never more readable than the final mode. Fails with errno set.
bool apply_ownership(int fd, const FileOwnership& ownership) {
    bool ok = ::fchmod(fd, ownership.mode) == 0;
    if (ok && ::geteuid() == 0 && ownership.uid != static_cast<uid_t>(-1)) {
        ok = ::fchown(fd, ownership.uid, ownership.gid) == 0;
    }
    return ok;
}

}  // namespace

Result<int> create_exclusive(const std::filesystem::path& path, const FileOwnership& ownership) {
    const int fd =
        ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, ownership.mode);
    if (fd < 0) {
        return os_error("create", path, errno);
    }
    if (!apply_ownership(fd, ownership)) {
        const int error = errno;
        ::close(fd);
        ::unlink(path.c_str());
        return os_error("set the owner and mode of", path, error);
    }
    return fd;
}

namespace {

// The file created without a name (O_TMPFILE), locked, and only then linked at `path`, so that
// it is never seen unlocked. std::nullopt where the filesystem (or a missing /proc) does not
// allow it: the caller creates and locks it the ordinary way.
std::optional<Result<int>> create_locked_unnamed(const std::filesystem::path& path,
                                                 const FileOwnership& ownership) {
    const auto parent =
        path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    const int fd = ::open(parent.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, ownership.mode);
    if (fd < 0) {
        return std::nullopt;
    }
    if (!apply_ownership(fd, ownership) || ::flock(fd, LOCK_EX) != 0) {
        ::close(fd);
        return std::nullopt;
    }
    const auto self = fmt::format("/proc/self/fd/{}", fd);
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW) != 0) {
        const int error = errno;
        ::close(fd);
        if (error == EEXIST) {
            return std::optional<Result<int>>(os_error("create", path, error));
        }
        return std::nullopt;
    }
    return std::optional<Result<int>>(fd);
}

}  // namespace

Result<HeldTemporary> HeldTemporary::create(const std::filesystem::path& path,
                                            const FileOwnership& ownership) {
    if (auto unnamed = create_locked_unnamed(path, ownership)) {
        if (!*unnamed) {
            return std::unexpected(unnamed->error());
        }
        return HeldTemporary(**unnamed);
    }
    auto fd = create_exclusive(path, ownership);
    BELAY_TRY(fd);
    return hold(*fd, path, ownership);
}

namespace {

// Whether `path` names the file open as `fd` (not removed, nor replaced, since it was opened).
bool still_named(int fd, const std::filesystem::path& path) {
    struct stat open_file {};
    struct stat named {};
    return ::fstat(fd, &open_file) == 0 && ::lstat(path.c_str(), &named) == 0 &&
           open_file.st_dev == named.st_dev && open_file.st_ino == named.st_ino;
}

}  // namespace

Result<HeldTemporary> HeldTemporary::hold(int fd, const std::filesystem::path& path,
                                          const FileOwnership& ownership) {
    // A sweep that removed the file between create and flock would have to do so again at every
    // attempt; a handful is plenty, and the bound keeps this finite whatever happens.
    constexpr int k_attempts = 16;
    for (int attempt = 1;; ++attempt) {
        // Blocking: a sweep holds the lock only to unlink, and a liveness check only to look.
        int locked = ::flock(fd, LOCK_EX);
        while (locked != 0 && errno == EINTR) {
            locked = ::flock(fd, LOCK_EX);
        }
        if (locked != 0) {
            const int error = errno;
            ::close(fd);
            ::unlink(path.c_str());
            return os_error("lock", path, error);
        }
        if (still_named(fd, path)) {
            return HeldTemporary(fd);
        }
        // A sweep took it for abandoned and removed it before the lock was ours: a new one.
        ::close(fd);
        if (attempt == k_attempts) {
            return fail(path, ErrorCode::invalid_input,
                        "cannot hold {}: another process removed it {} times as it was created",
                        path.string(), attempt);
        }
        auto again = create_exclusive(path, ownership);
        BELAY_TRY(again);
        fd = *again;
    }
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

namespace {

// Removes the temporary at `path` (and its companions) when no live process holds it.
bool remove_if_abandoned(const std::filesystem::path& path) {
    // O_NONBLOCK: a FIFO under a temporary's name must not block the open (nor be removed).
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        return false;
    }
    struct stat status {};
    // A writer holds its temporary with flock until it is renamed or removed.
    const bool removed = ::fstat(fd, &status) == 0 && S_ISREG(status.st_mode) &&
                         ::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::unlink(path.c_str()) == 0;
    if (removed) {
        remove_companions(path);
    }
    ::close(fd);
    return removed;
}

int remove_abandoned_among(const std::filesystem::path& where,
                           const std::vector<std::string>& names,
                           const std::function<bool(std::string_view)>& is_ours) {
    int removed = 0;
    std::vector<std::filesystem::path> companions;
    for (const std::string& name : names) {
        if (const auto base = companion_of(name)) {
            const auto of = final_name_of_temporary(*base);
            if (of && is_ours(*of)) {
                companions.push_back(where / name);
            }
            continue;
        }
        const auto final_name = final_name_of_temporary(name);
        if (final_name && is_ours(*final_name) && remove_if_abandoned(where / name)) {
            ++removed;
        }
    }
    // A companion whose temporary is gone (a kill between the two unlinks) goes too; one whose
    // temporary is still there belongs to a live writer, which holds it.
    std::error_code ec;
    for (const auto& companion : companions) {
        const auto name = companion.filename().string();
        const auto base = companion_of(name);
        if (!std::filesystem::exists(companion.parent_path() / std::string(*base), ec)) {
            ::unlink(companion.c_str());
        }
    }
    return removed;
}

std::filesystem::path directory_or_here(const std::filesystem::path& directory) {
    return directory.empty() ? std::filesystem::path(".") : directory;
}

}  // namespace

std::vector<std::string> list_temporaries(const std::filesystem::path& directory) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry :
         std::filesystem::directory_iterator(directory_or_here(directory), ec)) {
        if (auto name = entry.path().filename().string(); is_temporary_name(name)) {
            names.push_back(std::move(name));
        }
    }
    return names;
}

int remove_abandoned_temporaries(const std::filesystem::path& directory,
                                 const std::function<bool(std::string_view)>& is_ours) {
    return remove_abandoned_among(directory_or_here(directory), list_temporaries(directory),
                                  is_ours);
}

int remove_abandoned_temporaries(const std::filesystem::path& directory,
                                 const std::function<bool(std::string_view)>& is_ours,
                                 const std::vector<std::string>& names) {
    return remove_abandoned_among(directory_or_here(directory), names, is_ours);
}

bool is_temporary_name(std::string_view name) {
    const auto base = companion_of(name).value_or(name);
    return final_name_of_temporary(base).has_value();
}

bool has_live_temporary(const std::filesystem::path& directory, std::string_view final_name,
                        const std::vector<std::string>& names) {
    const auto where = directory_or_here(directory);
    for (const auto& name : names) {
        if (final_name_of_temporary(name) != final_name) {
            continue;
        }
        const auto path = where / name;
        const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
            if (errno == EACCES || errno == EPERM) {
                return true;  // cannot tell: better a leftover sidecar than a lost one
            }
            continue;  // renamed into place or removed since the listing, or no file at all
        }
        const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
        ::close(fd);
        if (held) {
            return true;
        }
    }
    return false;
}

bool has_live_temporary(const std::filesystem::path& directory, std::string_view final_name) {
    return has_live_temporary(directory, final_name, list_temporaries(directory));
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

namespace {

// rename_no_replace's work: 0, or the errno of the failed call, and which call failed.
std::pair<int, const char*> rename_no_replace_errno(const std::filesystem::path& from,
                                                    const std::filesystem::path& to) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
        return {0, "rename"};
    }
    if (errno != EINVAL && errno != ENOSYS) {
        return {errno, "rename"};
    }
    // No RENAME_NOREPLACE on this filesystem: link() also refuses an existing target.
    if (::link(from.c_str(), to.c_str()) != 0) {
        return {errno, "link"};
    }
    ::unlink(from.c_str());
    return {0, "link"};
}

}  // namespace

Result<void> rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to) {
    const auto [error, call] = rename_no_replace_errno(from, to);
    if (error != 0) {
        return os_error(std::string(call) + " " + from.string() + " to", to, error);
    }
    return {};
}

Result<bool> rename_unless_taken(const std::filesystem::path& from,
                                 const std::filesystem::path& to) {
    const auto [error, call] = rename_no_replace_errno(from, to);
    if (error == EEXIST) {
        return false;
    }
    if (error != 0) {
        return os_error(std::string(call) + " " + from.string() + " to", to, error);
    }
    return true;
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

namespace {

// `contents` written and flushed to a held temporary beside `path`, ready to be renamed.
struct WrittenTemporary {
    std::filesystem::path path;
    HeldTemporary held;  // the lock stays until the rename (or the removal) is done
};

Result<WrittenTemporary> write_temporary(const std::filesystem::path& path,
                                         std::string_view contents,
                                         const FileOwnership& ownership) {
    auto temporary = temporary_sibling(path);
    auto held = HeldTemporary::create(temporary, ownership);
    if (!held) {
        // The caller asked for `path`: the temporary beside it is belay's business.
        auto error = held.error();
        for (auto at = error.message.find(temporary.native()); at != std::string::npos;
             at = error.message.find(temporary.native(), at)) {
            error.message.replace(at, temporary.native().size(), path.native());
        }
        error.said = Message(error.message);
        return std::unexpected(error);
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
        return os_error("write", path, error);
    }
    return WrittenTemporary{std::move(temporary), std::move(*held)};
}

}  // namespace

Result<void> write_new_file_durably(const std::filesystem::path& path, std::string_view contents,
                                    const FileOwnership& ownership, ExistingFile existing) {
    auto temporary = write_temporary(path, contents, ownership);
    BELAY_TRY(temporary);
    if (existing == ExistingFile::replace) {
        if (::rename(temporary->path.c_str(), path.c_str()) != 0) {
            const int rename_error = errno;
            ::unlink(temporary->path.c_str());
            return os_error("replace", path, rename_error);
        }
    } else if (auto renamed = rename_no_replace(temporary->path, path); !renamed) {
        ::unlink(temporary->path.c_str());
        return renamed;
    }
    return sync_directory(path.parent_path());
}

Result<bool> write_new_file_unless_taken(const std::filesystem::path& path,
                                         std::string_view contents,
                                         const FileOwnership& ownership) {
    auto temporary = write_temporary(path, contents, ownership);
    BELAY_TRY(temporary);
    auto renamed = rename_unless_taken(temporary->path, path);
    if (!renamed || !*renamed) {
        ::unlink(temporary->path.c_str());
        return renamed;
    }
    auto synced = sync_directory(path.parent_path());
    return synced ? Result<bool>(true) : std::unexpected(synced.error());
}

Result<std::uintmax_t> available_space(const std::filesystem::path& directory) {
    std::error_code ec;
    const auto info = std::filesystem::space(directory.empty() ? "." : directory, ec);
    if (ec) {
        return fail(directory.empty() ? std::filesystem::path(".") : directory,
                    ErrorCode::invalid_input, "cannot tell the free space in {}: {}",
                    directory.string(), ec.message());
    }
    return info.available;
}

}  // namespace belay
