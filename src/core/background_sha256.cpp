#include "core/background_sha256.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace belay {

namespace {

constexpr std::int64_t k_read_size = std::int64_t{1} << 20;

}  // namespace

BackgroundSha256::BackgroundSha256(int fd, std::filesystem::path path)
    : m_fd(fd), m_path(std::move(path)) {
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

void BackgroundSha256::advance(std::int64_t bytes) {
    {
        std::lock_guard lock(m_mutex);
        m_ready = std::max(m_ready, bytes);
    }
    m_changed.notify_all();
}

Result<std::string> BackgroundSha256::finish(std::int64_t total) {
    {
        std::lock_guard lock(m_mutex);
        m_ready = std::max(m_ready, total);
        m_closing = true;
    }
    m_changed.notify_all();
    m_hasher.join();
    if (m_errno != 0 || m_hashed != total) {
        return fail(m_path, ErrorCode::snapshot_failed, "cannot read back {} to hash it: {}",
                    m_path.string(),
                    m_errno > 0 ? std::strerror(m_errno) : "it is shorter than what was written");
    }
    return m_digest.finish_hex();
}

bool BackgroundSha256::digest_range(std::int64_t from, std::int64_t to, std::string& buffer) {
    while (from < to) {
        const auto want = static_cast<std::size_t>(std::min(to - from, k_read_size));
        const auto got = ::pread(m_fd, buffer.data(), want, from);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            std::lock_guard lock(m_mutex);
            m_errno = got < 0 ? errno : -1;
            return false;
        }
        m_digest.update(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
        from += got;
        std::lock_guard lock(m_mutex);
        m_hashed = from;
        if (m_abandoned) {
            return false;
        }
    }
    return true;
}

void BackgroundSha256::run() {
    std::string buffer(static_cast<std::size_t>(k_read_size), '\0');
    std::int64_t done = 0;
    while (true) {
        std::int64_t ready = 0;
        {
            std::unique_lock lock(m_mutex);
            m_changed.wait(lock, [&] { return m_abandoned || m_closing || m_ready > done; });
            if (m_abandoned || (m_closing && m_ready == done)) {
                return;
            }
            ready = m_ready;
        }
        if (!digest_range(done, ready, buffer)) {
            return;
        }
        done = ready;
    }
}

}  // namespace belay
