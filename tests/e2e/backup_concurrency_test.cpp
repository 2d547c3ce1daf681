// `db backup` while another process commits continuously, in WAL and rollback-journal mode:
// the backup ends in bounded time and holds one instant's state (the writer inserts into two
// tables in one transaction, so their counts must match in the copy); in WAL mode the writer
// keeps committing while the backup runs.
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

std::int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A child process that commits one row to `left` and one to `right` per transaction, stamped
// with the wall-clock time in ms, until `stop_file` exists.
class Writer {
  public:
    Writer(const fs::path& database, const fs::path& stop_file) : m_stop(stop_file) {
        m_pid = ::fork();
        if (m_pid == 0) {
            ::_exit(run(database, stop_file));
        }
    }
    ~Writer() { stop(); }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // Asks the writer to stop and returns its exit status (0: it ran without an error).
    int stop() {
        if (m_pid <= 0) {
            return m_status;
        }
        const int fd = ::open(m_stop.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (fd >= 0) {
            ::close(fd);
        }
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        int status = 0;
        while (::waitpid(m_pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > give_up) {
                ::kill(m_pid, SIGKILL);
                ::waitpid(m_pid, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        m_pid = -1;
        m_status = WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
        return m_status;
    }

  private:
    // In the child: plain C API only, and _exit, never back into the test framework.
    static int run(const fs::path& database, const fs::path& stop_file) {
        sqlite3* db = nullptr;
        if (sqlite3_open(database.c_str(), &db) != SQLITE_OK) {
            return 2;
        }
        sqlite3_busy_timeout(db, 60000);
        sqlite3_exec(db, "PRAGMA synchronous = NORMAL", nullptr, nullptr, nullptr);
        int rc = SQLITE_OK;
        while (rc == SQLITE_OK && ::access(stop_file.c_str(), F_OK) != 0) {
            const auto now = std::to_string(unix_ms());
            const std::string sql = "BEGIN IMMEDIATE; INSERT INTO left_side (ts) VALUES (" + now +
                                    "); INSERT INTO right_side (ts) VALUES (" + now + "); COMMIT;";
            rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
            ::usleep(1000);
        }
        sqlite3_close(db);
        return rc == SQLITE_OK ? 0 : 3;
    }

    fs::path m_stop;
    pid_t m_pid = -1;
    int m_status = -1;
};

class BackupConcurrencyTest : public E2eTest, public ::testing::WithParamInterface<const char*> {
  protected:
    void SetUp() override {
        add_filler(db(), 50);  // a copy that takes a while
        TestDb setup(db());
        setup.exec(std::string("PRAGMA journal_mode = ") + GetParam() +
                   "; CREATE TABLE left_side (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL); "
                   "CREATE TABLE right_side (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL);");
    }
};

TEST_P(BackupConcurrencyTest, BackupUnderAContinuousWriterHoldsOneInstant) {
    const std::string mode = GetParam();
    Writer writer(db(), dir() / "stop");
    {
        // Let it commit for a while first, so the copy has rows to disagree about.
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        TestDb watch(db(), true);
        while (watch.count("left_side") < 50 && std::chrono::steady_clock::now() < give_up) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        ASSERT_GE(watch.count("left_side"), 50) << "the writer committed too little in 30 s";
    }
    const auto started_ms = unix_ms();
    auto result = belay("backup", {"--lock-timeout", "30"},
                        RunOptions{{}, {}, std::chrono::seconds(90), false, {}});
    const auto ended_ms = unix_ms();
    ASSERT_EQ(writer.stop(), 0) << "the writer failed";
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_LT(result.seconds, 60.0) << "the backup did not finish in bounded time";

    const fs::path backup = result.out.substr(0, result.out.find('\n'));
    TestDb copy(backup, true);
    EXPECT_EQ(copy.scalar("PRAGMA quick_check"), "ok");
    const auto left = copy.count("left_side");
    const auto right = copy.count("right_side");
    EXPECT_GT(left, 0);
    EXPECT_EQ(left, right) << "the copy holds half a transaction: no single instant";
    // One instant: no gaps either (ids count up from 1 with each commit).
    EXPECT_EQ(copy.scalar("SELECT coalesce(max(id), 0) FROM left_side"), std::to_string(left));
    EXPECT_EQ(copy.scalar("SELECT coalesce(max(id), 0) FROM right_side"), std::to_string(right));

    TestDb live(db(), true);
    const auto during =
        std::stoll(live.scalar("SELECT count(*) FROM left_side WHERE ts BETWEEN " +
                               std::to_string(started_ms) + " AND " + std::to_string(ended_ms)));
    const auto after_copy = live.count("left_side") - left;
    std::cout << "[ " << mode << " ] backup took " << result.seconds << " s; " << during
              << " commits while it ran; " << after_copy << " commits not in the copy\n";
    RecordProperty("commits_during_backup", std::to_string(during));
    EXPECT_GT(after_copy, 0) << "the writer never committed after the copy's instant";
    if (mode == "wal") {
        EXPECT_GT(during, 0) << "in WAL mode the writer should keep committing during the backup";
    }
}

INSTANTIATE_TEST_SUITE_P(JournalModes, BackupConcurrencyTest, ::testing::Values("wal", "delete"),
                         [](const auto& param_info) { return std::string(param_info.param); });

}  // namespace
}  // namespace belay::testing
