#include "sqlite/database.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sqlite/statement.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay::sqlite {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The names of everything in `directory`, sorted.
std::vector<std::string> listing(const fs::path& directory) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(directory)) {
        names.push_back(entry.path().filename().string());
    }
    std::ranges::sort(names);
    return names;
}

// Creates a rollback-journal database at `path` holding table t with `rows` rows.
void make_database(const fs::path& path, int rows = 3, bool wal = false) {
    auto db = Database::open(path, OpenMode::read_write_create);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    if (wal) {
        ASSERT_TRUE(db->exec("PRAGMA journal_mode = WAL").has_value());
    }
    ASSERT_TRUE(db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, label TEXT)").has_value());
    for (int i = 1; i <= rows; ++i) {
        ASSERT_TRUE(
            db->exec("INSERT INTO t (label) VALUES ('row " + std::to_string(i) + "')").has_value());
    }
    ASSERT_TRUE(db->close().has_value());
}

std::int64_t elapsed_ms(Clock::time_point since) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

class OpenMissingFile : public ::testing::TestWithParam<OpenMode> {};

TEST_P(OpenMissingFile, FailsNamingThePathAndCreatesNothing) {
    testing::TempDir dir;
    const auto path = dir / "missing.db";
    auto db = Database::open(path, GetParam());
    ASSERT_FALSE(db.has_value());
    EXPECT_EQ(db.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(db.error().message, path.string());
    EXPECT_TRUE(listing(dir.path()).empty());
}

INSTANTIATE_TEST_SUITE_P(Modes, OpenMissingFile,
                         ::testing::Values(OpenMode::read_only, OpenMode::read_write));

TEST(DatabaseOpen, ReadWriteCreateCreatesAWorkingDatabase) {
    testing::TempDir dir;
    const auto path = dir / "new.db";
    {
        auto db = Database::open(path, OpenMode::read_write_create);
        ASSERT_TRUE(db.has_value()) << db.error().message;
        EXPECT_EQ(db->path(), path);
        ASSERT_TRUE(db->exec("CREATE TABLE t (x); INSERT INTO t VALUES (42);").has_value());
        ASSERT_TRUE(db->close().has_value());
    }
    EXPECT_EQ(inspect_database_file(path).value(), FileKind::rollback_journal);
    auto reopened = Database::open(path, OpenMode::read_only);
    ASSERT_TRUE(reopened.has_value()) << reopened.error().message;
    EXPECT_EQ(reopened->query_int("SELECT x FROM t").value(), 42);
}

TEST(DatabaseOpen, ReadWriteCreateFailsInAMissingDirectory) {
    testing::TempDir dir;
    const auto path = dir / "no-such-dir" / "new.db";
    auto db = Database::open(path, OpenMode::read_write_create);
    ASSERT_FALSE(db.has_value());
    EXPECT_EQ(db.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(db.error().message, path.string());
    EXPECT_TRUE(listing(dir.path()).empty());
}

class OpenForeignFile : public ::testing::TestWithParam<OpenMode> {};

TEST_P(OpenForeignFile, TextFileIsRefusedAndLeftByteIdentical) {
    testing::TempDir dir;
    const std::string text = "id,name\n1,alice\n2,bob\n";
    const auto path = dir.write("people.csv", text);
    auto db = Database::open(path, GetParam());
    ASSERT_FALSE(db.has_value());
    EXPECT_EQ(db.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(db.error().message, path.string());
    EXPECT_CONTAINS(db.error().message, "not an SQLite database");
    EXPECT_EQ(testing::read_file(path), text);
    EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"people.csv"});
}

TEST_P(OpenForeignFile, FileShorterThanTheHeaderIsRefusedAndLeftByteIdentical) {
    testing::TempDir dir;
    const auto source = dir / "full.db";
    make_database(source);
    const auto head = testing::read_file(source).substr(0, 60);
    const auto path = dir.write("short.db", head);
    auto db = Database::open(path, GetParam());
    ASSERT_FALSE(db.has_value());
    EXPECT_EQ(db.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(db.error().message, path.string());
    EXPECT_EQ(testing::read_file(path), head);
}

TEST_P(OpenForeignFile, GarbageAfterAValidHeaderIsRefusedAndLeftByteIdentical) {
    testing::TempDir dir;
    const auto path = dir / "garbage.db";
    make_database(path);
    auto bytes = testing::read_file(path);
    ASSERT_GT(bytes.size(), 200u);
    std::fill(bytes.begin() + 100, bytes.end(), '\xA5');
    dir.write("garbage.db", bytes);
    auto db = Database::open(path, GetParam());
    ASSERT_FALSE(db.has_value());
    EXPECT_EQ(db.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(db.error().message, path.string());
    EXPECT_EQ(testing::read_file(path), bytes);
    EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"garbage.db"});
}

TEST_P(OpenForeignFile, TruncatedDatabaseIsRefusedAndLeftByteIdentical) {
    testing::TempDir dir;
    const auto source = dir / "full.db";
    make_database(source, 0);
    {
        auto db = Database::open(source, OpenMode::read_write);
        ASSERT_TRUE(db.has_value());
        // Enough rows to spread table t over many pages beyond the first two.
        ASSERT_TRUE(db->exec("INSERT INTO t (label) SELECT printf('%.200c', 'x') FROM "
                             "(WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
                             "WHERE n < 500) SELECT n FROM c)")
                        .has_value());
        ASSERT_TRUE(db->close().has_value());
    }
    const auto truncated = testing::read_file(source).substr(0, 4096 * 2);
    const auto path = dir.write("truncated.db", truncated);
    auto db = Database::open(path, GetParam());
    ASSERT_FALSE(db.has_value());
    EXPECT_EQ(db.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(db.error().message, path.string());
    EXPECT_CONTAINS(db.error().message, "is damaged");
    EXPECT_CONTAINS(db.error().message, "cut short");
    EXPECT_EQ(testing::read_file(path), truncated);
}

INSTANTIATE_TEST_SUITE_P(Modes, OpenForeignFile,
                         ::testing::Values(OpenMode::read_only, OpenMode::read_write,
                                           OpenMode::read_write_create));

TEST(DatabaseOpen, EmptyFileOpensAsAnEmptyDatabase) {
    testing::TempDir dir;
    const auto path = dir.write("empty.db", "");
    EXPECT_EQ(inspect_database_file(path).value(), FileKind::empty);
    {
        auto db = Database::open(path, OpenMode::read_only);
        ASSERT_TRUE(db.has_value()) << db.error().message;
        EXPECT_EQ(db->query_int("SELECT count(*) FROM sqlite_schema").value(), 0);
        ASSERT_TRUE(db->close().has_value());
    }
    EXPECT_EQ(fs::file_size(path), 0u);
    auto db = Database::open(path, OpenMode::read_write);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    EXPECT_TRUE(db->exec("CREATE TABLE t (x)").has_value());
}

TEST(DatabaseOpen, DirectoryIsRefused) {
    testing::TempDir dir;
    fs::create_directory(dir / "sub.db");
    auto db = Database::open(dir / "sub.db", OpenMode::read_write_create);
    ASSERT_FALSE(db.has_value());
    EXPECT_EQ(db.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(db.error().message, (dir / "sub.db").string());
    EXPECT_EQ(db.error().subject.path, dir / "sub.db") << "the path is a fact of the error too";
}

TEST(DatabaseOpen, ReadOnlyOnWalDatabaseRefusesWritesAndLeavesNoWalFiles) {
    testing::TempDir dir;
    const auto path = dir / "wal.db";
    make_database(path, 3, /*wal=*/true);
    ASSERT_EQ(inspect_database_file(path).value(), FileKind::wal);
    ASSERT_EQ(listing(dir.path()), std::vector<std::string>{"wal.db"});
    const auto before = testing::read_file(path);
    {
        auto db = Database::open(path, OpenMode::read_only);
        ASSERT_TRUE(db.has_value()) << db.error().message;
        EXPECT_EQ(db->query_int("SELECT count(*) FROM t").value(), 3);
        auto write = db->exec("INSERT INTO t (label) VALUES ('sneaky')");
        ASSERT_FALSE(write.has_value());
        EXPECT_NE(write.error().code, ErrorCode::busy);
        EXPECT_CONTAINS(write.error().message, "readonly");
        EXPECT_FALSE(db->exec("CREATE TABLE u (x)").has_value());
        ASSERT_TRUE(db->close().has_value());
    }
    EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"wal.db"});
    auto check = Database::open(path, OpenMode::read_only);
    ASSERT_TRUE(check.has_value());
    EXPECT_EQ(check->query_int("SELECT count(*) FROM t WHERE label = 'sneaky'").value(), 0);
    ASSERT_TRUE(check->close().has_value());
    EXPECT_EQ(testing::read_file(path), before);
}

TEST(DatabaseOpen, ReadOnlyOnRollbackDatabaseCreatesNoJournalAndRefusesWrites) {
    testing::TempDir dir;
    const auto path = dir / "plain.db";
    make_database(path);
    const auto before = testing::read_file(path);
    {
        auto db = Database::open(path, OpenMode::read_only);
        ASSERT_TRUE(db.has_value()) << db.error().message;
        EXPECT_EQ(db->query_text("SELECT label FROM t WHERE id = 2").value(), "row 2");
        auto write = db->exec("DELETE FROM t");
        ASSERT_FALSE(write.has_value());
        EXPECT_CONTAINS(write.error().message, path.string());
        EXPECT_CONTAINS(write.error().message, "readonly");
        EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"plain.db"});
        ASSERT_TRUE(db->close().has_value());
    }
    EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"plain.db"});
    EXPECT_EQ(testing::read_file(path), before);
}

