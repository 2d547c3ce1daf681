// SHA-256 digests for migration files (drift detection) and snapshot files (backup integrity).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace belay {

// A streaming SHA-256 (OpenSSL's EVP API), for hashing a file while it is written.
// Throws std::runtime_error only if OpenSSL itself fails (a broken invariant).
class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(std::string_view bytes);
    // The lowercase hex digest of everything updated so far; call once.
    std::string finish_hex();

  private:
    std::unique_ptr<evp_md_ctx_st, void (*)(evp_md_ctx_st*)> m_context;
};

// `length` bytes of a digest as lowercase hex (two characters a byte).
std::string lowercase_hex(const unsigned char* digest, std::size_t length);

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
// file cannot be opened or read, or is not a regular file (a FIFO is never waited on; a symlink
// at its name is not followed). Throws only as sha256_hex does.
Result<std::string> sha256_file_hex(const std::filesystem::path& path);

}  // namespace belay
