#include "core/durable_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay {
namespace {

namespace fs = std::filesystem;

constexpr uid_t k_nobody_uid = 65534;
constexpr gid_t k_nobody_gid = 65534;

// Sets the process umask for the test's duration.
class ScopedUmask {
  public:
    explicit ScopedUmask(mode_t mask) : m_old(::umask(mask)) {}
    ~ScopedUmask() { ::umask(m_old); }
    ScopedUmask(const ScopedUmask&) = delete;
    ScopedUmask& operator=(const ScopedUmask&) = delete;

  private:
    mode_t m_old;
};

struct stat stat_of(const fs::path& path) {
    struct stat info {};
    EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
    return info;
}

mode_t mode_of(const fs::path& path) {
    return stat_of(path).st_mode & 07777;
}

std::set<std::string> names_in(const fs::path& directory) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(directory)) {
        names.insert(entry.path().filename().string());
    }
    return names;
}

// create_exclusive's descriptor, closed; fails the test when creation failed.
void create_and_close(const fs::path& path, const FileOwnership& ownership) {
    auto fd = create_exclusive(path, ownership);
    ASSERT_TRUE(fd.has_value()) << fd.error().message;
    EXPECT_GE(*fd, 0);
    ::close(*fd);
}

TEST(CreateExclusive, CreatesAnEmptyFileAndReturnsAWritableDescriptor) {
    testing::TempDir dir;
    const auto path = dir / "new.bak";
    auto fd = create_exclusive(path, FileOwnership{0600});
    ASSERT_TRUE(fd.has_value()) << fd.error().message;
    ASSERT_EQ(::write(*fd, "abc", 3), 3);
    ::close(*fd);
    EXPECT_EQ(testing::read_file(path), "abc");
}

TEST(CreateExclusive, RefusesAnExistingFileAndLeavesItAlone) {
    testing::TempDir dir;
    const auto path = dir.write("taken.bak", "precious");
    ::chmod(path.c_str(), 0600);

    auto fd = create_exclusive(path, FileOwnership{0666});

    ASSERT_FALSE(fd.has_value());
    EXPECT_EQ(fd.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(fd.error().message, path.string());
    EXPECT_EQ(testing::read_file(path), "precious");
    EXPECT_EQ(mode_of(path), 0600U);
}

TEST(CreateExclusive, RefusesASymlinkAndLeavesItsTargetUntouched) {
    testing::TempDir dir;
    const auto target = dir.write("target.db", "the real database");
    ::chmod(target.c_str(), 0600);
    const auto link = dir / "link.bak";
    fs::create_symlink(target, link);

    auto fd = create_exclusive(link, FileOwnership{0666});

    ASSERT_FALSE(fd.has_value());
    EXPECT_CONTAINS(fd.error().message, link.string());
    EXPECT_TRUE(fs::is_symlink(fs::symlink_status(link)));
    EXPECT_EQ(testing::read_file(target), "the real database");
    EXPECT_EQ(mode_of(target), 0600U);
}

TEST(CreateExclusive, RefusesADanglingSymlinkAndCreatesNothingAtItsTarget) {
    testing::TempDir dir;
    const auto link = dir / "dangling.bak";
    fs::create_symlink(dir / "elsewhere", link);

    auto fd = create_exclusive(link, FileOwnership{0600});

    ASSERT_FALSE(fd.has_value());
    EXPECT_FALSE(fs::exists(dir / "elsewhere"));
    EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"dangling.bak"});
}

TEST(CreateExclusive, RestrictiveUmaskDoesNotNarrowTheMode) {
    ScopedUmask mask(0077);
    testing::TempDir dir;
    create_and_close(dir / "a", FileOwnership{0644});
    create_and_close(dir / "b", FileOwnership{0664});
    EXPECT_EQ(mode_of(dir / "a"), 0644U);
    EXPECT_EQ(mode_of(dir / "b"), 0664U);
}

