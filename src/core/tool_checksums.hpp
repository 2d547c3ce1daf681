// The checksums sqlx, Prisma and Flyway record of a migration file, so that `db adopt` can tell
// whether a file is still the one the tool applied.
//
//   sqlx     SHA-384 of the file's bytes as they are (of the up file, for a pair)
//   Prisma   SHA-256 of migration.sql; a file matches when the digest of its bytes, of its bytes
//            with CRLF read as LF, or with LF written as CRLF is the recorded one (Prisma's rule,
//            so that a checkout with other line ends is the same file), and a recorded checksum
//            that is not 64 digits long is compared in the unpadded hex older Prisma versions
//            wrote (one digit for a byte below 16)
//   Flyway   the CRC-32 (zlib's) of the file read line by line: without a byte-order mark and
//            without line endings (so CRLF, LF and CR give the same), as a signed 32-bit decimal
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace belay {

// The lowercase hex SHA-384 of `bytes` (96 characters). Throws only if OpenSSL itself fails.
std::string sha384_hex(std::string_view bytes);

// The checksum Flyway records for a file holding `contents` (its history's checksum column).
std::int32_t flyway_checksum(std::string_view contents);

// Whether `recorded` (sqlx, Prisma: hex, either case; Flyway: decimal) is what `tool` ("sqlx",
// "Prisma", "Flyway") records for a file holding `contents`. False for any other tool.
bool tool_checksum_matches(std::string_view tool, std::string_view contents,
                           std::string_view recorded);

// What `tool` records for a file holding `contents` now (lowercase hex; Flyway: decimal), for
// messages and the statement that re-records it.
std::string tool_checksum(std::string_view tool, std::string_view contents);

}  // namespace belay
