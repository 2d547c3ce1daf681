// SHA-256 of a file while it is being written, computed on a thread of its own that reads back
// (from the page cache) what the writer has finished so far. The writer never waits for the
// hasher: on two cores a backup's copy costs the copy alone, and the rest of the hash overlaps
// the copy's verification. What is hashed is what the file holds, not a buffer on its way.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

#include "core/checksum.hpp"
#include "core/error.hpp"

namespace belay {

class BackgroundSha256 {
  public:
    // Starts hashing `fd` (open for reading, kept open by the caller until finish() returns or
    // this object is destroyed) from offset 0 as advance() allows.
    BackgroundSha256(int fd, std::filesystem::path path);
    ~BackgroundSha256();  // stops the hasher wherever it is and joins it
    BackgroundSha256(const BackgroundSha256&) = delete;
    BackgroundSha256& operator=(const BackgroundSha256&) = delete;

    // The first `bytes` bytes of the file are written and final; the hasher may read them.
    void advance(std::int64_t bytes);
    // Waits for the hasher to digest the whole file, which must be `total` bytes long. Returns
    // the lowercase hex digest, or fails naming the path if the file could not be read or was
    // shorter than that. Call once.
    Result<std::string> finish(std::int64_t total);

  private:
    void run();
    // Digests [from, to) of the file; false (and m_errno set) if a read fails or comes up short.
    bool digest_range(std::int64_t from, std::int64_t to, std::string& buffer);

    int m_fd;
    std::filesystem::path m_path;
    Sha256 m_digest;  // only the hasher thread touches it until finish() has joined that thread
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::int64_t m_ready = 0;   // bytes the hasher may read
    std::int64_t m_hashed = 0;  // bytes it has digested (written by the hasher, under the mutex)
    int m_errno = 0;            // the read error that stopped the hasher (-1: the file was short)
    bool m_closing = false;     // no more advance(): stop once m_ready is digested
    bool m_abandoned = false;   // the destructor runs: stop now
    std::thread m_hasher;
};

}  // namespace belay