TEST(CreateExclusive, PermissiveUmaskDoesNotWidenTheMode) {
    ScopedUmask mask(0);
    testing::TempDir dir;
    create_and_close(dir / "a", FileOwnership{0600});
    create_and_close(dir / "b", FileOwnership{0640});
    EXPECT_EQ(mode_of(dir / "a"), 0600U);
    EXPECT_EQ(mode_of(dir / "b"), 0640U);
}

TEST(CreateExclusive, ChownsToTheGivenOwnerWhenRoot) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "only root can give a file away";
    }
    testing::TempDir dir;
    const auto path = dir / "owned.bak";
    create_and_close(path, FileOwnership{0640, k_nobody_uid, k_nobody_gid});
    const auto info = stat_of(path);
    EXPECT_EQ(info.st_uid, k_nobody_uid);
    EXPECT_EQ(info.st_gid, k_nobody_gid);
    EXPECT_EQ(info.st_mode & 07777, 0640U);
}

TEST(CreateExclusive, LeavesTheCreatorAsOwnerWhenNoOwnerIsGiven) {
    testing::TempDir dir;
    const auto path = dir / "mine.bak";
    create_and_close(path, FileOwnership{0600});
    EXPECT_EQ(stat_of(path).st_uid, ::geteuid());
}

TEST(OwnershipOf, ReadsModeAndOwnerAndNamesAMissingPath) {
    testing::TempDir dir;
    const auto path = dir.write("app.db", "x");
    ::chmod(path.c_str(), 0640);
    auto ownership = ownership_of(path);
    ASSERT_TRUE(ownership.has_value()) << ownership.error().message;
    EXPECT_EQ(ownership->mode, 0640U);
    EXPECT_EQ(ownership->uid, ::geteuid());
    EXPECT_EQ(ownership->gid, ::getegid());

    auto missing = ownership_of(dir / "missing.db");
    ASSERT_FALSE(missing.has_value());
    EXPECT_CONTAINS(missing.error().message, (dir / "missing.db").string());
}

TEST(RenameNoReplace, MovesTheFileWhenTheTargetIsFree) {
    testing::TempDir dir;
    const auto from = dir.write("from.tmp", "content");
    const auto to = dir / "final.bak";
    auto ok = rename_no_replace(from, to);
    ASSERT_TRUE(ok.has_value()) << ok.error().message;
    EXPECT_EQ(testing::read_file(to), "content");
    EXPECT_FALSE(fs::exists(from));
}

TEST(RenameNoReplace, NeverReplacesAnExistingFile) {
    testing::TempDir dir;
    const auto from = dir.write("from.tmp", "new");
    const auto to = dir.write("final.bak", "old");

    auto ok = rename_no_replace(from, to);

    ASSERT_FALSE(ok.has_value());
    EXPECT_CONTAINS(ok.error().message, to.string());
    EXPECT_EQ(testing::read_file(to), "old");
    EXPECT_EQ(testing::read_file(from), "new");
}

TEST(RenameNoReplace, NeverReplacesOrFollowsASymlink) {
    testing::TempDir dir;
    const auto from = dir.write("from.tmp", "new");
    const auto target = dir.write("target.db", "target");
    const auto link = dir / "final.bak";
    fs::create_symlink(target, link);
    const auto dangling = dir / "dangling.bak";
    fs::create_symlink(dir / "nowhere", dangling);

    EXPECT_FALSE(rename_no_replace(from, link).has_value());
    EXPECT_FALSE(rename_no_replace(from, dangling).has_value());

    EXPECT_TRUE(fs::is_symlink(fs::symlink_status(link)));
    EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dangling)));
    EXPECT_EQ(testing::read_file(target), "target");
    EXPECT_FALSE(fs::exists(dir / "nowhere"));
    EXPECT_EQ(testing::read_file(from), "new");
}

