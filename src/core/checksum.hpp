// SHA-256 digests for migration files (drift detection) and snapshot files (backup integrity).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace belay {

// Returns the lowercase hex SHA-256 of `bytes` (64 characters).
// Never fails for a user's input; throws std::runtime_error only if OpenSSL itself cannot compute
// a digest (a broken installation or out of memory), which is a broken invariant.
std::string sha256_hex(std::string_view bytes);

// Returns the checksum belay records for a migration file: the lowercase hex SHA-256 of
// `file_contents` with every CRLF read as LF, so a Windows checkout of an unchanged file is not
// reported as modified. A lone CR is kept as is. Same failure contract as sha256_hex.
std::string migration_checksum(std::string_view file_contents);

// Returns the lowercase hex SHA-256 of the file at `path`, read in 1 MiB chunks so that memory
// stays flat for multi-gigabyte snapshots.
// Fails with ErrorCode::invalid_input, naming the path and the OS's reason (errno text), when the
// file cannot be opened or read. Throws only as sha256_hex does.
Result<std::string> sha256_file_hex(const std::filesystem::path& path);

}  // namespace belay
