#include "e2e/harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace belay::testing {

namespace {

fs::path path_from_env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        throw std::runtime_error(std::string(name) + " is not set; run the tests through ctest");
    }
    return value;
}

// The child's environment: ours without BELAY_*, plus the test's additions, which replace a
// variable of ours of the same name (getenv would find ours first).
std::vector<std::string> child_environment(const RunOptions& options) {
    std::vector<std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view variable(*entry);
        const auto name = variable.substr(0, variable.find('='));
        const bool replaced = std::ranges::any_of(
            options.env, [&](const auto& added) { return added.first == name; });
        if (!variable.starts_with("BELAY_") && !replaced) {
            env.emplace_back(variable);
        }
    }
    for (const auto& [name, value] : options.env) {
        env.push_back(name + "=" + value);
    }
    return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    for (auto& s : strings) {
        pointers.push_back(s.data());
    }
    pointers.push_back(nullptr);
    return pointers;
}

void close_fd(int& fd) {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

}  // namespace

fs::path belay_binary() {
    return path_from_env("BELAY_BINARY");
}
fs::path source_dir() {
    if (const char* value = std::getenv("BELAY_SOURCE_DIR"); value != nullptr && *value != '\0') {
        return value;
    }
    return BELAY_SOURCE_ROOT;
}

nlohmann::json RunResult::json() const {
    return nlohmann::json::parse(out);
}

std::string describe(const RunResult& result) {
    std::string text = "exit " + std::to_string(result.exit_code);
    if (result.term_signal != 0) {
        text += " (killed by signal " + std::to_string(result.term_signal) + ")";
    }
    if (result.timed_out) {
        text += " (timed out)";
    }
    return text + "\n--- stdout:\n" + result.out + "--- stderr:\n" + result.err;
}

BackgroundRun::BackgroundRun(const std::vector<std::string>& args, const RunOptions& options) {
    std::vector<std::string> argv_strings;
    if (options.as_unprivileged_user && ::geteuid() == 0) {
        argv_strings = {"/usr/bin/setpriv", "--reuid=" + std::to_string(k_unprivileged_uid),
                        "--regid=" + std::to_string(k_unprivileged_gid), "--clear-groups", "--"};
    }
    if (options.program.empty()) {
        m_recorded_args = args;
    }
    argv_strings.push_back(options.program.empty() ? belay_binary().string()
                                                   : options.program.string());
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    auto env_strings = child_environment(options);
    auto argv = c_strings(argv_strings);
    auto envp = c_strings(env_strings);
    const std::string cwd = options.cwd.string();

    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    }
    m_start = std::chrono::steady_clock::now();
    m_pid = ::fork();
    if (m_pid < 0) {
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    }
    if (m_pid == 0) {
        // Only async-signal-safe calls between fork and exec.
        if ((!cwd.empty() && ::chdir(cwd.c_str()) != 0) || ::dup2(out_pipe[1], 1) < 0 ||
            ::dup2(err_pipe[1], 2) < 0) {
            ::_exit(126);
        }
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    m_out = out_pipe[0];
    m_err = err_pipe[0];
}

BackgroundRun::~BackgroundRun() {
    if (!m_reaped && m_pid > 0) {
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
    }
    close_fd(m_out);
    close_fd(m_err);
}

void BackgroundRun::send_signal(int signal_number) const {
    if (!m_reaped) {
        ::kill(m_pid, signal_number);
    }
}

bool BackgroundRun::pump(int timeout_ms) {
    pollfd fds[2] = {{m_out, POLLIN, 0}, {m_err, POLLIN, 0}};
    if (m_out < 0 && m_err < 0) {
        return false;
    }
    const int ready = ::poll(fds, 2, timeout_ms);
    if (ready <= 0) {
        return true;
    }
    std::string* targets[2] = {&m_result.out, &m_result.err};
    int* fd_slots[2] = {&m_out, &m_err};
    for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
            continue;
        }
        char buffer[4096];
        const ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
        if (got > 0) {
            targets[i]->append(buffer, static_cast<std::size_t>(got));
        } else if (got == 0 || errno != EINTR) {
            close_fd(*fd_slots[i]);
        }
    }
    return m_out >= 0 || m_err >= 0;
}

