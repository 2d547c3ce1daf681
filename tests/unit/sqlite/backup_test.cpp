#include "sqlite/backup.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sqlite/database.hpp"
#include "sqlite/statement.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay::sqlite {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Every schema entry and every row of every table, as text, in a stable order.
std::string dump(Database& db) {
    std::string text;
    auto schema =
        db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name");
    EXPECT_TRUE(schema.has_value());
    std::vector<std::string> tables;
    while (schema->step().value_or(false)) {
        text += schema->column_text(0) + "|" + schema->column_text(1) + "|" +
                schema->column_text(2) + "|" + schema->column_text(3) + "\n";
        if (schema->column_text(0) == "table") {
            tables.push_back(schema->column_text(1));
        }
    }
    for (const auto& table : tables) {
        auto rows = db.prepare("SELECT * FROM \"" + table + "\" ORDER BY 1");
        EXPECT_TRUE(rows.has_value());
        while (rows->step().value_or(false)) {
            text += table + ":";
            for (int i = 0; i < rows->column_count(); ++i) {
                text += std::to_string(rows->column_type(i)) + "=" + rows->column_text(i) + ",";
            }
            text += "\n";
        }
    }
    return text;
}

class BackupTest : public ::testing::Test {
  protected:
    Database open(const std::string& name, OpenMode mode = OpenMode::read_write_create) {
        auto db = Database::open(m_dir / name, mode, 200ms);
        EXPECT_TRUE(db.has_value()) << db.error().message;
        return std::move(*db);
    }

    void fill(Database& db) {
        ASSERT_TRUE(
            db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, score REAL, pic BLOB);"
                    "CREATE INDEX users_name ON users (name);"
                    "CREATE VIEW top AS SELECT name FROM users WHERE score > 1;"
                    "CREATE TRIGGER users_ai AFTER INSERT ON users BEGIN SELECT 1; END;"
                    "INSERT INTO users (name, score, pic) VALUES ('ada', 2.5, x'00ff'), "
                    "('bob', NULL, NULL), ('it''s', -1, x'');"
                    "INSERT INTO users (name) SELECT printf('user %d', value) FROM "
                    "(WITH RECURSIVE c(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM c "
                    "WHERE value < 2000) SELECT value FROM c);"
                    "PRAGMA user_version = 17;")
                .has_value());
    }

    testing::TempDir m_dir;
};

TEST_F(BackupTest, CopiesSchemaRowsAndUserVersionExactly) {
    auto source = open("source.db");
    fill(source);
    const auto expected = dump(source);
    auto destination = open("copy.db");
    auto copied = copy_database(source, destination);
    ASSERT_TRUE(copied.has_value()) << copied.error().message;
    ASSERT_TRUE(destination.close().has_value());

    auto copy = open("copy.db", OpenMode::read_only);
    EXPECT_EQ(dump(copy), expected);
    EXPECT_EQ(copy.query_int("PRAGMA user_version").value(), 17);
    EXPECT_EQ(copy.query_text("PRAGMA integrity_check").value(), "ok");
}

TEST_F(BackupTest, ReplacesWhateverTheDestinationHeld) {
    auto source = open("source.db");
    fill(source);
    auto destination = open("copy.db");
    ASSERT_TRUE(destination.exec("CREATE TABLE leftovers (x); INSERT INTO leftovers VALUES (1)")
                    .has_value());
    ASSERT_TRUE(copy_database(source, destination).has_value());
    EXPECT_EQ(destination.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'leftovers'")
                  .value(),
              0);
    EXPECT_EQ(dump(destination), dump(source));
}

