// End-to-end test harness: runs the real `belay` binary against real files in a temp dir.
//
// The binary comes from $BELAY_BINARY and the repository root from $BELAY_SOURCE_DIR (both set
// by tests/CMakeLists.txt; the root falls back to the source tree CMake configured). Children get
// the test's environment minus every BELAY_* variable, plus what a test adds, so a developer's own
// settings never leak into a test.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/expect.hpp"
#include "support/temp_dir.hpp"

struct sqlite3;

namespace belay::testing {

namespace fs = std::filesystem;

fs::path belay_binary();
fs::path source_dir();

struct RunOptions {
    std::vector<std::pair<std::string, std::string>> env;  // added to the child's environment
    fs::path cwd;                                          // empty: the test's own cwd
    std::chrono::seconds timeout{120};                     // killed (SIGKILL) past this
    // Run as user and group nobody (65534) through setpriv when the test runs as root, since
    // root bypasses file permissions; as the test's own user otherwise.
    bool as_unprivileged_user = false;
    fs::path program;  // another program to run instead of belay (the examples)
};

// The uid and gid belay runs as with as_unprivileged_user when the test runs as root.
inline constexpr uid_t k_unprivileged_uid = 65534;
inline constexpr gid_t k_unprivileged_gid = 65534;

// RunOptions that run belay as an unprivileged user (see RunOptions::as_unprivileged_user).
inline RunOptions unprivileged() {
    RunOptions options;
    options.as_unprivileged_user = true;
    return options;
}

// RunOptions with only environment additions: with_env({{"BELAY_DB", "app.db"}}).
inline RunOptions with_env(std::vector<std::pair<std::string, std::string>> env) {
    RunOptions options;
    options.env = std::move(env);
    return options;
}

struct RunResult {
    int exit_code = -1;   // -1 when the process died of a signal
    int term_signal = 0;  // the signal that killed it, if any
    bool timed_out = false;
    std::string out;
    std::string err;
    double seconds = 0;  // wall time

    nlohmann::json json() const;  // stdout parsed as one JSON document (throws if it is not)
};

// "exit 1; stderr: ..." for assertion messages.
std::string describe(const RunResult& result);

// A belay process running in the background; its output is collected while waiting.
class BackgroundRun {
  public:
    BackgroundRun(const std::vector<std::string>& args, const RunOptions& options);
    ~BackgroundRun();  // kills and reaps the process if it is still running
    BackgroundRun(const BackgroundRun&) = delete;
    BackgroundRun& operator=(const BackgroundRun&) = delete;

    pid_t pid() const { return m_pid; }
    void send_signal(int signal_number) const;
    // Reads output until stderr contains `text`; false when the process ends or time runs out.
    bool wait_for_stderr(const std::string& text, std::chrono::seconds timeout);
    // Reads output while polling `condition` (every few milliseconds) until it holds: for an
    // event belay causes but does not print (a file appears, a row is committed, a lock is
    // waited for). False when the process ends without it holding, or time runs out.
    bool wait_until(const std::function<bool()>& condition, std::chrono::seconds timeout);
    // Whether the process has `file` open now (a link in /proc/<pid>/fd): belay holds its run
    // lock's file open while it waits for the lock and while it holds it.
    bool has_open(const fs::path& file) const;
    // Waits for the process to end (SIGKILL past `timeout`) and returns what it did.
    RunResult wait(std::chrono::seconds timeout = std::chrono::seconds(120));

  private:
    bool pump(int timeout_ms);  // reads what is available; false once both pipes are closed
    pid_t m_pid = -1;
    int m_out = -1;
    int m_err = -1;
    bool m_reaped = false;
    RunResult m_result;
    std::chrono::steady_clock::time_point m_start;
    std::vector<std::string> m_recorded_args;  // belay's arguments, for BELAY_E2E_RECORD
};

// Runs belay to completion.
RunResult run_belay(const std::vector<std::string>& args, const RunOptions& options = {});

// Runs `command` with /bin/sh and returns what it wrote to stdout (and stderr, if the command
// redirects it); `status`, when given, receives pclose's status.
std::string shell_output(const std::string& command, int* status = nullptr);

// The commands `belay --help` lists ("status", "migrate", ...), in its order.
std::vector<std::string> listed_commands();

// Runs `command` on a pseudo-terminal through `script` (util-linux's bsdutils, essential on
// Debian) and returns everything it wrote there, stdout and stderr together.
std::string on_a_terminal(const std::string& command);

// Minimal RAII over an sqlite3 connection for checking what belay did.
class TestDb {
  public:
    explicit TestDb(const fs::path& path, bool read_only = false);
    ~TestDb();
    TestDb(const TestDb&) = delete;
    TestDb& operator=(const TestDb&) = delete;

    sqlite3* handle() const { return m_db; }
    void exec(const std::string& sql);  // fails the test (throws) on error
    // Returns 0 on success, else SQLite's result code (no throw), e.g. to prove a trigger fires.
    int try_exec(const std::string& sql, std::string* error = nullptr);
    // Every row, every column as text ("NULL" for NULL).
    std::vector<std::vector<std::string>> rows(const std::string& sql);
    std::vector<std::string> column(const std::string& sql);  // the first column of every row
    std::string scalar(const std::string& sql);               // first column of the first row
    std::int64_t count(const std::string& table);
    std::vector<std::string> tables();  // user tables, sorted (no sqlite_*)
    std::vector<std::string> columns(const std::string& table);
    bool has_object(const std::string& name);  // any table, view, index or trigger

