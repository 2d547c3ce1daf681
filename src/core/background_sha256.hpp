// SHA-256 of a stream of chunks, computed on a thread of its own: the copy loop of a backup
// fills and writes the next chunk while the hasher works on the previous one, so that on two
// cores the copy costs the slower of the two instead of their sum.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/checksum.hpp"

namespace belay {

class BackgroundSha256 {
  public:
    // `chunks` buffers of `chunk_size` bytes each circulate between the caller and the hasher.
    BackgroundSha256(std::size_t chunk_size, std::size_t chunks);
    ~BackgroundSha256();  // stops the hasher (whatever it had left is dropped) and joins it
    BackgroundSha256(const BackgroundSha256&) = delete;
    BackgroundSha256& operator=(const BackgroundSha256&) = delete;

    // A free buffer for the caller to fill; waits while the hasher holds them all.
    std::span<char> acquire();
    // Hands the first `size` bytes of the buffer acquire() returned last to the hasher, which
    // digests chunks in the order they were submitted.
    void submit(std::size_t size);
    // The lowercase hex digest of every submitted byte, once the hasher has caught up. Call once.
    std::string finish_hex();

  private:
    struct Chunk {
        std::size_t buffer;
        std::size_t size;
    };
    void run();

    std::vector<std::vector<char>> m_buffers;
    Sha256 m_digest;  // touched only by the hasher thread until finish_hex has joined it
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<std::size_t> m_free;  // buffers the caller may fill
    std::deque<Chunk> m_submitted;   // chunks the hasher has still to digest
    std::size_t m_acquired = 0;      // the buffer the caller holds
    bool m_closing = false;          // no more chunks: the hasher ends once m_submitted is empty
    bool m_abandoned = false;        // the destructor runs: the hasher ends at once
    std::thread m_hasher;
};

}  // namespace belay
