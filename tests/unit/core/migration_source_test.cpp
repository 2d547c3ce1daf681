#include "core/migration_source.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/checksum.hpp"
#include "core/migration_files.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_ok = "-- +migrate Up\nSELECT 1;\n";

std::vector<std::string> names_of(const std::vector<Migration>& migrations) {
    std::vector<std::string> names;
    for (const Migration& m : migrations) {
        names.push_back(m.path.filename().string());
    }
    return names;
}

std::string load_error(const fs::path& directory) {
    auto migrations = load_migrations(directory);
    if (migrations) {
        ADD_FAILURE() << "expected load_migrations to fail for " << directory;
        return {};
    }
    EXPECT_EQ(migrations.error().code, ErrorCode::invalid_input);
    return migrations.error().message;
}

TEST(LoadMigrations, SortsByNumericVersionNotByFileName) {
    testing::TempDir dir;
    dir.write("10_ten.sql", k_ok);
    dir.write("9_nine.sql", k_ok);
    dir.write("0002_two.sql", k_ok);
    dir.write("20150100000001000000_huge.sql", k_ok);
    dir.write("20240101123456_stamp.sql", k_ok);
    const auto migrations = load_migrations(dir.path());
    ASSERT_TRUE(migrations.has_value()) << migrations.error().message;
    EXPECT_EQ(
        names_of(*migrations),
        (std::vector<std::string>{"0002_two.sql", "9_nine.sql", "10_ten.sql",
                                  "20240101123456_stamp.sql", "20150100000001000000_huge.sql"}));
    EXPECT_EQ((*migrations)[0].name, "two");
    EXPECT_EQ((*migrations)[0].up.sql, "SELECT 1;\n");
    EXPECT_EQ((*migrations)[0].path, dir / "0002_two.sql");
}

TEST(LoadMigrations, EmptyDirectoryGivesNoMigrations) {
    testing::TempDir dir;
    const auto migrations = load_migrations(dir.path());
    ASSERT_TRUE(migrations.has_value()) << migrations.error().message;
    EXPECT_TRUE(migrations->empty());
}

TEST(LoadMigrations, SkipsDocumentationHiddenFilesAndSubdirectories) {
    testing::TempDir dir;
    dir.write("0001_a.sql", k_ok);
    for (const std::string_view name :
         {"README", "readme.md", "README.txt", "LICENSE", "notes.md", "HOWTO.rst", "todo.txt",
          ".gitkeep", ".0002_draft.sql.swp", "CHANGELOG"}) {
        dir.write(name, "not sql at all;");
    }
    dir.write("archive/0002_old.sql", k_ok);
    dir.write("archive/junk.bin", "x");
    const auto migrations = load_migrations(dir.path());
    ASSERT_TRUE(migrations.has_value()) << migrations.error().message;
    EXPECT_EQ(names_of(*migrations), std::vector<std::string>{"0001_a.sql"});
}

TEST(LoadMigrations, FollowsSymlinksToMigrationFiles) {
    testing::TempDir dir;
    const auto target = dir.write("shared/0001_a.sql", k_ok);
    fs::create_directory(dir / "migrations");
    fs::create_symlink(target, dir / "migrations" / "0001_a.sql");
    const auto migrations = load_migrations(dir / "migrations");
    ASSERT_TRUE(migrations.has_value()) << migrations.error().message;
    EXPECT_EQ(names_of(*migrations), std::vector<std::string>{"0001_a.sql"});
}

TEST(IsIgnoredFileName, DocumentsTheRule) {
    EXPECT_TRUE(is_ignored_file_name(".gitkeep"));
    EXPECT_TRUE(is_ignored_file_name("ReadMe.MD"));
    EXPECT_TRUE(is_ignored_file_name("LICENCE"));
    EXPECT_FALSE(is_ignored_file_name("0001_a.sql"));
    EXPECT_FALSE(is_ignored_file_name("create_users.sql"));
    EXPECT_FALSE(is_ignored_file_name("0001_a.sql.bak"));
}

TEST(IsIgnoredFileName, IgnoresCaseInPrefixesAndSuffixes) {
    EXPECT_TRUE(is_ignored_file_name("Notes.TXT"));
    EXPECT_TRUE(is_ignored_file_name("LiCeNsE-MIT"));
    EXPECT_TRUE(is_ignored_file_name("changelog.Rst"));
    EXPECT_TRUE(is_ignored_file_name(".md"));
    EXPECT_FALSE(is_ignored_file_name("0001_readme.sql"));
    EXPECT_FALSE(is_ignored_file_name("0001_a.mdx"));
    EXPECT_FALSE(is_ignored_file_name("md"));
    EXPECT_FALSE(is_ignored_file_name(""));
}

TEST(SortedEntries, SortsByTheBytesOfTheFileName) {
    testing::TempDir dir;
    for (const std::string_view name :
         {"b.sql", "a_b.sql", "B.sql", "a.sql~", "a.sql", "10", "9"}) {
        dir.write(name, "x");
    }
    const auto entries = sorted_entries(dir.path());
    ASSERT_TRUE(entries.has_value()) << entries.error().message;
    std::vector<std::string> names;
    for (const auto& entry : *entries) {
        names.push_back(entry.path().filename().string());
        EXPECT_EQ(entry.path(), dir / names.back());
    }
    EXPECT_EQ(names, (std::vector<std::string>{"10", "9", "B.sql", "a.sql", "a.sql~", "a_b.sql",
                                               "b.sql"}));
}