bool BackgroundRun::wait_for_stderr(const std::string& text, std::chrono::seconds timeout) {
    return wait_until([&] { return m_result.err.find(text) != std::string::npos; }, timeout);
}

bool BackgroundRun::wait_until(const std::function<bool()>& condition,
                               std::chrono::seconds timeout) {
    const auto give_up = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        // pump() waits up to 10 ms for output: the polling interval.
        if (std::chrono::steady_clock::now() >= give_up || !pump(10)) {
            return condition();
        }
    }
    return true;
}

bool BackgroundRun::has_open(const fs::path& file) const {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(m_pid) + "/fd", ec)) {
        // equivalent() stats the link, so it compares the open file itself (device and inode).
        std::error_code gone;  // the descriptor may close while this looks
        if (fs::equivalent(entry.path(), file, gone)) {
            return true;
        }
    }
    return false;
}

namespace {

// BELAY_E2E_RECORD=FILE: each run of belay appends one JSON line to FILE (the test, the arguments,
// the exit status and both outputs), for scripts/compare-outputs, which shows whether a change
// altered any word belay prints. One write(2) per line on an O_APPEND file: tests running in
// parallel processes do not interleave their lines.
void record_run(const std::vector<std::string>& args, const RunResult& result) {
    const char* file = std::getenv("BELAY_E2E_RECORD");
    if (file == nullptr || *file == '\0') {
        return;
    }
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    const nlohmann::json line{
        {"test", test != nullptr ? std::string(test->test_suite_name()) + "." + test->name()
                                 : std::string()},
        {"args", args},
        {"exit", result.exit_code},
        {"signal", result.term_signal},
        {"out", result.out},
        {"err", result.err}};
    const auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    const int fd = ::open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw std::runtime_error(std::string("BELAY_E2E_RECORD: cannot open ") + file + ": " +
                                 std::strerror(errno));
    }
    const auto written = ::write(fd, text.data(), text.size());
    ::close(fd);
    if (written != static_cast<ssize_t>(text.size())) {
        throw std::runtime_error(std::string("BELAY_E2E_RECORD: cannot write ") + file);
    }
}

}  // namespace

RunResult BackgroundRun::wait(std::chrono::seconds timeout) {
    const auto give_up = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (!m_reaped) {
        if (!pump(20)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        const pid_t done = ::waitpid(m_pid, &status, WNOHANG);
        if (done == m_pid) {
            m_reaped = true;
        } else if (std::chrono::steady_clock::now() >= give_up) {
            m_result.timed_out = true;
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, &status, 0);
            m_reaped = true;
        }
    }
    while (pump(1000)) {
    }
    m_result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    if (WIFEXITED(status)) {
        m_result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        m_result.term_signal = WTERMSIG(status);
    }
    if (!m_recorded_args.empty()) {
        record_run(m_recorded_args, m_result);
    }
    return m_result;
}

std::string shell_output(const std::string& command, int* status) {
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        throw std::runtime_error("popen failed for: " + command);
    }
    std::string output;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
        output += buffer;
    }
    const int closed = ::pclose(pipe);
    if (status != nullptr) {
        *status = closed;
    }
    return output;
}

std::vector<std::string> listed_commands() {
    auto help = run_belay({"--help"});
    if (help.exit_code != 0) {
        throw std::runtime_error("belay --help failed: " + describe(help));
    }
    std::vector<std::string> commands;
    std::istringstream lines(help.out);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.starts_with("  db ")) {
            commands.push_back(line.substr(5, line.find(' ', 5) - 5));
        }
    }
    return commands;
}

std::string on_a_terminal(const std::string& command) {
    return shell_output("script -qec '" + command + "' /dev/null 2>&1");
}

RunResult run_belay(const std::vector<std::string>& args, const RunOptions& options) {
    BackgroundRun run(args, options);
    return run.wait(options.timeout);
}

