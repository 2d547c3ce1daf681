// The committed state a read transaction sees in a WAL database, read from the files SQLite
// itself reads (the -shm wal-index header and the -wal frames, both in the formats documented
// at sqlite.org/walformat.html and sqlite.org/fileformat2.html#walformat), through the
// connection's own sqlite3_file handles: belay opens no descriptor of its own on them, so no
// POSIX lock of this process is ever dropped by a close().
//
// What makes the raw copy of a WAL database consistent (SQLite's WAL locking protocol,
// walformat.html sections 2.2-2.3, and src/wal.c walTryBeginRead / walCheckpoint):
//  - a reader's snapshot is the wal-index header it read when its transaction began; every
//    header change (commit, WAL restart, recovery) increments the header's iChange, so if the
//    header is the same just before BEGIN and just after the first read, the transaction's
//    snapshot is that header;
//  - if the WAL was not fully backfilled then, the reader holds a read mark greater than zero:
//    no connection can restart the WAL (overwrite frames 1..mxFrame) until it ends, and a
//    checkpoint writes into the main file only pages whose frames are at or before the mark,
//    i.e. pages the copy takes from the WAL anyway;
//  - if it was fully backfilled, the main file holds the snapshot, and no checkpoint can write
//    it while the reader lives (READ_LOCK(0), or a read mark at or below what is backfilled).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace belay::sqlite {

class Database;

// The wal-index header (the first 48 bytes of the -shm file) and the checkpoint's progress.
struct WalIndexHeader {
    std::array<unsigned char, 48> raw{};  // as read: equal raw bytes mean the same snapshot
    std::uint32_t max_frame = 0;          // the last frame of the last commit
    std::uint32_t page_count = 0;         // the database's size in pages after that commit
    std::uint32_t page_size = 0;
    bool big_endian_checksums = false;
    std::array<unsigned char, 8> salts{};           // as in the WAL header, big-endian bytes
    std::array<std::uint32_t, 2> frame_checksum{};  // the running checksum at max_frame
    std::uint32_t backfilled = 0;  // nBackfill: frames already copied into the main file,
                                   // read after the header (not part of `raw`)
};

// The wal-index header of `db`'s main database, read as SQLite's readers read it (both copies,
// a memory barrier between them, its checksum). std::nullopt when `db` has no shared wal-index
// mapped read-write (not in WAL mode, a read-only -shm, a VFS without shared memory) or the
// header is being written right now: the caller then uses the backup API.
std::optional<WalIndexHeader> read_wal_index_header(Database& db);

// For each page the WAL holds, the latest of frames 1..header.max_frame: (page, frame), sorted
// by page. Reads those frames through `db`'s WAL handle (which must be inside the read
// transaction `header` was pinned for) and checks what SQLite's recovery checks: the WAL
// header's magic, page size and salts, every frame's salts, the checksum chain, and that the
// chain ends at the header's checksum on a commit frame of header.page_count pages. Any
// disagreement fails (the message says which); nothing is read beyond header.max_frame.
Result<std::vector<std::pair<std::uint32_t, std::uint32_t>>> latest_wal_frames(
    Database& db, const WalIndexHeader& header);

// Reads the page image of WAL frame `frame` (1-based) into `page` (page_size bytes).
Result<void> read_wal_frame_page(Database& db, std::uint32_t frame, std::span<char> page);

// The size in bytes of `db`'s main database file, through the connection's own handle.
Result<std::int64_t> main_file_size(Database& db);

// Reads `out.size()` bytes of the main database file at `offset` through `db`'s own handle.
// Bytes beyond the end of the file read as zeros, as SQLite's pager reads them.
Result<void> read_main_file(Database& db, std::int64_t offset, std::span<char> out);

}  // namespace belay::sqlite