TEST(SortedEntries, TypesFollowSymlinksAsDirectoryEntriesDo) {
    testing::TempDir dir;
    const auto file = dir.write("f.sql", "x");
    fs::create_directory(dir / "sub");
    fs::create_symlink(file, dir / "link_to_file");
    fs::create_symlink(dir / "sub", dir / "link_to_dir");
    fs::create_symlink(dir / "gone", dir / "broken");
    const auto entries = sorted_entries(dir.path());
    ASSERT_TRUE(entries.has_value()) << entries.error().message;
    std::vector<std::string> seen;
    for (const auto& entry : *entries) {
        std::error_code directory_error;
        std::error_code file_error;
        const bool directory = entry.is_directory(directory_error);
        const bool regular = entry.is_regular_file(file_error);
        const fs::directory_entry reference(entry.path());
        std::error_code ignored;
        EXPECT_EQ(directory, reference.is_directory(ignored)) << entry.path();
        EXPECT_EQ(regular, reference.is_regular_file(ignored)) << entry.path();
        EXPECT_EQ(entry.file_name(), entry.path().filename().string());
        seen.push_back(std::string(entry.file_name()) + (directory ? " dir" : "") +
                       (regular ? " file" : "") + (file_error ? " error" : ""));
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"broken error", "f.sql file", "link_to_dir dir",
                                              "link_to_file file", "sub dir"}));
}

TEST(SortedEntries, MissingDirectoryNamesItAndTheReason) {
    testing::TempDir dir;
    const auto entries = sorted_entries(dir / "nope");
    ASSERT_FALSE(entries.has_value());
    EXPECT_EQ(entries.error().code, ErrorCode::invalid_input);
    EXPECT_EQ(entries.error().message, "cannot list migrations directory " +
                                           (dir / "nope").string() + ": No such file or directory");
}

TEST(ReadWholeFile, ReadsAFileLargerThanOneBufferByteForByte) {
    testing::TempDir dir;
    std::string contents;
    for (int i = 0; contents.size() < 200 * 1024; ++i) {
        contents += std::to_string(i) + '\0' + "\r\n";
    }
    const auto read = read_whole_file(dir.write("big.sql", contents));
    ASSERT_TRUE(read.has_value()) << read.error().message;
    EXPECT_EQ(*read, contents);
}

TEST(ReadWholeFile, EmptyFileIsEmpty) {
    testing::TempDir dir;
    const auto read = read_whole_file(dir.write("empty.sql", ""));
    ASSERT_TRUE(read.has_value()) << read.error().message;
    EXPECT_EQ(*read, "");
}

TEST(ReadWholeFile, MissingFileOrDirectoryNamesThePathAndTheReason) {
    testing::TempDir dir;
    const auto missing = read_whole_file(dir / "nope.sql");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, ErrorCode::invalid_input);
    // Not "check its permissions": permissions are not what is wrong.
    EXPECT_EQ(missing.error().message,
              (dir / "nope.sql").string() + ": cannot open: No such file or directory");
    const auto directory = read_whole_file(dir.path());
    ASSERT_FALSE(directory.has_value());
    EXPECT_EQ(directory.error().message,
              dir.path().string() +
                  ": not a regular file (a FIFO, a device or a directory); a migration must be a "
                  "file: replace it, or move it out of the migrations directory");
}

TEST(LoadMigrations, DbmateFilesAreChecksummedAsWrittenAndParsedTranslated) {
    testing::TempDir dir;
    const std::string text =
        "-- migrate:up\r\nCREATE TABLE t (id INTEGER);\r\n-- migrate:down\r\nDROP TABLE t;\r\n";
    dir.write("20240101000000_t.sql", text);
    const auto migrations = load_migrations(dir.path());
    ASSERT_TRUE(migrations.has_value()) << migrations.error().message;
    ASSERT_EQ(migrations->size(), 1u);
    const Migration& m = migrations->front();
    EXPECT_EQ(m.layout, Layout::dbmate);
    EXPECT_EQ(m.checksum, migration_checksum(text));
    EXPECT_EQ(m.up.sql, "CREATE TABLE t (id INTEGER);\n");
    EXPECT_EQ(m.down.sql, "DROP TABLE t;\n");
    EXPECT_EQ(m.down.first_line, 4);
}

TEST(LoadMigrations, DuplicatesAmongNamesThatDoNotSortByVersionAreFoundInVersionOrder) {
    testing::TempDir dir;
    dir.write("10_a.sql", k_ok);
    dir.write("9_b.sql", k_ok);
    dir.write("010_c.sql", k_ok);
    dir.write("0009_d.sql", k_ok);
    const std::string message = load_error(dir.path());
    EXPECT_EQ(message, (dir / "0009_d.sql").string() + " and " + (dir / "9_b.sql").string() +
                           " have the same version (0009 and 9 are both 9); give each migration "
                           "its own version\n" +
                           (dir / "010_c.sql").string() + " and " + (dir / "10_a.sql").string() +
                           " have the same version (010 and 10 are both 10); give each migration "
                           "its own version");
}