TEST(WriteNewFileDurably, WritesTheContentWithTheModeAndLeavesNoTemporaryFile) {
    ScopedUmask mask(0077);
    testing::TempDir dir;
    const auto path = dir / "app.bak.json";
    const std::string contents(100000, 'j');

    auto ok = write_new_file_durably(path, contents, FileOwnership{0644});

    ASSERT_TRUE(ok.has_value()) << ok.error().message;
    EXPECT_EQ(testing::read_file(path), contents);
    EXPECT_EQ(mode_of(path), 0644U);
    EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"app.bak.json"});
}

TEST(WriteNewFileDurably, WritesAnEmptyFile) {
    testing::TempDir dir;
    ASSERT_TRUE(write_new_file_durably(dir / "empty", "", FileOwnership{0600}).has_value());
    EXPECT_EQ(testing::read_file(dir / "empty"), "");
}

TEST(WriteNewFileDurably, RefusesAnExistingFileAndLeavesNoTemporaryFile) {
    testing::TempDir dir;
    const auto path = dir.write("app.bak.json", "old sidecar");

    auto ok = write_new_file_durably(path, "new sidecar", FileOwnership{0600});

    ASSERT_FALSE(ok.has_value());
    EXPECT_CONTAINS(ok.error().message, path.string());
    EXPECT_EQ(testing::read_file(path), "old sidecar");
    EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"app.bak.json"});
}

TEST(WriteNewFileDurably, RefusesASymlinkAndLeavesItsTargetAlone) {
    testing::TempDir dir;
    const auto target = dir.write("target", "keep");
    fs::create_symlink(target, dir / "link");

    EXPECT_FALSE(write_new_file_durably(dir / "link", "new", FileOwnership{0600}).has_value());

    EXPECT_EQ(testing::read_file(target), "keep");
    EXPECT_EQ(names_in(dir.path()), (std::set<std::string>{"link", "target"}));
}

TEST(WriteNewFileDurably, FailsInAMissingDirectoryCreatingNothing) {
    testing::TempDir dir;
    auto ok = write_new_file_durably(dir / "missing" / "file", "x", FileOwnership{0600});
    ASSERT_FALSE(ok.has_value());
    EXPECT_TRUE(names_in(dir.path()).empty());
}

TEST(SyncFile, FlushesExistingFilesAndDirectoriesAndNamesAMissingOne) {
    testing::TempDir dir;
    const auto file = dir.write("f", "x");
    EXPECT_TRUE(sync_file(file).has_value());
    EXPECT_TRUE(sync_directory(dir.path()).has_value());

    auto missing = sync_file(dir / "missing");
    ASSERT_FALSE(missing.has_value());
    EXPECT_CONTAINS(missing.error().message, (dir / "missing").string());
    EXPECT_FALSE(sync_directory(dir / "missing").has_value());
}

TEST(TemporarySibling, NamesAreBesideThePathAndUnique) {
    const fs::path path = "/srv/data/registry-20261123-101500.bak";
    const std::regex shape(R"(registry-20261123-101500\.bak\.tmp-[0-9a-f]{16})");
    std::set<std::string> names;
    for (int i = 0; i < 1000; ++i) {
        const auto sibling = temporary_sibling(path);
        EXPECT_EQ(sibling.parent_path(), path.parent_path());
        EXPECT_TRUE(std::regex_match(sibling.filename().string(), shape)) << sibling;
        names.insert(sibling.string());
    }
    EXPECT_EQ(names.size(), 1000U);
}

TEST(FinalNameOfTemporary, IsTheNameBeforeTheMarkerOfSixteenHexDigits) {
    EXPECT_EQ(final_name_of_temporary("r-20261123-101500.bak.tmp-0123456789abcdef"),
              "r-20261123-101500.bak");
    EXPECT_EQ(final_name_of_temporary(temporary_sibling("x.bak.json").string()), "x.bak.json");
    EXPECT_EQ(final_name_of_temporary("r-notes.tmp-draft"), std::nullopt);
    EXPECT_EQ(final_name_of_temporary("r.bak.tmp-0123456789abcdeF"), std::nullopt);
    EXPECT_EQ(final_name_of_temporary("r.bak.tmp-0123456789abcdef-journal"), std::nullopt);
    EXPECT_EQ(final_name_of_temporary(".tmp-0123456789abcdef"), std::nullopt);
}

