// A backup directory on a small filesystem of the test's own (a tmpfs), where the free-space
// check passes but writing still runs out: the tmpfs has bytes to spare and exactly one free
// inode, so the copy gets written and verified and only its sidecar cannot be created. That
// is the latest moment a backup can fail, and it is deterministic. Needs root (or
// CAP_SYS_ADMIN) to mount; skipped with the reason where that is not possible.
//
// (A failure for lack of bytes after a passing check is not deterministic: the check asks for
// the database's size plus 1 MiB, which is more than the copy writes; a write that runs out of
// bytes is covered by the file-size limit in file_size_limit_test.cpp.)
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class SmallFilesystemTest : public E2eTest {
  protected:
    void SetUp() override {
        write_migration("0001_a.sql", up_only("CREATE TABLE a (x);\nINSERT INTO a VALUES (1);"));
        auto base = belay("migrate", {"--no-backup"});
        ASSERT_EQ(base.exit_code, 0) << describe(base);
        add_filler(db(), 4);
        fs::create_directories(small());
        // 64 MiB: room to spare. Two inodes: the root directory's and one more.
        if (::mount("tmpfs", small().c_str(), "tmpfs", 0, "size=64m,nr_inodes=2") != 0) {
            GTEST_SKIP() << "cannot mount a tmpfs at " << small() << ": " << std::strerror(errno)
                         << " (needs root / CAP_SYS_ADMIN)";
        }
        m_mounted = true;
        m_before = sha256_of(db());
    }
    void TearDown() override {
        if (m_mounted) {
            ::umount2(small().c_str(), MNT_DETACH);
        }
    }
    fs::path small() const { return dir() / "small"; }
    void expect_failed_cleanly(const RunResult& result) {
        EXPECT_EQ(result.exit_code, 3) << describe(result);
        EXPECT_CONTAINS(result.err, "No space left on device")
            << "the OS's reason should be in the message\n"
            << describe(result);
        EXPECT_TRUE(list_dir(small()).empty())
            << "left on the full filesystem: " << list_dir(small()).front();
        EXPECT_EQ(sha256_of(db()), m_before) << "the database changed";
        EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());
    }

    bool m_mounted = false;
    std::string m_before;
};

TEST_F(SmallFilesystemTest, BackupWhoseSidecarDoesNotFitLeavesNothing) {
    expect_failed_cleanly(belay("backup", {"--backup-dir", small().string()}));
    // And the same filesystem takes a backup once there is an inode for its sidecar too: the
    // failure above was the filesystem, not belay.
    ASSERT_EQ(::umount2(small().c_str(), MNT_DETACH), 0);
    ASSERT_EQ(::mount("tmpfs", small().c_str(), "tmpfs", 0, "size=64m,nr_inodes=4"), 0);
    auto fits = belay("backup", {"--backup-dir", small().string()});
    EXPECT_EQ(fits.exit_code, 0) << describe(fits);
    EXPECT_EQ(names_ending_with(small(), ".bak").size(), 1u);
}

TEST_F(SmallFilesystemTest, MigrateWhoseSnapshotDoesNotFitRunsNothing) {
    write_migration("0002_b.sql", up_only("CREATE TABLE b (x);"));
    auto result = belay("migrate", {"--backup-dir", small().string()});
    expect_failed_cleanly(result);
    EXPECT_CONTAINS(result.err, "No migration ran") << describe(result);
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"});
    EXPECT_FALSE(TestDb(db(), true).has_object("b"));
}

}  // namespace
}  // namespace belay::testing
