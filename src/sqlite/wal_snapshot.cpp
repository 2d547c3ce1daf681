#include "sqlite/wal_snapshot.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>

#include "sqlite/database.hpp"

namespace belay::sqlite {

namespace {

constexpr std::size_t k_index_header_size = 48;
constexpr std::size_t k_backfill_offset = 96;  // WalCkptInfo.nBackfill, after both header copies
constexpr std::uint32_t k_wal_index_version = 3007000;
constexpr std::size_t k_wal_header_size = 32;
constexpr std::size_t k_frame_header_size = 24;
constexpr std::uint32_t k_wal_magic = 0x377f0682;  // | 1: checksums over big-endian words
constexpr int k_shm_region_size = 32768;

std::uint32_t big_endian_32(const unsigned char* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

std::uint32_t native_32(const unsigned char* p) {
    std::uint32_t value = 0;
    std::memcpy(&value, p, sizeof value);
    return value;
}

// The WAL checksum (fileformat2.html, "checksum algorithm"): over 32-bit words in native order
// or, when the WAL's magic says so, big-endian; `size` is a multiple of 8.
void wal_checksum(bool big_endian, const unsigned char* data, std::size_t size,
                  std::array<std::uint32_t, 2>& sum) {
    std::uint32_t s0 = sum[0];
    std::uint32_t s1 = sum[1];
    for (std::size_t i = 0; i + 8 <= size; i += 8) {
        const auto x0 = big_endian ? big_endian_32(data + i) : native_32(data + i);
        const auto x1 = big_endian ? big_endian_32(data + i + 4) : native_32(data + i + 4);
        s0 += x0 + s1;
        s1 += x1 + s0;
    }
    sum = {s0, s1};
}

sqlite3_file* file_of(Database& db, int op) {
    sqlite3_file* file = nullptr;
    if (sqlite3_file_control(db.handle(), "main", op, &file) != SQLITE_OK || file == nullptr ||
        file->pMethods == nullptr) {
        return nullptr;
    }
    return file;
}

std::optional<WalIndexHeader> parse_index_header(const std::array<unsigned char, 48>& raw) {
    WalIndexHeader header;
    header.raw = raw;
    const bool initialized = raw[12] != 0;
    std::array<std::uint32_t, 2> sum{0, 0};
    wal_checksum(false, raw.data(), 40, sum);
    if (native_32(raw.data()) != k_wal_index_version || !initialized ||
        sum[0] != native_32(raw.data() + 40) || sum[1] != native_32(raw.data() + 44)) {
        return std::nullopt;
    }
    std::uint16_t size_field = 0;
    std::memcpy(&size_field, raw.data() + 14, sizeof size_field);
    header.big_endian_checksums = raw[13] != 0;
    header.page_size = (size_field & 0xfe00U) + ((size_field & 0x0001U) << 16);
    header.max_frame = native_32(raw.data() + 16);
    header.page_count = native_32(raw.data() + 20);
    header.frame_checksum = {native_32(raw.data() + 24), native_32(raw.data() + 28)};
    std::copy_n(raw.begin() + 32, 8, header.salts.begin());
    return header;
}

Result<void> read_exactly(sqlite3_file* file, std::span<unsigned char> out, std::int64_t offset,
                          const Database& db, const char* what) {
    const int rc = file->pMethods->xRead(file, out.data(), static_cast<int>(out.size()), offset);
    if (rc != SQLITE_OK) {
        return fail(ErrorCode::snapshot_failed, "cannot read the {} of {} at offset {}: {}", what,
                    db.path().string(), offset, sqlite3_errstr(rc));
    }
    return {};
}

std::unexpected<Error> wal_disagrees(const Database& db, std::string_view why) {
    return fail(ErrorCode::snapshot_failed, "the WAL of {} {}", db.path().string(), why);
}

// Checks the 32-byte WAL header against the wal-index header the snapshot was pinned to.
Result<void> check_wal_header(Database& db, sqlite3_file* wal, const WalIndexHeader& header,
                              std::array<std::uint32_t, 2>& sum) {
    std::array<unsigned char, k_wal_header_size> bytes{};
    if (auto ok = read_exactly(wal, bytes, 0, db, "WAL header"); !ok) {
        return ok;
    }
    const auto magic = big_endian_32(bytes.data());
    const bool big_endian = (magic & 1U) != 0;
    wal_checksum(big_endian, bytes.data(), 24, sum);
    if ((magic & ~1U) != k_wal_magic || big_endian != header.big_endian_checksums ||
        big_endian_32(bytes.data() + 8) != header.page_size ||
        !std::equal(header.salts.begin(), header.salts.end(), bytes.begin() + 16) ||
        sum[0] != big_endian_32(bytes.data() + 24) || sum[1] != big_endian_32(bytes.data() + 28)) {
        return wal_disagrees(db, "has a header that does not match its wal-index");
    }
    return {};
}

}  // namespace

std::optional<WalIndexHeader> read_wal_index_header(Database& db) {
    sqlite3_file* file = file_of(db, SQLITE_FCNTL_FILE_POINTER);
    if (file == nullptr || file->pMethods->iVersion < 2 || file->pMethods->xShmMap == nullptr) {
        return std::nullopt;
    }
    volatile void* region = nullptr;
    // Region 0 is already mapped by the connection's own WAL reads; SQLITE_READONLY here means
    // a read-only -shm, where readers hold no read marks and nothing below holds.
    if (file->pMethods->xShmMap(file, 0, k_shm_region_size, 0, &region) != SQLITE_OK ||
        region == nullptr) {
        return std::nullopt;
    }
    const auto* shm = static_cast<const volatile unsigned char*>(region);
    std::array<unsigned char, 48> first{};
    std::array<unsigned char, 48> second{};
    // Writers store the second copy, a barrier, then the first: reading in the other order
    // and finding both equal means neither was half written (wal.c walIndexTryHdr).
    for (std::size_t i = 0; i < k_index_header_size; ++i) {
        first[i] = shm[i];
    }
    file->pMethods->xShmBarrier(file);
    for (std::size_t i = 0; i < k_index_header_size; ++i) {
        second[i] = shm[k_index_header_size + i];
    }
    if (first != second) {
        return std::nullopt;
    }
    auto header = parse_index_header(first);
    if (header) {
        file->pMethods->xShmBarrier(file);
        std::array<unsigned char, 4> backfilled{};
        for (std::size_t i = 0; i < backfilled.size(); ++i) {
            backfilled[i] = shm[k_backfill_offset + i];
        }
        header->backfilled = native_32(backfilled.data());
    }
    return header;
}

Result<std::vector<std::pair<std::uint32_t, std::uint32_t>>> latest_wal_frames(
    Database& db, const WalIndexHeader& header) {
    sqlite3_file* wal = file_of(db, SQLITE_FCNTL_JOURNAL_POINTER);
    if (wal == nullptr) {
        return wal_disagrees(db, "is not open on the snapshot's connection");
    }
    std::array<std::uint32_t, 2> sum{0, 0};
    BELAY_TRY(check_wal_header(db, wal, header, sum));
    const std::size_t frame_size = k_frame_header_size + header.page_size;
    std::vector<unsigned char> frame(frame_size);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> frames;
    frames.reserve(header.max_frame);
    std::uint32_t committed_pages = 0;
    for (std::uint32_t n = 1; n <= header.max_frame; ++n) {
        const auto offset = static_cast<std::int64_t>(k_wal_header_size + (n - 1) * frame_size);
        BELAY_TRY(read_exactly(wal, frame, offset, db, "WAL"));
        wal_checksum(header.big_endian_checksums, frame.data(), 8, sum);
        wal_checksum(header.big_endian_checksums, frame.data() + k_frame_header_size,
                     header.page_size, sum);
        if (!std::equal(header.salts.begin(), header.salts.end(), frame.begin() + 8) ||
            sum[0] != big_endian_32(frame.data() + 16) ||
            sum[1] != big_endian_32(frame.data() + 20)) {
            return wal_disagrees(db, "has a frame before the snapshot's end that does not check");
        }
        committed_pages = big_endian_32(frame.data() + 4);
        frames.emplace_back(big_endian_32(frame.data()), n);
    }
    if (sum != header.frame_checksum || committed_pages != header.page_count) {
        return wal_disagrees(db, "does not end where its wal-index says the snapshot ends");
    }
    // Latest frame per page: sort by (page, frame) and keep the last of each page's run.
    std::sort(frames.begin(), frames.end());
    std::vector<std::pair<std::uint32_t, std::uint32_t>> latest;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        if (i + 1 == frames.size() || frames[i + 1].first != frames[i].first) {
            latest.push_back(frames[i]);
        }
    }
    return latest;
}

Result<void> read_wal_frame_page(Database& db, std::uint32_t frame, std::span<char> page) {
    sqlite3_file* wal = file_of(db, SQLITE_FCNTL_JOURNAL_POINTER);
    if (wal == nullptr) {
        return wal_disagrees(db, "is not open on the snapshot's connection");
    }
    const auto offset = static_cast<std::int64_t>(
        k_wal_header_size + (frame - 1) * (k_frame_header_size + page.size()) +
        k_frame_header_size);
    return read_exactly(wal, std::span(reinterpret_cast<unsigned char*>(page.data()), page.size()),
                        offset, db, "WAL");
}

Result<std::int64_t> main_file_size(Database& db) {
    sqlite3_file* file = file_of(db, SQLITE_FCNTL_FILE_POINTER);
    sqlite3_int64 size = 0;
    const int rc = file == nullptr ? SQLITE_MISUSE : file->pMethods->xFileSize(file, &size);
    if (rc != SQLITE_OK) {
        return fail(ErrorCode::snapshot_failed, "cannot tell the size of {}: {}",
                    db.path().string(), sqlite3_errstr(rc));
    }
    return static_cast<std::int64_t>(size);
}

Result<void> read_main_file(Database& db, std::int64_t offset, std::span<char> out) {
    sqlite3_file* file = file_of(db, SQLITE_FCNTL_FILE_POINTER);
    const int rc = file == nullptr ? SQLITE_MISUSE
                                   : file->pMethods->xRead(file, out.data(),
                                                           static_cast<int>(out.size()), offset);
    // A short read has zero-filled the rest (the sqlite3_io_methods contract).
    if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) {
        return fail(ErrorCode::snapshot_failed, "cannot read {} at offset {}: {}",
                    db.path().string(), offset, sqlite3_errstr(rc));
    }
    return {};
}

}  // namespace belay::sqlite