TEST(LoadMigrations, MissingDirectoryNamesIt) {
    testing::TempDir dir;
    const std::string message = load_error(dir / "nope");
    EXPECT_CONTAINS(message, (dir / "nope").string());
    EXPECT_CONTAINS(message, "does not exist");
}

TEST(LoadMigrations, FileInsteadOfDirectoryNamesIt) {
    testing::TempDir dir;
    const auto file = dir.write("0001_a.sql", k_ok);
    const std::string message = load_error(file);
    EXPECT_CONTAINS(message, file.string() + " is not a directory");
}

TEST(LoadMigrations, UnreadableDirectoryNamesIt) {
    if (::geteuid() == 0) {
        GTEST_SKIP() << "root reads any directory";
    }
    testing::TempDir dir;
    fs::create_directory(dir / "locked");
    fs::permissions(dir / "locked", fs::perms::none);
    const std::string message = load_error(dir / "locked");
    fs::permissions(dir / "locked", fs::perms::owner_all);
    EXPECT_CONTAINS(message, (dir / "locked").string());
    EXPECT_CONTAINS(message, "Permission denied");
}

TEST(LoadMigrations, UnreadableFileNamesIt) {
    if (::geteuid() == 0) {
        GTEST_SKIP() << "root reads any file";
    }
    testing::TempDir dir;
    const auto file = dir.write("0001_a.sql", k_ok);
    fs::permissions(file, fs::perms::none);
    const std::string message = load_error(dir.path());
    EXPECT_CONTAINS(message, file.string() + ": cannot open: Permission denied");
}

TEST(LoadMigrations, MisnamedFilesAreErrorsNamingThem) {
    testing::TempDir dir;
    dir.write("0001_a.sql", k_ok);
    dir.write("create_users.sql", k_ok);
    dir.write("0002_b.SQL", k_ok);
    const std::string message = load_error(dir.path());
    EXPECT_CONTAINS(message, (dir / "create_users.sql").string() + ": not a migration file name");
    EXPECT_CONTAINS(message, (dir / "0002_b.SQL").string() + ": not a migration file name");
    EXPECT_CONTAINS(message, "<version>_<name>.sql");
}

TEST(LoadMigrations, BrokenSymlinkIsAnError) {
    testing::TempDir dir;
    fs::create_symlink(dir / "gone.sql", dir / "0001_a.sql");
    EXPECT_CONTAINS(load_error(dir.path()),
                    (dir / "0001_a.sql").string() + ": a symbolic link to " +
                        (dir / "gone.sql").string() + ", which is not a regular file");
}

TEST(LoadMigrations, FifoIsNamedAsOne) {
    testing::TempDir dir;
    ASSERT_EQ(::mkfifo((dir / "0001_a.sql").c_str(), 0600), 0);
    EXPECT_CONTAINS(load_error(dir.path()),
                    (dir / "0001_a.sql").string() + ": a FIFO, not a regular file");
}

TEST(LoadMigrations, SameNumericVersionIsAnErrorNamingBothFiles) {
    testing::TempDir dir;
    dir.write("0001_a.sql", k_ok);
    dir.write("1_b.sql", k_ok);
    dir.write("2_c.sql", k_ok);
    const std::string message = load_error(dir.path());
    EXPECT_CONTAINS(message, (dir / "0001_a.sql").string() + " and " + (dir / "1_b.sql").string() +
                                 " have the same version (0001 and 1 are both 1)");
    EXPECT_NOT_CONTAINS(message, "2_c.sql");
}

TEST(LoadMigrations, ReportsAllProblemsTogetherOnePerLine) {
    testing::TempDir dir;
    dir.write("0001_a.sql", "-- +migrate Down\n");                  // no Up
    dir.write("0002_b.sql", "-- +migrate Up\n-- +migrate Nope\n");  // unknown directive
    dir.write("0002_c.sql", k_ok);                                  // duplicate of 0002_b
    dir.write("notes.sql", k_ok);                                   // misnamed
    dir.write("0003_d.sql", k_ok);                                  // fine
    const std::string message = load_error(dir.path());
    EXPECT_CONTAINS(message, (dir / "0001_a.sql").string() + ": no '-- +migrate Up' section");
    EXPECT_CONTAINS(message, (dir / "0002_b.sql").string() + ":2: unknown directive");
    EXPECT_CONTAINS(message, (dir / "0002_b.sql").string() + " and " +
                                 (dir / "0002_c.sql").string() + " have the same version");
    EXPECT_CONTAINS(message, (dir / "notes.sql").string() + ": not a migration file name");
    EXPECT_NOT_CONTAINS(message, "0003_d.sql");
    EXPECT_EQ(std::ranges::count(message, '\n'), 3) << message;
}

}  // namespace
}  // namespace belay