TestDb::TestDb(const fs::path& path, bool read_only) {
    const int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr) != SQLITE_OK) {
        const std::string message = m_db ? sqlite3_errmsg(m_db) : "out of memory";
        sqlite3_close(m_db);
        throw std::runtime_error("cannot open " + path.string() + ": " + message);
    }
    sqlite3_busy_timeout(m_db, 10000);
}

TestDb::~TestDb() {
    sqlite3_close_v2(m_db);
}

void TestDb::exec(const std::string& sql) {
    std::string error;
    if (try_exec(sql, &error) != SQLITE_OK) {
        throw std::runtime_error("SQL failed: " + error + "\nin: " + sql);
    }
}

int TestDb::try_exec(const std::string& sql, std::string* error) {
    char* message = nullptr;
    const int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK && error != nullptr) {
        *error = message != nullptr ? message : sqlite3_errstr(rc);
    }
    sqlite3_free(message);
    return rc;
}

std::vector<std::vector<std::string>> TestDb::rows(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
        throw std::runtime_error("cannot prepare: " + std::string(sqlite3_errmsg(m_db)) +
                                 "\nin: " + sql);
    }
    std::vector<std::vector<std::string>> result;
    int rc = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        std::vector<std::string> row;
        for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
            const auto* text = sqlite3_column_text(stmt, i);
            row.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "NULL");
        }
        result.push_back(std::move(row));
    }
    const std::string message = sqlite3_errmsg(m_db);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        throw std::runtime_error("query failed: " + message + "\nin: " + sql);
    }
    return result;
}

std::vector<std::string> TestDb::column(const std::string& sql) {
    std::vector<std::string> values;
    for (auto& row : rows(sql)) {
        values.push_back(row.empty() ? "" : row.front());
    }
    return values;
}

std::string TestDb::scalar(const std::string& sql) {
    auto values = column(sql);
    if (values.empty()) {
        throw std::runtime_error("query returned no row: " + sql);
    }
    return values.front();
}

std::int64_t TestDb::count(const std::string& table) {
    return std::stoll(scalar("SELECT count(*) FROM \"" + table + "\""));
}

std::vector<std::string> TestDb::tables() {
    return column(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name");
}

std::vector<std::string> TestDb::columns(const std::string& table) {
    return column("SELECT name FROM pragma_table_info('" + table + "') ORDER BY cid");
}

bool TestDb::has_object(const std::string& name) {
    return scalar("SELECT count(*) FROM sqlite_schema WHERE name = '" + name + "'") != "0";
}

std::vector<std::string> list_dir(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
        names.push_back(it->path().lexically_relative(dir).string());
    }
    std::ranges::sort(names);
    return names;
}

fs::path E2eTest::write_migration(const std::string& file_name, const std::string& contents) const {
    return m_dir.write("migrations/" + file_name, contents);
}

RunResult E2eTest::run_raw(const std::vector<std::string>& args, RunOptions options) const {
    if (options.cwd.empty()) {
        options.cwd = dir();
    }
    return run_belay(args, options);
}

RunResult E2eTest::run_at(const std::string& when, std::vector<std::string> args) const {
    RunOptions options;
    options.program = "/usr/bin/faketime";
    // TZ=UTC: libfaketime reads `when` in local time, and belay names backups in UTC.
    options.env = {{"FAKETIME_DONT_FAKE_MONOTONIC", "1"}, {"TZ", "UTC"}};
    // Under AddressSanitizer (scripts/test-sanitizers) libfaketime is preloaded ahead of ASan's
    // runtime, which ASan refuses unless told that the order is fine.
    const char* asan = std::getenv("ASAN_OPTIONS");
    options.env.emplace_back(
        "ASAN_OPTIONS", std::string(asan != nullptr ? asan : "") + ":verify_asan_link_order=0");
    // -f hands `when` to libfaketime as it is: a plain date is a frozen clock (without -f,
    // faketime starts a running clock there, and a slow run, under ASan say, crosses into the
    // next second).
    args.insert(args.begin(), {"-f", when, belay_binary().string()});
    return run_raw(args, options);
}