TEST(DatabaseOpen, ExclusiveLockOfAnotherConnectionGivesBusyAfterTheBusyTimeout) {
    testing::TempDir dir;
    const auto path = dir / "locked.db";
    make_database(path);
    auto holder = Database::open(path, OpenMode::read_write);
    ASSERT_TRUE(holder.has_value());
    ASSERT_TRUE(holder->exec("BEGIN EXCLUSIVE").has_value());

    const auto started = Clock::now();
    auto db = Database::open(path, OpenMode::read_write, 300ms);
    const auto waited = elapsed_ms(started);
    ASSERT_FALSE(db.has_value());
    EXPECT_EQ(db.error().code, ErrorCode::busy);
    EXPECT_CONTAINS(db.error().message, path.string());
    EXPECT_GE(waited, 250);
    EXPECT_LT(waited, 5000);
    ASSERT_TRUE(holder->exec("ROLLBACK").has_value());
}

TEST(DatabaseQuery, ExclusiveLockTakenAfterOpenGivesBusyAfterTheBusyTimeout) {
    testing::TempDir dir;
    const auto path = dir / "locked.db";
    make_database(path);
    auto db = Database::open(path, OpenMode::read_write, 300ms);
    ASSERT_TRUE(db.has_value());
    auto holder = Database::open(path, OpenMode::read_write);
    ASSERT_TRUE(holder.has_value());
    ASSERT_TRUE(holder->exec("BEGIN EXCLUSIVE").has_value());

    const auto started = Clock::now();
    auto count = db->query_int("SELECT count(*) FROM t");
    const auto waited = elapsed_ms(started);
    ASSERT_FALSE(count.has_value());
    EXPECT_EQ(count.error().code, ErrorCode::busy);
    EXPECT_GE(waited, 250);
    EXPECT_LT(waited, 5000);

    ASSERT_TRUE(holder->exec("COMMIT").has_value());
    EXPECT_EQ(db->query_int("SELECT count(*) FROM t").value(), 3);
}

