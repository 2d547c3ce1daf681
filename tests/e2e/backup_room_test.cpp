// Not enough room for a backup: `db backup` and the snapshot before `db migrate` refuse with
// exit 3 before writing, and leave nothing in the backup directory. Needs root to mount a
// small tmpfs; skipped (with the reason) where that is not possible.
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class BackupRoomTest : public E2eTest {
  protected:
    void SetUp() override {
        fs::create_directories(small());
        if (::mount("tmpfs", small().c_str(), "tmpfs", 0, "size=2m") != 0) {
            GTEST_SKIP() << "cannot mount a 2 MiB tmpfs at " << small() << ": "
                         << std::strerror(errno) << " (needs root / CAP_SYS_ADMIN)";
        }
        m_mounted = true;
        write_migration("0001_a.sql", up_only("CREATE TABLE a (x);\nINSERT INTO a VALUES (1);"));
        auto base = belay("migrate");
        ASSERT_EQ(base.exit_code, 0) << describe(base);
        add_filler(db(), 4);  // 4 MiB: twice the room there is
    }
    void TearDown() override {
        if (m_mounted) {
            ::umount2(small().c_str(), MNT_DETACH);
        }
    }
    fs::path small() const { return dir() / "small"; }

    bool m_mounted = false;
};

TEST_F(BackupRoomTest, BackupRefusesWithExit3AndLeavesNothing) {
    auto result = belay("backup", {"--backup-dir", small().string()});
    EXPECT_EQ(result.exit_code, 3) << describe(result);
    EXPECT_CONTAINS(result.err, "not enough room") << result.err;
    EXPECT_CONTAINS(result.err, small().string()) << "the message should name the directory\n"
                                                  << result.err;
    EXPECT_TRUE(list_dir(small()).empty())
        << "left in the full directory: " << list_dir(small())[0];

    auto out = belay("backup", {"--out", (small() / "x.bak").string()});
    EXPECT_EQ(out.exit_code, 3) << describe(out);
    EXPECT_CONTAINS(out.err, "not enough room") << out.err;
    EXPECT_TRUE(list_dir(small()).empty());
}

TEST_F(BackupRoomTest, MigrateRefusesWithExit3AndAppliesNothing) {
    write_migration("0002_b.sql", up_only("CREATE TABLE b (x);"));
    const auto before = sha256_of(db());
    auto result = belay("migrate", {"--backup-dir", small().string()});
    EXPECT_EQ(result.exit_code, 3) << describe(result);
    EXPECT_CONTAINS(result.err, "not enough room") << result.err;
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"});
    EXPECT_FALSE(TestDb(db(), true).has_object("b"));
    EXPECT_EQ(sha256_of(db()), before) << "the database changed although no migration ran";
    EXPECT_TRUE(list_dir(small()).empty());
}

TEST_F(BackupRoomTest, RestoreRefusesWhenItsSafetySnapshotHasNoRoom) {
    const auto backup = dir() / "whole.bak";
    auto taken = belay("backup", {"--out", backup.string()});
    ASSERT_EQ(taken.exit_code, 0) << describe(taken);
    TestDb(db()).exec("DELETE FROM filler WHERE id % 2 = 0;");
    const auto before = sha256_of(db());
    auto result = belay("restore", {backup.string(), "--yes", "--backup-dir", small().string()});
    EXPECT_EQ(result.exit_code, 3) << describe(result);
    EXPECT_CONTAINS(result.err, "not enough room") << result.err;
    EXPECT_CONTAINS(result.err, "nothing was changed") << result.err;
    EXPECT_EQ(sha256_of(db()), before) << "the restore went ahead without a safety snapshot";
    EXPECT_TRUE(list_dir(small()).empty());
}

TEST_F(BackupRoomTest, DryRunRefusesWhenItsScratchCopyHasNoRoom) {
    write_migration("0002_b.sql", up_only("CREATE TABLE b (x);"));
    const auto before = sha256_of(db());
    auto result = belay("migrate", {"--dry-run"}, with_env({{"TMPDIR", small().string()}}));
    // Exit 2, as docs/exit-codes.md says: a dry run writes no backup, so no room for its copy
    // is a problem of where the copy goes, not a failed backup (3).
    EXPECT_EQ(result.exit_code, 2) << "the room for the dry run's copy should be checked first\n"
                                   << describe(result);
    EXPECT_CONTAINS(result.err, "not enough room") << result.err;
    EXPECT_EQ(sha256_of(db()), before);
    EXPECT_TRUE(list_dir(small()).empty()) << "the dry run left its scratch copy behind";
}

// A copy that fits but a step that makes it outgrow TMPDIR: the rehearsal's "database or disk is
// full" was reported as the migration failing (exit 1, "would fail"), although the real run
// would succeed. It is a problem of where the rehearsal ran: exit 2, saying so.
TEST_F(BackupRoomTest, DryRunWhoseCopyOutgrowsTmpdirIsNotTheMigrationsFailure) {
    const auto grow = dir() / "grow";
    write_file("grow/0001_grow.sql",
               up_only("CREATE TABLE g (b BLOB);\nWITH RECURSIVE c(i) AS (SELECT 1 UNION ALL "
                       "SELECT i + 1 FROM c WHERE i < 1000) INSERT INTO g SELECT "
                       "randomblob(4000) FROM c;"));
    const auto database = dir() / "grow.db";
    TestDb(database).exec("CREATE TABLE t (x);");
    const auto before = sha256_of(database);
    auto result = run_raw(
        {"db", "migrate", "--dry-run", "--db", database.string(), "--migrations", grow.string()},
        with_env({{"TMPDIR", small().string()}}));
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "cannot rehearse: the copy of " + database.string() + " in " +
                                    small().string() + " ran out of room")
        << result.err;
    EXPECT_CONTAINS(result.err, "point TMPDIR elsewhere") << result.err;
    EXPECT_NOT_CONTAINS(result.out, "would fail") << result.out;
    EXPECT_EQ(sha256_of(database), before);
    EXPECT_TRUE(list_dir(small()).empty()) << "the dry run left its scratch copy behind";
}

// breakit18 #10: with the database in the current directory the message said "not enough room
// in  for a backup" (an empty name); it names the current directory `.`.
TEST_F(BackupRoomTest, NoRoomInTheCurrentDirectoryNamesIt) {
    TestDb(small() / "here.db").exec("CREATE TABLE t (x);");
    add_filler(small() / "here.db", 1);  // fits in the 2 MiB, but not with a backup beside it
    RunOptions in_small;
    in_small.cwd = small();
    auto result = run_raw({"db", "backup", "--db", "here.db"}, in_small);
    EXPECT_EQ(result.exit_code, 3) << describe(result);
    EXPECT_CONTAINS(result.err, "not enough room in . for a backup of here.db") << result.err;
}

}  // namespace
}  // namespace belay::testing