std::vector<std::string> E2eTest::belay_args(const std::string& command,
                                             const std::vector<std::string>& extra) const {
    std::vector<std::string> args{"db",          command,        "--db",
                                  db().string(), "--migrations", migrations().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

RunResult E2eTest::belay(const std::string& command, const std::vector<std::string>& extra,
                         RunOptions options) const {
    return run_raw(belay_args(command, extra), std::move(options));
}

std::unique_ptr<BackgroundRun> E2eTest::start(const std::string& command,
                                              const std::vector<std::string>& extra,
                                              RunOptions options) const {
    if (options.cwd.empty()) {
        options.cwd = dir();
    }
    return std::make_unique<BackgroundRun>(belay_args(command, extra), options);
}

std::vector<std::string> E2eTest::applied_versions(const std::string& table) {
    TestDb check(db(), true);
    return check.column("SELECT version FROM \"" + table + "\" ORDER BY rowid");
}

void E2eTest::hand_to_unprivileged_user() const {
    if (::geteuid() != 0) {
        return;
    }
    auto give = [](const fs::path& path) {
        if (::lchown(path.c_str(), k_unprivileged_uid, k_unprivileged_gid) != 0) {
            throw std::runtime_error("cannot chown " + path.string() + ": " + std::strerror(errno));
        }
    };
    give(dir());
    for (const auto& entry : fs::recursive_directory_iterator(dir())) {
        give(entry.path());
    }
}

std::string up_only(const std::string& up_sql, const std::string& verify_sql) {
    std::string text = "-- +migrate Up\n" + up_sql + "\n";
    if (!verify_sql.empty()) {
        text += "\n-- +migrate Verify\n" + verify_sql + "\n";
    }
    return text;
}

int crash_kills(int default_count) {
    const char* value = std::getenv("BELAY_CRASH_KILLS");
    if (value == nullptr || *value == '\0') {
        return default_count;
    }
    const int count = std::atoi(value);
    if (count <= 0) {
        throw std::runtime_error(std::string("BELAY_CRASH_KILLS must be a positive number, not ") +
                                 value);
    }
    return count;
}

unsigned crash_seed() {
    const char* value = std::getenv("BELAY_CRASH_SEED");
    if (value != nullptr && *value != '\0') {
        return static_cast<unsigned>(std::stoul(value));
    }
    return std::random_device{}();
}

BackupDirectory classify_backup_directory(const fs::path& directory) {
    static const std::regex backup(R"(app-\d{8}-\d{6}(-\d+)?\.bak)");
    static const std::regex sidecar(R"(app-\d{8}-\d{6}(-\d+)?\.bak\.json)");
    // A temporary, and the -journal, -wal or -shm SQLite may keep beside it while it has it open.
    static const std::regex temporary(
        R"(app-\d{8}-\d{6}(-\d+)?\.bak(\.json)?\.tmp-[0-9a-f]{16}(-journal|-wal|-shm)?)");
    static const std::set<std::string> database_files{"app.db", "app.db-journal", "app.db-wal",
                                                      "app.db-shm", "app.db.belay-lock"};
    BackupDirectory found;
    for (const auto& name : list_dir(directory)) {
        if (std::regex_match(name, backup)) {
            found.backups.push_back(name);
        } else if (std::regex_match(name, sidecar)) {
            if (!fs::exists(directory / name.substr(0, name.size() - 5))) {
                found.orphans.push_back(name);
            }
        } else if (std::regex_match(name, temporary)) {
            found.temporaries.push_back(name);
        } else if (!database_files.contains(name)) {
            found.unexpected.push_back(name);
        }
    }
    return found;
}

void expect_every_backup_verified(const fs::path& directory, const std::string& context) {
    for (const auto& name : classify_backup_directory(directory).backups) {
        const auto path = directory / name;
        const auto sidecar_path = fs::path(path.string() + ".json");
        ASSERT_TRUE(fs::exists(sidecar_path)) << name << " has no sidecar; " << context;
        const auto sidecar = read_json_file(sidecar_path);
        EXPECT_EQ(sidecar.at("sha256").get<std::string>(), sha256_of(path))
            << name << " is not the verified backup its sidecar describes; " << context;
        EXPECT_EQ(fs::file_size(path), sidecar.at("size_bytes").get<std::uintmax_t>())
            << name << "; " << context;
    }
}

std::string sha256_of(const fs::path& file) {
    const std::string command = "sha256sum '" + file.string() + "'";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    if (!pipe) {
        throw std::runtime_error("cannot run " + command);
    }
    std::string output;
    char buffer[256];
    while (std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) {
        output += buffer;
    }
    const auto end = output.find(' ');
    if (end != 64) {
        throw std::runtime_error("unexpected output of " + command + ": " + output);
    }
    return output.substr(0, end);
}

void add_filler(const fs::path& database, int megabytes) {
    TestDb db(database);
    db.exec(
        "BEGIN; CREATE TABLE filler (id INTEGER PRIMARY KEY, b BLOB); "
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < " +
        std::to_string(megabytes * 256) +
        ") INSERT INTO filler (b) SELECT randomblob(4000) FROM c; COMMIT;");
}

void leave_hot_journal(const fs::path& database, const std::string& rewrite) {
    const pid_t child = ::fork();
    if (child < 0) {
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    }
    if (child == 0) {
        // Only the C API, and _exit: nothing of the test framework runs in the child.
        sqlite3* db = nullptr;
        const auto sql = "PRAGMA cache_size = 10; BEGIN; " + rewrite;
        const bool ok = sqlite3_open(database.c_str(), &db) == SQLITE_OK &&
                        sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
        ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    std::error_code ec;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        fs::file_size(database.string() + "-journal", ec) == 0) {
        throw std::runtime_error("could not leave a hot journal beside " + database.string());
    }
}

void flip_bytes(const fs::path& file, std::uintmax_t offset, std::size_t count) {
    const int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        throw std::runtime_error("cannot open " + file.string());
    }
    std::string bytes(count, '\0');
    const auto at = static_cast<off_t>(offset);
    bool ok = ::pread(fd, bytes.data(), count, at) == static_cast<ssize_t>(count);
    for (auto& c : bytes) {
        c = static_cast<char>(~c);
    }
    ok = ok && ::pwrite(fd, bytes.data(), count, at) == static_cast<ssize_t>(count);
    ::close(fd);
    if (!ok) {
        throw std::runtime_error("cannot rewrite bytes of " + file.string());
    }
}

nlohmann::json read_json_file(const fs::path& file) {
    return nlohmann::json::parse(read_file(file));
}

std::vector<std::string> names_ending_with(const fs::path& dir, const std::string& suffix) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        auto name = entry.path().filename().string();
        if (name.ends_with(suffix)) {
            names.push_back(std::move(name));
        }
    }
    std::ranges::sort(names);
    return names;
}

