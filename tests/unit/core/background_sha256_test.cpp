#include "core/background_sha256.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "core/checksum.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay {
namespace {

// An open descriptor on a new file, closed when the test ends.
class OpenFile {
  public:
    explicit OpenFile(const std::filesystem::path& path)
        : m_fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) {}
    ~OpenFile() { ::close(m_fd); }
    OpenFile(const OpenFile&) = delete;
    OpenFile& operator=(const OpenFile&) = delete;
    int fd() const { return m_fd; }

    void append(const std::string& bytes) {
        ASSERT_EQ(::write(m_fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    }

  private:
    int m_fd;
};

// Chunks of different bytes and sizes, some larger than the hasher's reads.
std::string chunk(int i) {
    return std::string(static_cast<std::size_t>(1000 + i * 300'007 % 3'000'000),
                       static_cast<char>('a' + i));
}

TEST(BackgroundSha256, DigestsTheFileAsItWasWrittenChunkByChunk) {
    testing::TempDir dir;
    const auto path = dir / "copy";
    OpenFile file(path);
    BackgroundSha256 hasher(file.fd(), path);
    std::string all;
    for (int i = 0; i < 8; ++i) {
        file.append(chunk(i));
        all += chunk(i);
        hasher.advance(static_cast<std::int64_t>(all.size()));
    }
    auto digest = hasher.finish(static_cast<std::int64_t>(all.size()));
    ASSERT_TRUE(digest.has_value()) << digest.error().message;
    EXPECT_EQ(*digest, sha256_hex(all));
}

TEST(BackgroundSha256, EmptyFileHasTheEmptyDigest) {
    testing::TempDir dir;
    const auto path = dir / "empty";
    OpenFile file(path);
    BackgroundSha256 hasher(file.fd(), path);
    EXPECT_EQ(hasher.finish(0).value_or("?"), sha256_hex(""));
}

TEST(BackgroundSha256, FileShorterThanTheTotalFailsNamingIt) {
    testing::TempDir dir;
    const auto path = dir / "short";
    OpenFile file(path);
    file.append("only this");
    BackgroundSha256 hasher(file.fd(), path);
    auto digest = hasher.finish(1000);
    ASSERT_FALSE(digest.has_value());
    EXPECT_CONTAINS(digest.error().message, path.string()) << digest.error().message;
}

// A copy that fails midway (disk full, a signal) destroys its hasher without calling finish().
// The destructor must stop the hasher thread, which waits for bytes that will never be advanced,
// and return: were it to wait for finish(), belay would hang instead of reporting the failure.
// The hasher is destroyed on a thread of its own, so that a destructor that never returns fails
// this test after a minute instead of hanging the whole suite.
TEST(BackgroundSha256, AbandonedHasherStopsWithoutFinish) {
    testing::TempDir dir;
    const auto path = dir / "abandoned";
    auto file = std::make_shared<OpenFile>(path);
    file->append(chunk(3));
    auto hasher = std::make_unique<BackgroundSha256>(file->fd(), path);
    hasher->advance(static_cast<std::int64_t>(chunk(3).size()));

    std::promise<void> destroyed;
    auto done = destroyed.get_future();
    // Detached, and owning everything the hasher uses: if the destructor hangs, the test fails
    // and the thread is left behind without touching the test's stack.
    std::thread([hasher = std::move(hasher), file, destroyed = std::move(destroyed)]() mutable {
        hasher.reset();
        destroyed.set_value();
    }).detach();
    EXPECT_TRUE(done.wait_for(std::chrono::seconds(60)) == std::future_status::ready)
        << "destroying a hasher that was never finished did not return within 60 s";
}

}  // namespace
}  // namespace belay
