#include "engine/run_lock.hpp"

#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <chrono>
#include <csignal>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include "belay/cancellation.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay::engine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// breakit13b #10: each said "check that the database's directory is writable", the raw errno
// ("Too many levels of symbolic links" for a symlink) the only hint of what was wrong.
TEST(RunLock, ALockPathThatCannotBeOpenedSaysWhyAndWhatToDo) {
    testing::TempDir dir;
    fs::create_directory(dir / "dir.db.belay-lock");
    fs::create_symlink("elsewhere", dir / "link.db.belay-lock");
    const std::pair<fs::path, std::string> cases[] = {
        {dir / "dir.db", "dir.db.belay-lock: it is a directory; remove it"},
        {dir / "link.db",
         "link.db.belay-lock: it is a symlink, and belay never opens its run "
         "lock through one; remove it"},
        {dir / "nodir" / "x.db",
         "x.db.belay-lock: the directory " + (dir / "nodir").string() + " does not exist"},
    };
    for (const auto& [database, expected] : cases) {
        auto lock = RunLock::acquire(database, 100ms);
        ASSERT_FALSE(lock.has_value()) << database;
        EXPECT_EQ(lock.error().code, ErrorCode::invalid_input);
        EXPECT_CONTAINS(lock.error().message, expected);
        EXPECT_NOT_CONTAINS(lock.error().message, "writable");
    }
    EXPECT_FALSE(fs::exists(dir / "elsewhere"));
}

TEST(RunLock, LivesBesideTheDatabase) {
    testing::TempDir dir;
    const auto db = dir / "app.db";
    EXPECT_EQ(run_lock_path(db), dir / "app.db.belay-lock");
    auto lock = RunLock::acquire(db, 100ms);
    ASSERT_TRUE(lock.has_value()) << lock.error().message;
    EXPECT_EQ(lock->path(), dir / "app.db.belay-lock");
    EXPECT_TRUE(fs::is_regular_file(dir / "app.db.belay-lock"));
    // Taking the lock creates nothing else, and certainly not the database.
    EXPECT_FALSE(fs::exists(db));
}

TEST(RunLock, SecondAcquireWaitsThenFailsWithBusy) {
    testing::TempDir dir;
    const auto db = dir / "app.db";
    auto first = RunLock::acquire(db, 100ms);
    ASSERT_TRUE(first.has_value()) << first.error().message;

    const auto start = Clock::now();
    auto second = RunLock::acquire(db, 300ms);
    const double waited = seconds_since(start);

    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().code, ErrorCode::busy);
    EXPECT_CONTAINS(second.error().message, (dir / "app.db.belay-lock").string());
    EXPECT_CONTAINS(second.error().message, "raise lock_timeout");
    EXPECT_EQ(second.error().option(), Option::lock_timeout);
    EXPECT_GE(waited, 0.25);  // it really waited for the timeout
    EXPECT_LT(waited, 5.0);   // and gave up near it
}

TEST(RunLock, ZeroTimeoutFailsAtOnce) {
    testing::TempDir dir;
    auto first = RunLock::acquire(dir / "app.db", 0ms);
    ASSERT_TRUE(first.has_value()) << first.error().message;
    auto second = RunLock::acquire(dir / "app.db", 0ms);
    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().code, ErrorCode::busy);
}

TEST(RunLock, AvailableAgainOnceTheHolderIsGone) {
    testing::TempDir dir;
    const auto db = dir / "app.db";
    {
        auto first = RunLock::acquire(db, 100ms);
        ASSERT_TRUE(first.has_value()) << first.error().message;
    }
    auto second = RunLock::acquire(db, 100ms);
    ASSERT_TRUE(second.has_value()) << second.error().message;
    // The lock file stays: removing it would race with a process that has just opened it.
    EXPECT_TRUE(fs::exists(dir / "app.db.belay-lock"));
}

TEST(RunLock, WaiterGetsTheLockWhenTheHolderReleasesIt) {
    testing::TempDir dir;
    const auto db = dir / "app.db";
    auto first = RunLock::acquire(db, 100ms);
    ASSERT_TRUE(first.has_value()) << first.error().message;
    std::thread releaser([holder = std::move(*first)]() mutable {
        std::this_thread::sleep_for(200ms);
        auto released = std::move(holder);  // destroyed at the end of this scope
    });
    auto second = RunLock::acquire(db, 30s);
    releaser.join();
    ASSERT_TRUE(second.has_value()) << second.error().message;
}

TEST(RunLock, MovingTheLockKeepsItHeld) {
    testing::TempDir dir;
    const auto db = dir / "app.db";
    auto first = RunLock::acquire(db, 100ms);
    ASSERT_TRUE(first.has_value()) << first.error().message;
    std::optional<RunLock> holder;
    {
        RunLock moved(std::move(*first));
        holder.emplace(std::move(moved));
    }  // two moved-from locks destroyed here
    first = std::unexpected(Error{});
    EXPECT_FALSE(RunLock::acquire(db, 50ms).has_value());
    holder.reset();
    EXPECT_TRUE(RunLock::acquire(db, 50ms).has_value());
}

