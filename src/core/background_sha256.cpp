#include "core/background_sha256.hpp"

#include <string_view>

namespace belay {

BackgroundSha256::BackgroundSha256(std::size_t chunk_size, std::size_t chunks)
    : m_buffers(chunks, std::vector<char>(chunk_size)) {
    for (std::size_t i = 0; i < chunks; ++i) {
        m_free.push_back(i);
    }
    m_hasher = std::thread([this] { run(); });
}

BackgroundSha256::~BackgroundSha256() {
    {
        std::lock_guard lock(m_mutex);
        m_abandoned = true;
    }
    m_changed.notify_all();
    if (m_hasher.joinable()) {
        m_hasher.join();
    }
}

std::span<char> BackgroundSha256::acquire() {
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] { return !m_free.empty(); });
    m_acquired = m_free.front();
    m_free.pop_front();
    return m_buffers[m_acquired];
}

void BackgroundSha256::submit(std::size_t size) {
    {
        std::lock_guard lock(m_mutex);
        m_submitted.push_back(Chunk{m_acquired, size});
    }
    m_changed.notify_all();
}

std::string BackgroundSha256::finish_hex() {
    {
        std::lock_guard lock(m_mutex);
        m_closing = true;
    }
    m_changed.notify_all();
    m_hasher.join();
    return m_digest.finish_hex();
}

void BackgroundSha256::run() {
    while (true) {
        Chunk chunk{};
        {
            std::unique_lock lock(m_mutex);
            m_changed.wait(lock,
                           [this] { return m_abandoned || m_closing || !m_submitted.empty(); });
            if (m_abandoned || m_submitted.empty()) {
                return;  // abandoned, or closing with nothing left
            }
            chunk = m_submitted.front();
            m_submitted.pop_front();
        }
        // The buffer belongs to this thread until it is back in m_free: no lock while hashing.
        m_digest.update(std::string_view(m_buffers[chunk.buffer].data(), chunk.size));
        {
            std::lock_guard lock(m_mutex);
            m_free.push_back(chunk.buffer);
        }
        m_changed.notify_all();
    }
}

}  // namespace belay