TEST(DatabaseQuery, WriterOfAWalDatabaseGetsBusyWhileAnotherWrites) {
    testing::TempDir dir;
    const auto path = dir / "wal.db";
    make_database(path, 3, /*wal=*/true);
    auto db = Database::open(path, OpenMode::read_write, 300ms);
    ASSERT_TRUE(db.has_value());
    auto holder = Database::open(path, OpenMode::read_write);
    ASSERT_TRUE(holder.has_value());
    ASSERT_TRUE(holder->exec("BEGIN EXCLUSIVE; INSERT INTO t (label) VALUES ('x')").has_value());

    EXPECT_EQ(db->query_int("SELECT count(*) FROM t").value(), 3) << "WAL readers are not blocked";
    const auto started = Clock::now();
    auto write = db->exec("INSERT INTO t (label) VALUES ('y')");
    const auto waited = elapsed_ms(started);
    ASSERT_FALSE(write.has_value());
    EXPECT_EQ(write.error().code, ErrorCode::busy);
    EXPECT_CONTAINS(write.error().message, path.string());
    EXPECT_GE(waited, 250);
    EXPECT_LT(waited, 5000);
    ASSERT_TRUE(holder->exec("COMMIT").has_value());
}

TEST(DatabaseQuery, QueryTextAndQueryIntReturnTheFirstColumnOfTheFirstRow) {
    testing::TempDir dir;
    const auto path = dir / "q.db";
    make_database(path);
    auto db = Database::open(path, OpenMode::read_only);
    ASSERT_TRUE(db.has_value());
    EXPECT_EQ(db->query_text("SELECT label FROM t ORDER BY id DESC").value(), "row 3");
    EXPECT_EQ(db->query_int("SELECT id * 1000000000000 FROM t ORDER BY id DESC").value(),
              3000000000000);
    EXPECT_EQ(db->query_text("SELECT NULL").value(), "");
    EXPECT_EQ(db->query_int("SELECT NULL").value(), 0);
    EXPECT_EQ(db->query_text("SELECT 7").value(), "7");
}

