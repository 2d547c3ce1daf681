#include "sqlite/fifo_safe_open.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

namespace belay::sqlite {

namespace {

// The recorder of this thread, if one lives (FirstOpenRecorder).
thread_local std::optional<FileIdentity>* t_first_open = nullptr;

// SQLite's unix VFS calls it as open(path, flags, mode).
int open_refusing_fifo(const char* path, int flags, int mode) {
    const int fd = ::open(path, flags | O_NONBLOCK | O_CLOEXEC, static_cast<mode_t>(mode));
    if (fd < 0) {
        return fd;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
        ::close(fd);
        errno = ENXIO;
        return -1;
    }
    if (t_first_open != nullptr && !t_first_open->has_value()) {
        *t_first_open = FileIdentity{static_cast<std::uint64_t>(st.st_dev),
                                     static_cast<std::uint64_t>(st.st_ino)};
    }
    if ((flags & O_NONBLOCK) == 0) {
        const int status = ::fcntl(fd, F_GETFL);
        if (status >= 0) {
            ::fcntl(fd, F_SETFL, status & ~O_NONBLOCK);
        }
    }
    return fd;
}

}  // namespace

FirstOpenRecorder::FirstOpenRecorder() : m_outer(t_first_open) {
    t_first_open = &m_file;
}

FirstOpenRecorder::~FirstOpenRecorder() {
    t_first_open = m_outer;
}

void install_fifo_safe_open() {
    static std::once_flag installed;
    std::call_once(installed, [] {
        sqlite3_vfs* vfs = sqlite3_vfs_find(nullptr);
        if (vfs != nullptr && vfs->iVersion >= 3 && vfs->xSetSystemCall != nullptr) {
            vfs->xSetSystemCall(vfs, "open",
                                reinterpret_cast<sqlite3_syscall_ptr>(&open_refusing_fifo));
        }
    });
}

}  // namespace belay::sqlite
