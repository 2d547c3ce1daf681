// The file work of `db restore` when the backup cannot simply be copied into the live
// database: a database file that is missing or unreadable, and a WAL database whose page size
// differs from the backup's.
//
// The promise all of it keeps: the database path holds a complete database at every instant,
// kill -9 and a full disk included: the old file or the new one, never none and never a part.
// Every new file is written completely under a temporary name beside the database
// (temporary_sibling: `<db>.tmp-<16 hex>`, held with flock while written), flushed, and only
// then renamed over the path in one rename(2). A killed restore leaves at most such temporaries
// (and their -journal); remove_restore_leftovers removes them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "core/durable_file.hpp"
#include "core/error.hpp"

namespace belay::sqlite {
class Database;
struct CopyStatus;
}  // namespace belay::sqlite

namespace belay::engine {

// A copy's outcome as a Result naming the backup and the database: busy, interrupted (rolled
// back) or step_failed with SQLite's words.
Result<void> restore_copy_result(const sqlite::CopyStatus& status,
                                 const std::filesystem::path& backup,
                                 const std::filesystem::path& database);

// Unlinks `file` and its -journal, -wal and -shm; missing ones are fine.
void remove_with_companions(const std::filesystem::path& file);

// Removes what a killed restore of `database` left beside it: `<db>.tmp-*` files no live process
// holds, and their -journal, -wal and -shm. Call with the run lock held.
void remove_restore_leftovers(const std::filesystem::path& database);

// `<stem>-corrupt-YYYYMMDD-HHMMSS.db` beside `database` (`...-N.db` when that name, or its
// -wal/-shm/-journal, is taken): where a replaced unreadable database, or files left beside a
// missing one, are kept.
std::filesystem::path aside_name(const std::filesystem::path& database);

// Moves the database's -wal, -shm and -journal files, where there are any, to `aside` + the
// same suffix (SQLite would otherwise replay a stale -wal or -journal into the restored file).
// Returns where they went; fails naming the file that could not be moved.
Result<std::vector<std::filesystem::path>> move_companions(const std::filesystem::path& database,
                                                           const std::filesystem::path& aside);

// Restores into a database path where no file exists: a complete copy of `source` under a
// temporary name, flushed, renamed into place (never over a file that appeared meanwhile).
// On failure nothing is left behind and the message names the backup, the database and the
// temporary.
Result<void> restore_as_new_file(sqlite::Database& source, const std::filesystem::path& database,
                                 const FileOwnership& ownership);

// What replace_unreadable kept.
struct KeptAside {
    std::filesystem::path database;                 // the unreadable file, under its aside name
    std::vector<std::filesystem::path> companions;  // its -wal/-shm/-journal, moved with it
};

// Replaces the unreadable database file at `database` with a complete copy of `source`, in this
// order: the copy written and flushed under a temporary name; the old file given a second name
// (aside_name, a hard link, or a flushed copy where the filesystem has no hard links); its
// -wal/-shm/-journal moved to the aside name; the copy renamed over the path. Until that rename
// the path holds the old file; after it the new one. On failure the temporary is removed and the
// message names the database, the backup, the temporary and the aside name, and says that the
// path still holds the old file.
Result<KeptAside> replace_unreadable(sqlite::Database& source,
                                     const std::filesystem::path& database,
                                     const FileOwnership& ownership);

// A copy of `source` with `page_size`-byte pages (VACUUM INTO), under a temporary name beside
// `database`, for a WAL database whose page size differs from the backup's: SQLite's backup API
// cannot change a WAL database's page size, and switching the database out of WAL mode for the
// copy would leave it in rollback-journal mode if the process were killed. Returns the
// temporary; the caller removes it (and a killed run's copy is removed by
// remove_restore_leftovers).
struct HeldCopy {
    std::filesystem::path path;
    HeldTemporary held;  // the flock that tells it from a killed run's leftover
};
Result<HeldCopy> copy_with_page_size(sqlite::Database& source,
                                     const std::filesystem::path& database, std::int64_t page_size);

}  // namespace belay::engine