  private:
    sqlite3* m_db = nullptr;
};

// The files in `dir` (names only, sorted), recursively relative names for subdirectories.
std::vector<std::string> list_dir(const fs::path& dir);

// Writes migration files and runs belay on a database in a fresh temp dir. Each test gets its
// own directory: `db()` is <dir>/app.db, `migrations()` is <dir>/migrations, and belay runs with
// the temp dir as its current directory (so no stray belay.ini is picked up).
class E2eTest : public ::testing::Test {
  protected:
    fs::path dir() const { return m_dir.path(); }
    fs::path db() const { return m_dir / "app.db"; }
    fs::path migrations() const { return m_dir / "migrations"; }

    fs::path write_migration(const std::string& file_name, const std::string& contents) const;
    fs::path write_file(const std::string& relative, const std::string& contents) const {
        return m_dir.write(relative, contents);
    }

    // belay <args> with cwd = dir(); no --db or --migrations added.
    RunResult run_raw(const std::vector<std::string>& args, RunOptions options = {}) const;
    // run_raw under faketime (scripts/setup installs it) with the wall clock at `when`, in UTC,
    // as libfaketime reads it: frozen for a plain date ("2026-01-02 03:04:05"), running from it
    // with '@' in front. Only the wall clock: belay's timeouts use the monotonic one.
    RunResult run_at(const std::string& when, std::vector<std::string> args) const;
    // belay db <command> --db <db()> --migrations <migrations()> <extra>.
    RunResult belay(const std::string& command, const std::vector<std::string>& extra = {},
                    RunOptions options = {}) const;
    std::vector<std::string> belay_args(const std::string& command,
                                        const std::vector<std::string>& extra = {}) const;
    std::unique_ptr<BackgroundRun> start(const std::string& command,
                                         const std::vector<std::string>& extra = {},
                                         RunOptions options = {}) const;

    // Versions recorded in schema_migrations, in application order.
    std::vector<std::string> applied_versions(const std::string& table = "schema_migrations");

    // When the test runs as root: gives dir() and everything in it to the unprivileged user, so
    // that belay run with as_unprivileged_user owns the files as a user would. Else nothing.
    void hand_to_unprivileged_user() const;

    TempDir m_dir;
};

// The migration text for a file with the given Up section (and optional Verify).
std::string up_only(const std::string& up_sql, const std::string& verify_sql = "");

// A statement that never ends: counts an infinite recursive CTE.
inline constexpr const char* k_runaway =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;";

// --- Crash injection ---

// How many runs a crash-injection test kills: $BELAY_CRASH_KILLS when set (scripts/soak raises
// it), else `default_count`.
int crash_kills(int default_count);
// The seed for a crash-injection test's kill moments: $BELAY_CRASH_SEED when set (to replay a
// failure), else a random one. Tests print it.
unsigned crash_seed();

// --- Helpers for the backup, restore, prune and check tests ---

// What a directory holding app.db's backups holds, by kind of name. app.db itself and the
// files SQLite and belay keep beside it count as expected.
struct BackupDirectory {
    std::vector<std::string> backups;      // final `app-<time>[-n].bak` names
    std::vector<std::string> temporaries;  // belay's own temporary names
    std::vector<std::string> orphans;      // sidecars whose backup never got (or lost) its name
    std::vector<std::string> unexpected;   // anything else
};
BackupDirectory classify_backup_directory(const fs::path& directory);

// Every final `.bak` in `directory` is the complete, verified file its sidecar describes
// (the sidecar exists, its SHA-256 and size match); failures name the file and `context`.
void expect_every_backup_verified(const fs::path& directory, const std::string& context);

// SHA-256 of a file as lowercase hex, computed by the system's sha256sum (not by belay's code).
std::string sha256_of(const fs::path& file);

// Adds a table `filler` holding about `megabytes` MiB of random blobs to `database` (created if
// missing), in one transaction.
void add_filler(const fs::path& database, int megabytes);

// Leaves `database` (rollback-journal mode, with a `filler` table of at least 1 MiB) as a
// crash mid-transaction does: a child process rewrites every filler row with a tiny page
// cache, so changed pages spill into the database file, and dies without committing. What
// is left is a hot -journal that the next read-write open rolls back. `rewrite` is the
// transaction's SQL (it must change enough pages to spill).
void leave_hot_journal(const fs::path& database,
                       const std::string& rewrite = "UPDATE filler SET b = randomblob(4000);");

// Overwrites `count` bytes at `offset` of `file` with their bitwise complement.
void flip_bytes(const fs::path& file, std::uintmax_t offset, std::size_t count);

// A whole file parsed as JSON (a backup's sidecar, say).
nlohmann::json read_json_file(const fs::path& file);

// The names in `dir` (not recursive) ending with `suffix`, sorted.
std::vector<std::string> names_ending_with(const fs::path& dir, const std::string& suffix);

// What a user compares between two states of a database: its schema (type, name, sql), then
// every row of every table (rowid tables only), each row prefixed with its table's name.
std::vector<std::vector<std::string>> database_contents(const fs::path& database);

// The UTC time in a backup name `<stem>-YYYYMMDD-HHMMSS[-N].bak`, or -1 when `name` is not one.
std::int64_t backup_name_time(const std::string& name, const std::string& stem);

}  // namespace belay::testing