std::vector<std::vector<std::string>> database_contents(const fs::path& database) {
    TestDb db(database, true);
    auto result = db.rows("SELECT type, name, sql FROM sqlite_schema ORDER BY type, name");
    for (const auto& table : db.tables()) {
        for (auto& row : db.rows("SELECT * FROM \"" + table + "\" ORDER BY rowid")) {
            row.insert(row.begin(), table);
            result.push_back(std::move(row));
        }
    }
    return result;
}

std::int64_t backup_name_time(const std::string& name, const std::string& stem) {
    static const std::regex pattern(
        R"(^-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(-[1-9]\d*)?\.bak$)");
    std::smatch match;
    const auto rest = name.starts_with(stem) ? name.substr(stem.size()) : std::string();
    if (!std::regex_match(rest, match, pattern)) {
        return -1;
    }
    std::tm parts{};
    parts.tm_year = std::stoi(match[1]) - 1900;
    parts.tm_mon = std::stoi(match[2]) - 1;
    parts.tm_mday = std::stoi(match[3]);
    parts.tm_hour = std::stoi(match[4]);
    parts.tm_min = std::stoi(match[5]);
    parts.tm_sec = std::stoi(match[6]);
    return static_cast<std::int64_t>(::timegm(&parts));
}

}  // namespace belay::testing