TEST(RunLock, DifferentDatabasesDoNotShareALock) {
    testing::TempDir dir;
    auto first = RunLock::acquire(dir / "a.db", 100ms);
    auto second = RunLock::acquire(dir / "b.db", 100ms);
    EXPECT_TRUE(first.has_value());
    EXPECT_TRUE(second.has_value());
}

// Two paths for one database file agree on its lock: a symlink (in another directory, to a file
// that need not exist yet, through a chain of links) takes the lock beside the file it points
// at. Per path, `link.db` and `real.db` used to take two locks and ran side by side.
TEST(RunLock, ASymlinkAndItsTargetShareOneLock) {
    testing::TempDir dir;
    fs::create_directories(dir / "data");
    fs::create_directories(dir / "links");
    fs::create_symlink("../data/real.db", dir / "links" / "middle.db");
    fs::create_symlink(dir / "links" / "middle.db", dir / "links" / "link.db");
    EXPECT_EQ(run_lock_path(dir / "links" / "link.db"), dir / "data" / "real.db.belay-lock");

    auto held = RunLock::acquire(dir / "data" / "real.db", 100ms);
    ASSERT_TRUE(held.has_value()) << held.error().message;
    auto through_link = RunLock::acquire(dir / "links" / "link.db", 0ms);
    ASSERT_FALSE(through_link.has_value());
    EXPECT_EQ(through_link.error().code, ErrorCode::busy);
    EXPECT_CONTAINS(through_link.error().message, (dir / "data" / "real.db.belay-lock").string());
    EXPECT_FALSE(fs::exists(dir / "links" / "link.db.belay-lock"));
}

TEST(RunLock, CancellationEndsTheWaitWithInterrupted) {
    testing::TempDir dir;
    const auto db = dir / "app.db";
    auto first = RunLock::acquire(db, 100ms);
    ASSERT_TRUE(first.has_value()) << first.error().message;
    reset_cancellation();
    std::thread signaller([] {
        std::this_thread::sleep_for(200ms);
        request_cancellation(SIGINT);
    });
    const auto start = Clock::now();
    auto second = RunLock::acquire(db, 60s);
    const double waited = seconds_since(start);
    signaller.join();
    reset_cancellation();

    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().code, ErrorCode::interrupted);
    EXPECT_CONTAINS(second.error().message, "app.db.belay-lock");
    EXPECT_LT(waited, 30.0);  // far sooner than the 60 s timeout

    // After reset_cancellation the lock can be waited for again.
    first = std::unexpected(Error{});
    auto third = RunLock::acquire(db, 100ms);
    EXPECT_TRUE(third.has_value());
}

TEST(RunLock, UnwritableDirectoryIsInvalidInput) {
    testing::TempDir dir;
    auto lock = RunLock::acquire(dir / "no-such-dir" / "app.db", 100ms);
    ASSERT_FALSE(lock.has_value());
    EXPECT_EQ(lock.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(lock.error().message, "app.db.belay-lock");
}

// Another process holding the lock (as a concurrent `belay db migrate` would) blocks this one,
// and its death releases the lock without anyone cleaning up.
TEST(RunLock, IsHeldAcrossProcesses) {
    testing::TempDir dir;
    const auto db = dir / "app.db";
    int ready[2];
    int finish[2];
    ASSERT_EQ(::pipe(ready), 0);
    ASSERT_EQ(::pipe(finish), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(ready[0]);
        ::close(finish[1]);
        auto lock = RunLock::acquire(db, 1000ms);
        const char status = lock ? 'y' : 'n';
        (void)!::write(ready[1], &status, 1);
        char ignored = 0;
        (void)!::read(finish[0], &ignored, 1);  // returns when the parent closes its end
        ::_exit(0);                             // no destructors: death alone releases the lock
    }
    ::close(ready[1]);
    ::close(finish[0]);
    char status = 0;
    ASSERT_EQ(::read(ready[0], &status, 1), 1);
    ASSERT_EQ(status, 'y') << "the child could not take the lock";

    auto blocked = RunLock::acquire(db, 200ms);
    EXPECT_FALSE(blocked.has_value());
    if (!blocked) {
        EXPECT_EQ(blocked.error().code, ErrorCode::busy);
    }

    ::close(finish[1]);
    int wait_status = 0;
    ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
    ::close(ready[0]);
    auto after = RunLock::acquire(db, 5000ms);
    EXPECT_TRUE(after.has_value()) << after.error().message;
}

}  // namespace
}  // namespace belay::engine