TEST(RemoveAbandonedTemporaries, RemovesOnlyUnheldTemporariesOfAcceptedNames) {
    testing::TempDir dir;
    const auto abandoned = temporary_sibling(dir.path() / "ours.bak");
    dir.write(abandoned.filename().string(), "half a backup");
    dir.write(abandoned.filename().string() + "-journal", "its journal");
    const auto held_path = temporary_sibling(dir.path() / "ours.bak");
    auto held = HeldTemporary::create(held_path, FileOwnership{});
    ASSERT_TRUE(held.has_value()) << held.error().message;
    const auto theirs = temporary_sibling(dir.path() / "theirs.bak");
    dir.write(theirs.filename().string(), "another program's");
    dir.write("ours-notes.tmp-draft", "a user's file");

    const int removed = remove_abandoned_temporaries(
        dir.path(), [](std::string_view name) { return name == "ours.bak"; });
    EXPECT_EQ(removed, 1);
    EXPECT_FALSE(fs::exists(abandoned));
    EXPECT_FALSE(fs::exists(abandoned.string() + "-journal"));
    EXPECT_TRUE(fs::exists(held_path)) << "a live writer's temporary is never removed";
    EXPECT_TRUE(fs::exists(theirs));
    EXPECT_TRUE(fs::exists(dir.path() / "ours-notes.tmp-draft"));
}

// A kill while SQLite had a temporary open (verifying it, or with WAL in its header) leaves its
// -wal and -shm too; a kill between two unlinks leaves them without the temporary.
TEST(RemoveAbandonedTemporaries, RemovesTheirWalAndShmAndOrphansOfThemButNotALiveWritersOnes) {
    testing::TempDir dir;
    const auto abandoned = temporary_sibling(dir.path() / "ours.bak");
    dir.write(abandoned.filename().string(), "half a backup");
    for (const auto* suffix : {"-wal", "-shm"}) {
        dir.write(abandoned.filename().string() + suffix, "its companion");
    }
    const auto gone = temporary_sibling(dir.path() / "ours.bak");
    dir.write(gone.filename().string() + "-wal", "left without its temporary");
    const auto held_path = temporary_sibling(dir.path() / "ours.bak");
    auto held = HeldTemporary::create(held_path, FileOwnership{});
    ASSERT_TRUE(held.has_value()) << held.error().message;
    dir.write(held_path.filename().string() + "-wal", "a live writer's");
    const auto theirs = temporary_sibling(dir.path() / "theirs.bak");
    dir.write(theirs.filename().string() + "-wal", "another program's");

    const int removed = remove_abandoned_temporaries(
        dir.path(), [](std::string_view name) { return name == "ours.bak"; });
    EXPECT_EQ(removed, 1);
    for (const auto* suffix : {"", "-wal", "-shm"}) {
        EXPECT_FALSE(fs::exists(abandoned.string() + suffix)) << suffix;
    }
    EXPECT_FALSE(fs::exists(gone.string() + "-wal"));
    EXPECT_TRUE(fs::exists(held_path.string() + "-wal")) << "a live writer's temporary keeps it";
    EXPECT_TRUE(fs::exists(theirs.string() + "-wal"));
}