TEST(DatabaseQuery, NoRowIsAnErrorNamingTheQuery) {
    testing::TempDir dir;
    const auto path = dir / "q.db";
    make_database(path);
    auto db = Database::open(path, OpenMode::read_only);
    ASSERT_TRUE(db.has_value());
    auto text = db->query_text("SELECT label FROM t WHERE id = 99");
    ASSERT_FALSE(text.has_value());
    EXPECT_EQ(text.error().code, ErrorCode::step_failed);
    EXPECT_CONTAINS(text.error().message, "WHERE id = 99");
    auto number = db->query_int("SELECT id FROM t WHERE id = 98");
    ASSERT_FALSE(number.has_value());
    EXPECT_CONTAINS(number.error().message, "WHERE id = 98");
}

TEST(DatabaseQuery, InvalidSqlFailsWithSqlitesMessage) {
    testing::TempDir dir;
    const auto path = dir / "q.db";
    make_database(path);
    auto db = Database::open(path, OpenMode::read_write);
    ASSERT_TRUE(db.has_value());
    auto missing = db->query_int("SELECT count(*) FROM nowhere");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, ErrorCode::step_failed);
    EXPECT_CONTAINS(missing.error().message, "no such table: nowhere");
    EXPECT_CONTAINS(missing.error().message, path.string());
    auto exec = db->exec("CREATE TABLE t (x)");
    ASSERT_FALSE(exec.has_value());
    EXPECT_CONTAINS(exec.error().message, "table t already exists");
}

TEST(DatabaseQuery, InTransactionFollowsBeginAndCommit) {
    testing::TempDir dir;
    auto db = Database::open(dir / "tx.db", OpenMode::read_write_create);
    ASSERT_TRUE(db.has_value());
    EXPECT_FALSE(db->in_transaction());
    ASSERT_TRUE(db->exec("BEGIN").has_value());
    EXPECT_TRUE(db->in_transaction());
    ASSERT_TRUE(db->exec("COMMIT").has_value());
    EXPECT_FALSE(db->in_transaction());
}

