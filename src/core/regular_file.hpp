// Opening a file that must be a regular file (a backup, a sidecar) without ever blocking: open()
// of a FIFO for reading waits for a writer, for ever when none comes, and a symlink or a
// directory at a backup's name is not a backup either.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

#include "core/error.hpp"

namespace belay {

// A read-only descriptor of a regular file, closed on destruction. Move-only.
class RegularFile {
  public:
    // Opens `path` read-only, without blocking (O_NONBLOCK) and without following a symlink at
    // its name (O_NOFOLLOW), then checks with fstat that what it opened is a regular file.
    // Fails with invalid_input naming the path and what it is instead ("a FIFO", ...).
    static Result<RegularFile> open(const std::filesystem::path& path);

    RegularFile(RegularFile&& other) noexcept;
    RegularFile& operator=(RegularFile&& other) noexcept;
    RegularFile(const RegularFile&) = delete;
    RegularFile& operator=(const RegularFile&) = delete;
    ~RegularFile();

    int fd() const { return m_fd; }
    // The whole file; fails when it cannot be read or holds more than `limit` bytes.
    Result<std::string> read_all(std::uintmax_t limit) const;

  private:
    RegularFile(int fd, std::filesystem::path path) : m_fd(fd), m_path(std::move(path)) {}
    int m_fd = -1;
    std::filesystem::path m_path;
};

// What the entry at `path` is when it is not a regular file, by lstat: "a FIFO", "a directory",
// "a symbolic link", "a socket", "a device"; empty for a regular file or one that does not exist.
std::string non_regular_kind(const std::filesystem::path& path);

}  // namespace belay