// The moment between a temporary's creation and its flock: another run's sweep cannot tell it
// from an abandoned one and removes it (breakit13b section 3a). hold() notices and creates it
// again, so the writer ends up holding the file at its name, which no later sweep removes.
TEST(HeldTemporary, HoldRecreatesATemporarySweptBeforeItWasLocked) {
    testing::TempDir dir;
    const auto path = temporary_sibling(dir.path() / "ours.bak");
    auto fd = create_exclusive(path, FileOwnership{0600});
    ASSERT_TRUE(fd.has_value()) << fd.error().message;
    auto is_ours = [](std::string_view name) { return name == "ours.bak"; };
    ASSERT_EQ(remove_abandoned_temporaries(dir.path(), is_ours), 1);
    ASSERT_FALSE(fs::exists(path));

    auto held = HeldTemporary::hold(*fd, path, FileOwnership{0600});
    ASSERT_TRUE(held.has_value()) << held.error().message;
    EXPECT_EQ(remove_abandoned_temporaries(dir.path(), is_ours), 0);
    EXPECT_TRUE(has_live_temporary(dir.path(), "ours.bak"));
    ASSERT_EQ(::write(held->fd(), "copy", 4), 4);
    EXPECT_EQ(testing::read_file(path), "copy") << "the held file is the one at the name";
    EXPECT_EQ(mode_of(path), 0600);
}

// A temporary made by create() is held from the moment its name exists: a sweep right after
// leaves it, and it is the file the descriptor writes.
TEST(HeldTemporary, CreateIsHeldAsSoonAsItsNameExists) {
    testing::TempDir dir;
    const auto path = temporary_sibling(dir.path() / "ours.bak");
    auto held = HeldTemporary::create(path, FileOwnership{0640});
    ASSERT_TRUE(held.has_value()) << held.error().message;
    EXPECT_EQ(remove_abandoned_temporaries(
                  dir.path(), [](std::string_view name) { return name == "ours.bak"; }),
              0);
    ASSERT_EQ(::write(held->fd(), "copy", 4), 4);
    EXPECT_EQ(testing::read_file(path), "copy");
    EXPECT_EQ(mode_of(path), 0640);
    EXPECT_FALSE(HeldTemporary::create(path, FileOwnership{0640}).has_value()) << "never replaces";
}

TEST(RenameUnlessTaken, SaysFalseForAnExistingTargetAndMovesNothing) {
    testing::TempDir dir;
    const auto from = dir.write("a.tmp", "new");
    const auto to = dir.write("a.bak", "old");
    auto taken = rename_unless_taken(from, to);
    ASSERT_TRUE(taken.has_value()) << taken.error().message;
    EXPECT_FALSE(*taken);
    EXPECT_EQ(testing::read_file(to), "old");
    EXPECT_EQ(testing::read_file(from), "new");
    auto moved = rename_unless_taken(from, dir.path() / "b.bak");
    ASSERT_TRUE(moved.has_value()) << moved.error().message;
    EXPECT_TRUE(*moved);
    EXPECT_FALSE(fs::exists(from));
    EXPECT_FALSE(rename_unless_taken(from, dir.path() / "c.bak").has_value()) << "a real error";
}

TEST(WriteNewFileUnlessTaken, SaysFalseForAnExistingFileAndLeavesNoTemporaryFile) {
    testing::TempDir dir;
    const auto path = dir.write("app.bak.json", "old sidecar");
    auto taken = write_new_file_unless_taken(path, "new sidecar", FileOwnership{0600});
    ASSERT_TRUE(taken.has_value()) << taken.error().message;
    EXPECT_FALSE(*taken);
    EXPECT_EQ(testing::read_file(path), "old sidecar");
    EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"app.bak.json"});
    auto written =
        write_new_file_unless_taken(dir.path() / "b.bak.json", "new", FileOwnership{0600});
    ASSERT_TRUE(written.has_value()) << written.error().message;
    EXPECT_TRUE(*written);
    EXPECT_EQ(testing::read_file(dir.path() / "b.bak.json"), "new");
}

TEST(AvailableSpace, IsPositiveForARealDirectoryAndFailsForAMissingOne) {
    testing::TempDir dir;
    auto space = available_space(dir.path());
    ASSERT_TRUE(space.has_value()) << space.error().message;
    EXPECT_GT(*space, 0U);

    auto missing = available_space(dir / "missing");
    ASSERT_FALSE(missing.has_value());
    EXPECT_CONTAINS(missing.error().message, (dir / "missing").string());
}

}  // namespace
}  // namespace belay
