#include "core/checksum.hpp"

#include <sys/stat.h>

#include <string>

#include <gtest/gtest.h>

#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay {
namespace {

// FIPS 180-2 test vectors.
constexpr std::string_view k_sha256_abc =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr std::string_view k_sha256_empty =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(Sha256Hex, MatchesKnownVectors) {
    EXPECT_EQ(sha256_hex("abc"), k_sha256_abc);
    EXPECT_EQ(sha256_hex(""), k_sha256_empty);
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Hex, HandlesEmbeddedNulBytes) {
    const std::string with_nul("a\0b", 3);
    EXPECT_NE(sha256_hex(with_nul), sha256_hex("a"));
    EXPECT_EQ(sha256_hex(with_nul).size(), 64u);
}

TEST(MigrationChecksum, ReadsCrlfAsLf) {
    const std::string lf = "-- +migrate Up\nCREATE TABLE t (id INTEGER);\n";
    const std::string crlf = "-- +migrate Up\r\nCREATE TABLE t (id INTEGER);\r\n";
    EXPECT_EQ(migration_checksum(crlf), migration_checksum(lf));
    EXPECT_EQ(migration_checksum(lf), sha256_hex(lf));
    EXPECT_NE(sha256_hex(crlf), sha256_hex(lf));
}

TEST(MigrationChecksum, KeepsLoneCarriageReturnsAndDetectsRealChanges) {
    EXPECT_NE(migration_checksum("a\rb"), migration_checksum("a\nb"));
    EXPECT_EQ(migration_checksum("a\r\r\nb"), sha256_hex("a\r\nb"));
    EXPECT_EQ(migration_checksum("\r\n"), sha256_hex("\n"));
    EXPECT_EQ(migration_checksum("x\r"), sha256_hex("x\r"));
    EXPECT_NE(migration_checksum("CREATE TABLE t (id INTEGER);\n"),
              migration_checksum("CREATE TABLE t (id  INTEGER);\n"));
}

TEST(Sha256FileHex, MatchesInMemoryDigest) {
    testing::TempDir dir;
    const auto path = dir.write("abc.bin", "abc");
    const auto digest = sha256_file_hex(path);
    ASSERT_TRUE(digest.has_value()) << digest.error().message;
    EXPECT_EQ(*digest, k_sha256_abc);
}

TEST(Sha256FileHex, StreamsFilesLargerThanOneChunk) {
    // 1 MiB chunks: cover exactly one chunk, one chunk plus a byte, and several chunks.
    testing::TempDir dir;
    for (const std::size_t size :
         {std::size_t{1} << 20, (std::size_t{1} << 20) + 1, (std::size_t{3} << 20) + 12345}) {
        std::string contents(size, '\0');
        for (std::size_t i = 0; i < size; ++i) {
            contents[i] = static_cast<char>((i * 31 + 7) % 251);
        }
        const auto path = dir.write("big.bin", contents);
        const auto digest = sha256_file_hex(path);
        ASSERT_TRUE(digest.has_value()) << digest.error().message;
        EXPECT_EQ(*digest, sha256_hex(contents)) << "size " << size;
    }
}

TEST(Sha256FileHex, EmptyFile) {
    testing::TempDir dir;
    const auto digest = sha256_file_hex(dir.write("empty", ""));
    ASSERT_TRUE(digest.has_value());
    EXPECT_EQ(*digest, k_sha256_empty);
}

TEST(Sha256FileHex, MissingFileNamesPathAndReason) {
    testing::TempDir dir;
    const auto path = dir / "no-such-snapshot.db";
    const auto digest = sha256_file_hex(path);
    ASSERT_FALSE(digest.has_value());
    EXPECT_EQ(digest.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(digest.error().message, path.string());
    EXPECT_CONTAINS(digest.error().message, "No such file or directory") << digest.error().message;
}

TEST(Sha256FileHex, DirectoryIsRefusedAsNotARegularFile) {
    testing::TempDir dir;
    const auto digest = sha256_file_hex(dir.path());
    ASSERT_FALSE(digest.has_value());
    EXPECT_CONTAINS(digest.error().message, "is a directory, not a regular file")
        << digest.error().message;
}

// Opening a FIFO for reading would wait for a writer: it is refused at once instead (a test
// that regressed would hang here until the suite's timeout).
TEST(Sha256FileHex, FifoIsRefusedWithoutWaitingForAWriter) {
    testing::TempDir dir;
    const auto fifo = dir.path() / "backup.bak";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const auto digest = sha256_file_hex(fifo);
    ASSERT_FALSE(digest.has_value());
    EXPECT_CONTAINS(digest.error().message, "is a FIFO") << digest.error().message;
}

}  // namespace
}  // namespace belay
