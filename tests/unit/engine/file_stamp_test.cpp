#include "engine/file_stamp.hpp"

#include <chrono>

#include <gtest/gtest.h>

#include "raw_database.hpp"
#include "support/temp_dir.hpp"

namespace belay::engine {
namespace {

namespace fs = std::filesystem;
using testing::RawDatabase;

// Files last written an hour ago: a write now moves their times even on a clock that keeps
// file times to the tick.
void age(const fs::path& database) {
    for (const auto& file : {database, fs::path(database.string() + "-wal")}) {
        if (fs::exists(file)) {
            fs::last_write_time(file, fs::file_time_type::clock::now() - std::chrono::hours(1));
        }
    }
}

TEST(FileStamp, ACommitThatKeepsTheSizeChangesTheStamp) {
    testing::TempDir dir;
    const auto path = dir / "app.db";
    RawDatabase(path).exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);");
    age(path);
    const auto before = stamp_database_files(path);
    RawDatabase(path).exec("UPDATE t SET x = 2;");
    EXPECT_EQ(fs::file_size(path), before.database.size);
    EXPECT_NE(stamp_database_files(path), before);
}

TEST(FileStamp, ACommitToTheWalChangesTheStamp) {
    testing::TempDir dir;
    const auto path = dir / "app.db";
    RawDatabase holder(path);  // keeps the -wal from being checkpointed away on close
    holder.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);");
    age(path);
    const auto before = stamp_database_files(path);
    RawDatabase(path).exec("INSERT INTO t VALUES (1);");
    EXPECT_NE(stamp_database_files(path), before);
}

TEST(FileStamp, AReaderOfAWalDatabaseLeavesTheStampAsItWas) {
    testing::TempDir dir;
    const auto path = dir / "app.db";
    RawDatabase(path).exec(
        "PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);");
    ASSERT_FALSE(fs::exists(path.string() + "-wal")) << "checkpointed and removed on close";
    age(path);
    const auto before = stamp_database_files(path);
    RawDatabase reader(path);
    EXPECT_EQ(reader.rows("SELECT x FROM t").size(), 1u);
    EXPECT_TRUE(fs::exists(path.string() + "-wal")) << "the reader made an empty one";
    EXPECT_EQ(stamp_database_files(path), before);
}

TEST(FileStamp, ADatabaseMadeMeanwhileChangesTheStamp) {
    testing::TempDir dir;
    const auto path = dir / "app.db";
    const auto before = stamp_database_files(path);
    EXPECT_FALSE(before.database.exists);
    RawDatabase(path).exec("CREATE TABLE t (x INTEGER);");
    EXPECT_NE(stamp_database_files(path), before);
}

}  // namespace
}  // namespace belay::engine