TEST_F(BackupTest, CopiesAWalSourceIncludingRowsStillInTheWal) {
    auto source = open("source.db");
    ASSERT_TRUE(
        source.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0").has_value());
    fill(source);
    ASSERT_TRUE(source.exec("INSERT INTO users (name) VALUES ('only in the wal')").has_value());
    ASSERT_GT(fs::file_size(m_dir / "source.db-wal"), 0u) << "the test needs committed WAL content";
    const auto expected = dump(source);

    // Copy through a separate read-only connection, as a dry run does.
    auto reader = open("source.db", OpenMode::read_only);
    auto destination = open("copy.db");
    auto copied = copy_database(reader, destination);
    ASSERT_TRUE(copied.has_value()) << copied.error().message;
    ASSERT_TRUE(destination.close().has_value());

    auto copy = open("copy.db", OpenMode::read_only);
    EXPECT_EQ(dump(copy), expected);
    EXPECT_EQ(copy.query_int("SELECT count(*) FROM users WHERE name = 'only in the wal'").value(),
              1);
}

TEST_F(BackupTest, ExclusiveLockOnTheSourceGivesBusyNamingBothPaths) {
    {
        auto setup = open("source.db");
        fill(setup);
    }
    auto source = open("source.db", OpenMode::read_write);
    auto holder = open("source.db", OpenMode::read_write);
    ASSERT_TRUE(holder.exec("BEGIN EXCLUSIVE").has_value());
    auto destination = open("copy.db");
    auto copied = copy_database(source, destination);
    ASSERT_FALSE(copied.has_value());
    EXPECT_EQ(copied.error().code, ErrorCode::busy);
    EXPECT_CONTAINS(copied.error().message, (m_dir / "source.db").string());
    EXPECT_CONTAINS(copied.error().message, (m_dir / "copy.db").string());
    ASSERT_TRUE(holder.exec("ROLLBACK").has_value());
    EXPECT_TRUE(copy_database(source, destination).has_value());
}

TEST_F(BackupTest, SourceUnchangedByTheCopy) {
    {
        auto setup = open("source.db");
        fill(setup);
    }
    const auto before = testing::read_file(m_dir / "source.db");
    {
        auto source = open("source.db", OpenMode::read_only);
        auto destination = open("copy.db");
        ASSERT_TRUE(copy_database(source, destination).has_value());
    }
    EXPECT_EQ(testing::read_file(m_dir / "source.db"), before);
}

// The Backup handle itself: what copy_database and the snapshot build on.

TEST_F(BackupTest, HandleStepsToDoneReportingItsProgress) {
    auto source = open("source.db");
    fill(source);
    auto destination = open("copy.db");
    auto backup = Backup::start(source, destination);
    ASSERT_TRUE(backup.has_value()) << backup.error().message;
    std::vector<std::int64_t> remaining;
    auto step = BackupStep::more;
    while (step == BackupStep::more) {
        step = backup->step(4);
        remaining.push_back(backup->remaining());
    }
    ASSERT_EQ(step, BackupStep::done);
    EXPECT_EQ(backup->page_count(), source.query_int("PRAGMA page_count").value());
    ASSERT_GT(remaining.size(), 2u) << "the test needs a copy of several steps";
    EXPECT_TRUE(std::ranges::is_sorted(remaining, std::greater<>()));
    EXPECT_EQ(remaining.back(), 0);
    auto finished = backup->finish();
    ASSERT_TRUE(finished.has_value()) << finished.error().message;
    EXPECT_EQ(backup->result_code(), SQLITE_OK);
    EXPECT_TRUE(backup->finish().has_value()) << "a second finish does nothing";
    EXPECT_EQ(dump(destination), dump(source));
}

TEST_F(BackupTest, HandleFinishReportsAReadOnlyDestination) {
    auto source = open("source.db");
    fill(source);
    {
        auto setup = open("copy.db");
        ASSERT_TRUE(setup.exec("CREATE TABLE kept (x); INSERT INTO kept VALUES (1)").has_value());
    }
    auto destination = open("copy.db", OpenMode::read_only);
    auto backup = Backup::start(source, destination);
    ASSERT_TRUE(backup.has_value()) << backup.error().message;
    EXPECT_EQ(backup->step(-1), BackupStep::failed);
    auto finished = backup->finish();
    ASSERT_FALSE(finished.has_value());
    EXPECT_EQ(finished.error().code, ErrorCode::step_failed);
    EXPECT_EQ(finished.error().message, "attempt to write a readonly database");
    EXPECT_EQ(backup->result_code(), SQLITE_READONLY);
    // SQLite reports a failed backup on the destination connection too.
    EXPECT_EQ(sqlite3_errcode(destination.handle()) & 0xff, SQLITE_READONLY);
    EXPECT_EQ(destination.query_int("SELECT count(*) FROM kept").value(), 1);
}

TEST_F(BackupTest, HandleFinishReportsASourceLockedPastItsWait) {
    {
        auto setup = open("source.db");
        fill(setup);
    }
    auto source = open("source.db", OpenMode::read_write);  // waits 200 ms for a lock
    auto holder = open("source.db", OpenMode::read_write);
    ASSERT_TRUE(holder.exec("BEGIN EXCLUSIVE").has_value());
    auto destination = open("copy.db");
    ASSERT_TRUE(destination.exec("CREATE TABLE kept (x)").has_value());
    auto backup = Backup::start(source, destination);
    ASSERT_TRUE(backup.has_value()) << backup.error().message;
    EXPECT_EQ(backup->step(-1), BackupStep::busy);
    auto finished = backup->finish();
    ASSERT_FALSE(finished.has_value());
    EXPECT_EQ(finished.error().code, ErrorCode::busy);
    EXPECT_EQ(finished.error().message, "database is locked");
    EXPECT_EQ(destination.query_int("SELECT count(*) FROM kept").value(), 0);
    EXPECT_EQ(destination.query_int("SELECT count(*) FROM sqlite_schema").value(), 1);
}

TEST_F(BackupTest, HandleDestroyedBeforeDoneLeavesTheDestinationAsItWas) {
    auto source = open("source.db");
    fill(source);
    auto destination = open("copy.db");
    ASSERT_TRUE(destination.exec("CREATE TABLE leftovers (x); INSERT INTO leftovers VALUES (1)")
                    .has_value());
    const auto before = dump(destination);
    {
        auto backup = Backup::start(source, destination);
        ASSERT_TRUE(backup.has_value()) << backup.error().message;
        ASSERT_EQ(backup->step(1), BackupStep::more);
    }
    EXPECT_EQ(dump(destination), before);
    // The destination's write lock went with the backup: another connection can write.
    auto other = open("copy.db", OpenMode::read_write);
    EXPECT_TRUE(other.exec("INSERT INTO leftovers VALUES (2)").has_value());
}

TEST_F(BackupTest, HandleCannotStartIntoADestinationInARead) {
    auto source = open("source.db");
    fill(source);
    auto destination = open("copy.db");
    ASSERT_TRUE(destination.exec("BEGIN; SELECT count(*) FROM sqlite_schema").has_value());
    auto backup = Backup::start(source, destination);
    ASSERT_FALSE(backup.has_value());
    EXPECT_EQ(
        backup.error().message,
        (m_dir / "copy.db").string() + ": cannot start the backup: destination database is in use");
}

}  // namespace
}  // namespace belay::sqlite