TEST(DatabaseClose, ReportsAnUnfinalizedStatementAndSucceedsOnceItIsGone) {
    testing::TempDir dir;
    const auto path = dir / "c.db";
    make_database(path);
    auto db = Database::open(path, OpenMode::read_write);
    ASSERT_TRUE(db.has_value());
    {
        auto statement = db->prepare("SELECT id FROM t");
        ASSERT_TRUE(statement.has_value());
        auto closed = db->close();
        ASSERT_FALSE(closed.has_value());
        EXPECT_CONTAINS(closed.error().message, path.string());
        EXPECT_CONTAINS(closed.error().message, "unfinalized");
        // The connection is still usable after a refused close.
        ASSERT_TRUE(statement->step().value());
        EXPECT_EQ(statement->column_int(0), 1);
    }
    EXPECT_TRUE(db->close().has_value());
    EXPECT_EQ(db->handle(), nullptr);
    EXPECT_TRUE(db->close().has_value()) << "close() is idempotent";
}

TEST(DatabaseClose, ClosingAWalDatabaseRemovesItsWalFiles) {
    testing::TempDir dir;
    const auto path = dir / "wal.db";
    make_database(path, 1, /*wal=*/true);
    auto db = Database::open(path, OpenMode::read_write);
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(db->exec("INSERT INTO t (label) VALUES ('more')").has_value());
    EXPECT_TRUE(fs::exists(dir / "wal.db-wal"));
    ASSERT_TRUE(db->close().has_value());
    EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"wal.db"});
}

TEST(DatabaseMove, MovedToConnectionKeepsWorking) {
    testing::TempDir dir;
    const auto path = dir / "m.db";
    make_database(path);
    auto opened = Database::open(path, OpenMode::read_only);
    ASSERT_TRUE(opened.has_value());
    Database db = std::move(*opened);
    EXPECT_EQ(db.query_int("SELECT count(*) FROM t").value(), 3);
    EXPECT_EQ(db.path(), path);
}

TEST(InspectDatabaseFile, TellsEmptyRollbackWalAndForeignFilesApart) {
    testing::TempDir dir;
    make_database(dir / "plain.db");
    make_database(dir / "wal.db", 1, /*wal=*/true);
    EXPECT_EQ(inspect_database_file(dir.write("empty.db", "")).value(), FileKind::empty);
    EXPECT_EQ(inspect_database_file(dir / "plain.db").value(), FileKind::rollback_journal);
    EXPECT_EQ(inspect_database_file(dir / "wal.db").value(), FileKind::wal);
    EXPECT_EQ(inspect_database_file(dir.write("x.txt", "hello")).value(), FileKind::not_sqlite);
    auto missing = inspect_database_file(dir / "missing.db");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(missing.error().message, (dir / "missing.db").string());
}

TEST(ErrorCodeForSqlite, MapsLocksToBusyAndInterruptsToInterrupted) {
    EXPECT_EQ(error_code_for_sqlite(SQLITE_BUSY), ErrorCode::busy);
    EXPECT_EQ(error_code_for_sqlite(SQLITE_BUSY_SNAPSHOT), ErrorCode::busy);
    EXPECT_EQ(error_code_for_sqlite(SQLITE_LOCKED), ErrorCode::busy);
    EXPECT_EQ(error_code_for_sqlite(SQLITE_LOCKED_SHAREDCACHE), ErrorCode::busy);
    EXPECT_EQ(error_code_for_sqlite(SQLITE_INTERRUPT), ErrorCode::interrupted);
    EXPECT_EQ(error_code_for_sqlite(SQLITE_CONSTRAINT_UNIQUE), ErrorCode::step_failed);
    EXPECT_EQ(error_code_for_sqlite(SQLITE_ERROR), ErrorCode::step_failed);
}

}  // namespace
}  // namespace belay::sqlite
