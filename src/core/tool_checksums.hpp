// The checksums sqlx and Prisma record of a migration file, so that `db adopt` can tell whether a
// file is still the one the tool applied.
//
//   sqlx     SHA-384 of the file's bytes as they are (of the up file, for a pair)
//   Prisma   SHA-256 of migration.sql; a file matches when the digest of its bytes, of its bytes
//            with CRLF read as LF, or with LF written as CRLF is the recorded one (Prisma's rule,
//            so that a checkout with other line ends is the same file), and a recorded checksum
//            that is not 64 digits long is compared in the unpadded hex older Prisma versions
//            wrote (one digit for a byte below 16)
#pragma once

#include <string>
#include <string_view>

namespace belay {

// The lowercase hex SHA-384 of `bytes` (96 characters). Throws only if OpenSSL itself fails.
std::string sha384_hex(std::string_view bytes);

// Whether `recorded` (hex, either case) is what `tool` ("sqlx", "Prisma") records for a file
// holding `contents`. False for any other tool.
bool tool_checksum_matches(std::string_view tool, std::string_view contents,
                           std::string_view recorded);

// What `tool` records for a file holding `contents` now (lowercase hex), for messages.
std::string tool_checksum(std::string_view tool, std::string_view contents);

}  // namespace belay
