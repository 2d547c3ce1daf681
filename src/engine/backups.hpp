// `db backup`, `db backups` and `db prune`: taking, finding and thinning out backups.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <vector>

#include "belay/backup.hpp"
#include "belay/error.hpp"
#include "belay/options.hpp"
#include "core/backup_metadata.hpp"
#include "engine/snapshot.hpp"

namespace belay::engine {

// The engine's side of belay::run_backup, list_backups, find_newest_intact and run_prune
// (belay/api.hpp gives the contracts; src/api calls these).
Result<Snapshot> run_backup(const BackupOptions& options);
Result<std::vector<BackupEntry>> list_backups(const DatabaseOptions& options, bool verify);
std::optional<std::size_t> find_newest_intact(std::vector<BackupEntry>& entries);
Result<PruneReport> run_prune(const PruneOptions& options,
                              std::chrono::system_clock::time_point now);

// A snapshot taken while this process's own connection to the database is open (and may hold
// its write lock), so the copy reaches the file only through SQLite: the one before a run or a
// history edit. `reason` is a k_reason_* value or "before <edit>"; `version` the database's.
struct RunSnapshot {
    std::filesystem::path path;
    Call undo;  // the call that puts this snapshot back
};
// The call that restores `snapshot` into `database`.
Call restore_call(const std::filesystem::path& database, const std::filesystem::path& snapshot);

Result<RunSnapshot> snapshot_beside_own_connection(const DatabaseOptions& db, std::string reason,
                                                   std::string version,
                                                   const BackupProgress& progress = {});

// A flock on a backup directory itself. A prune holds it exclusively while it lists and removes,
// so that two prunes never act on one listing (one that listed a backup another has removed
// could otherwise remove a new backup that took the same name), and `db restore --latest` holds
// it shared from choosing the backup to the end of the copy, so that no prune removes the
// backup it chose meanwhile. Backups themselves do not take it.
class BackupDirectoryLock {
  public:
    explicit BackupDirectoryLock(int fd) : m_fd(fd) {}  // -1: none
    BackupDirectoryLock(BackupDirectoryLock&& other) noexcept : m_fd(other.m_fd) {
        other.m_fd = -1;
    }
    BackupDirectoryLock& operator=(BackupDirectoryLock&&) = delete;
    ~BackupDirectoryLock();

  private:
    int m_fd;
};

// Waits up to `timeout` for the lock (busy past it; interrupted on a signal). A directory that
// cannot be locked at all (not opened, or flock refused by its filesystem) gives a lock that
// holds nothing, and the caller goes on unlocked, as before there was a lock.
Result<BackupDirectoryLock> lock_backup_directory(const std::filesystem::path& directory,
                                                  std::chrono::milliseconds timeout,
                                                  bool exclusive);

}  // namespace belay::engine
