// What a database's files look like from outside, to tell whether anything wrote them between
// two looks (a dry run's command must work on the copy, never on the database itself).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>

namespace belay::engine {

// One file as stat(2) sees it. A write changes its modification and change times; a write
// that adds pages, its size; a file written to a new name and renamed over it, its inode. The
// times move by the kernel's clock tick (a few ms): a write in the same tick as the previous
// one may leave them, but a dry run's command writes after a process start, which takes longer.
struct FileStamp {
    bool exists = false;
    ino_t inode = 0;
    std::uintmax_t size = 0;
    std::int64_t modified_ns = 0;
    std::int64_t changed_ns = 0;
    bool operator==(const FileStamp&) const = default;
};

// The database file and its -wal file. An empty -wal counts as none: a reader of a WAL
// database creates one without writing anything.
struct DatabaseStamp {
    FileStamp database;
    FileStamp wal;
    bool operator==(const DatabaseStamp&) const = default;
};

// Only stat(2): the files are never opened, since closing a descriptor of a database would
// drop the POSIX locks another connection of this process holds on it. A file that cannot be
// looked at counts as absent.
DatabaseStamp stamp_database_files(const std::filesystem::path& database);

}  // namespace belay::engine
