// The unix VFS's open(2) never waits on a FIFO (fifo_safe_open.hpp), and a connection's wait for
// a lock ends at once on a signal (busy_wait.hpp).
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include <gtest/gtest.h>

#include "belay/cancellation.hpp"
#include "sqlite/busy_wait.hpp"
#include "sqlite/database.hpp"
#include "sqlite/fifo_safe_open.hpp"
#include "support/temp_dir.hpp"

namespace belay::sqlite {
namespace {

using testing::TempDir;

TEST(FifoSafeOpen, AFifoOpenedForReadingIsRefusedWithoutWaitingForAWriter) {
    install_fifo_safe_open();
    TempDir dir;
    const auto fifo = dir / "swapped.db";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
    auto opened = std::async(std::launch::async, [&] {
        sqlite3* db = nullptr;
        const int rc = sqlite3_open_v2(fifo.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
        // The open itself may be deferred to the first read: read the schema.
        const int read = rc == SQLITE_OK ? sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema",
                                                        nullptr, nullptr, nullptr)
                                         : rc;
        sqlite3_close_v2(db);
        return read;
    });
    if (opened.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
        // Let the stuck open go (a writer arrives), then fail.
        const int writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
        ADD_FAILURE() << "sqlite3_open_v2 waited on a FIFO";
        opened.wait();
        ::close(writer);
        return;
    }
    EXPECT_EQ(opened.get(), SQLITE_CANTOPEN);
}

TEST(FifoSafeOpen, ARegularFileStillOpensAndWorks) {
    install_fifo_safe_open();
    TempDir dir;
    auto db = Database::open(dir / "app.db", OpenMode::read_write_create, std::chrono::seconds(1));
    ASSERT_TRUE(db.has_value()) << db.error().message;
    ASSERT_TRUE(db->exec("CREATE TABLE t(x); INSERT INTO t VALUES (1);").has_value());
    auto reader = Database::open(dir / "app.db", OpenMode::read_only, std::chrono::seconds(1));
    ASSERT_TRUE(reader.has_value()) << reader.error().message;
}

class BusyWaitTest : public ::testing::Test {
  protected:
    void TearDown() override { reset_cancellation(); }
};

TEST_F(BusyWaitTest, ALockWaitEndsAtOnceWhenASignalAsksBelayToStop) {
    TempDir dir;
    const auto path = dir / "app.db";
    auto holder = Database::open(path, OpenMode::read_write_create, std::chrono::seconds(1));
    ASSERT_TRUE(holder.has_value());
    ASSERT_TRUE(holder->exec("CREATE TABLE t(x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);"));
    auto waiter = Database::open(path, OpenMode::read_write, std::chrono::hours(1));
    ASSERT_TRUE(waiter.has_value());
    auto waited = std::async(std::launch::async, [&] { return waiter->exec("BEGIN IMMEDIATE"); });
    // The wait has begun once the waiter sleeps in its handler: asking to stop ends it either way.
    request_cancellation(SIGINT);
    ASSERT_EQ(waited.wait_for(std::chrono::seconds(60)), std::future_status::ready)
        << "the lock wait outlived the signal";
    const auto result = waited.get();
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::interrupted);
    ASSERT_TRUE(holder->exec("ROLLBACK"));
}

TEST_F(BusyWaitTest, WithoutASignalTheWaitLastsTheTimeoutThenIsBusy) {
    TempDir dir;
    const auto path = dir / "app.db";
    auto holder = Database::open(path, OpenMode::read_write_create, std::chrono::seconds(1));
    ASSERT_TRUE(holder.has_value());
    ASSERT_TRUE(holder->exec("CREATE TABLE t(x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);"));
    auto waiter = Database::open(path, OpenMode::read_write, std::chrono::milliseconds(300));
    ASSERT_TRUE(waiter.has_value());
    const auto started = std::chrono::steady_clock::now();
    const auto result = waiter->exec("BEGIN IMMEDIATE");
    const auto waited = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::busy);
    EXPECT_GE(waited, std::chrono::milliseconds(250));
    ASSERT_TRUE(holder->exec("ROLLBACK"));
}

}  // namespace
}  // namespace belay::sqlite
