// One belay run at a time per database.
//
// An advisory lock (flock) on a file beside the database, `<db>.belay-lock`, held for the
// whole run. `<db>` is the database file itself: a symlink is followed (follow_symlinks), so
// `link.db` -> `real.db` and `real.db` take the one lock `real.db.belay-lock` beside the real
// file, whichever path a command was given. The file is created on first use and left in place:
// removing a lock file races with a process that has just opened it. The lock dies with the
// process, so a killed run never leaves a stale lock behind.
#pragma once

#include <chrono>
#include <filesystem>

#include "core/error.hpp"

namespace belay::engine {

class RunLock {
  public:
    // Waits up to `timeout` for the lock. Fails with busy when another run holds it past the
    // timeout (the message says so and names the lock file), interrupted when cancellation is
    // requested while waiting, invalid_input when the lock file cannot be created.
    static Result<RunLock> acquire(const std::filesystem::path& database,
                                   std::chrono::milliseconds timeout);

    RunLock(RunLock&& other) noexcept;
    RunLock& operator=(RunLock&&) = delete;
    ~RunLock();

    const std::filesystem::path& path() const { return m_path; }

  private:
    RunLock(int fd, std::filesystem::path path) : m_fd(fd), m_path(std::move(path)) {}
    int m_fd;
    std::filesystem::path m_path;
};

// `<database>.belay-lock` for the file `database` stands for (symlinks followed).
std::filesystem::path run_lock_path(const std::filesystem::path& database);

}  // namespace belay::engine
