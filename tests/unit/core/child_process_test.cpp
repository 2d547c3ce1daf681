#include "core/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "belay/cancellation.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::read_file;
using testing::TempDir;

// A pipe the command inherits (as descriptor write_fd()) to say that it is ready, so that a
// test waits for that event rather than for a while.
class ReadyPipe {
  public:
    ReadyPipe() {
        int fds[2] = {-1, -1};
        EXPECT_EQ(::pipe(fds), 0);
        m_read = fds[0];
        m_write = fds[1];
        ::fcntl(m_read, F_SETFD, FD_CLOEXEC);
    }
    ~ReadyPipe() {
        ::close(m_read);
        ::close(m_write);
    }
    ReadyPipe(const ReadyPipe&) = delete;
    ReadyPipe& operator=(const ReadyPipe&) = delete;

    int write_fd() const { return m_write; }

    // The first line the command writes, without its newline; empty when none came within
    // `limit` (a failure of the test, not a wait it relies on).
    std::string wait_line(std::chrono::milliseconds limit = 30s) const {
        std::string line;
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!line.ends_with('\n')) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            pollfd ready{.fd = m_read, .events = POLLIN, .revents = 0};
            char c = 0;
            if (left <= 0ms || ::poll(&ready, 1, static_cast<int>(left.count())) <= 0 ||
                ::read(m_read, &c, 1) != 1) {
                return {};
            }
            line += c;
        }
        line.pop_back();
        return line;
    }

  private:
    int m_read = -1;
    int m_write = -1;
};

// Runs `body` in a forked copy of the test process and returns its exit status (-1 when a
// signal ended it): for tests that redirect the standard descriptors or take a terminal.
int in_forked_process(const std::function<int()>& body) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::_exit(body());
    }
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool redirect(int fd, const fs::path& path, int flags) {
    const int opened = ::open(path.c_str(), flags, 0644);
    return opened >= 0 && ::dup2(opened, fd) == fd && ::close(opened) == 0;
}

// Whether no process of group `pgid` exists, zombies included.
bool group_gone(int pgid) {
    return ::kill(-pgid, 0) == -1 && errno == ESRCH;
}

// Ends and reaps whatever is left of group `pgid` when the test ends: members a test leaves on
// purpose became this process's children when their parent exited.
class GroupCleanup {
  public:
    explicit GroupCleanup(int pgid) : m_pgid(pgid) {}
    ~GroupCleanup() {
        if (m_pgid > 0 && ::kill(-m_pgid, SIGKILL) == 0) {
            while (::waitpid(-m_pgid, nullptr, 0) > 0) {
            }
        }
    }
    GroupCleanup(const GroupCleanup&) = delete;
    GroupCleanup& operator=(const GroupCleanup&) = delete;

  private:
    int m_pgid;
};

// No cancellation requested before or after the test.
class CancellationReset {
  public:
    CancellationReset() { reset_cancellation(); }
    ~CancellationReset() { reset_cancellation(); }
    CancellationReset(const CancellationReset&) = delete;
    CancellationReset& operator=(const CancellationReset&) = delete;
};

// Sets an environment variable for the test's duration.
class ScopedVariable {
  public:
    ScopedVariable(const char* name, const std::string& value) : m_name(name) {
        if (const char* old = std::getenv(name); old != nullptr) {
            m_old = old;
        }
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedVariable() {
        if (m_old) {
            ::setenv(m_name, m_old->c_str(), 1);
        } else {
            ::unsetenv(m_name);
        }
    }
    ScopedVariable(const ScopedVariable&) = delete;
    ScopedVariable& operator=(const ScopedVariable&) = delete;

  private:
    const char* m_name;
    std::optional<std::string> m_old;
};

fs::path write_program(const TempDir& dir, std::string_view name, std::string_view text,
                       fs::perms perms) {
    const auto path = dir.write(name, text);
    fs::permissions(path, perms);
    return path;
}

constexpr auto k_executable = fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read;
constexpr auto k_readable = fs::perms::owner_read | fs::perms::owner_write;

Result<ChildOutcome> run_shell(const std::string& script, std::vector<std::string> arguments = {}) {
    ChildCommand command{.argv = {"/bin/sh", "-c", script, "sh"}};
    command.argv.insert(command.argv.end(), arguments.begin(), arguments.end());
    return run_child(command);
}

TEST(ChildProcessFind, FindsTheFirstRunnableProgramInPathAsExecvpDoes) {
    TempDir dir;
    write_program(dir, "first/tool", "#!/bin/sh\n", k_readable);  // passed over: not executable
    fs::create_directories(dir / "second/tool");                  // passed over: a directory
    const auto tool = write_program(dir, "third/tool", "#!/bin/sh\n", k_executable);
    const ScopedVariable path(
        "PATH", fmt::format("{}:{}:{}", (dir / "first").string(), (dir / "second").string(),
                            (dir / "third").string()));

    auto found = find_program("tool");
    ASSERT_TRUE(found.has_value()) << found.error().message;
    EXPECT_EQ(*found, tool);
    // A name with a slash is a path as it stands, not looked up.
    EXPECT_EQ(find_program(tool.string()), tool);
}

TEST(ChildProcessFind, SaysWhatIsWrongWithTheProgram) {
    TempDir dir;
    const auto text = write_program(dir, "bin/notes.txt", "text\n", k_readable);
    fs::create_directories(dir / "bin/folder");
    const ScopedVariable path("PATH", (dir / "bin").string());

    const auto missing = find_program("belay-test-no-such-tool");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, ErrorCode::invalid_input);
    EXPECT_EQ(missing.error().message,
              fmt::format("cannot run belay-test-no-such-tool: no such program in PATH ({})",
                          (dir / "bin").string()));
    EXPECT_EQ(missing.error().subject.path, fs::path());

    const auto not_executable = find_program("notes.txt");
    ASSERT_FALSE(not_executable.has_value());
    EXPECT_EQ(not_executable.error().message,
              fmt::format("cannot run notes.txt: {} is not executable", text.string()));
    EXPECT_EQ(not_executable.error().subject.path, text);

    const auto directory = find_program((dir / "bin/folder").string());
    ASSERT_FALSE(directory.has_value());
    EXPECT_CONTAINS(directory.error().message, "bin/folder is a directory");
    EXPECT_EQ(directory.error().subject.path, dir / "bin/folder");

    const auto gone = find_program((dir / "gone/tool").string());
    ASSERT_FALSE(gone.has_value());
    EXPECT_CONTAINS(gone.error().message, "gone/tool does not exist");
    EXPECT_EQ(gone.error().subject.path, dir / "gone/tool");
}

TEST(ChildProcess, PassesArgumentsByteForByteWithoutAShell) {
    TempDir dir;
    const auto out = dir / "cmdline";
    const std::vector<std::string> words = {"two words", "'single'", "\"double\"",  "$HOME",    "*",
                                            "",          "-n",       "back\\slash", "new\nline"};
    // The command line the kernel gave the shell that runs the script: every argument as exec
    // received it, NUL after each.
    std::vector<std::string> arguments = {out.string()};
    arguments.insert(arguments.end(), words.begin(), words.end());
    auto outcome = run_shell("cat /proc/$$/cmdline > \"$1\"", arguments);
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    ASSERT_TRUE(outcome->succeeded());

    std::string expected;
    for (const auto& word :
         std::vector<std::string>{"/bin/sh", "-c", "cat /proc/$$/cmdline > \"$1\"", "sh"}) {
        expected += word + '\0';
    }
    for (const auto& word : arguments) {
        expected += word + '\0';
    }
    EXPECT_EQ(read_file(out), expected);
}

TEST(ChildProcess, ReportsHowTheCommandEnded) {
    auto ok = run_shell("exit 0");
    ASSERT_TRUE(ok.has_value()) << ok.error().message;
    EXPECT_EQ(ok->exit_status, 0);
    EXPECT_TRUE(ok->succeeded());
    EXPECT_GT(ok->pid, 0);

    auto failed = run_shell("exit 7");
    ASSERT_TRUE(failed.has_value()) << failed.error().message;
    EXPECT_EQ(failed->exit_status, 7);
    EXPECT_EQ(failed->signal, std::nullopt);
    EXPECT_FALSE(failed->succeeded());
    EXPECT_FALSE(failed->left_processes);

    auto killed = run_shell("kill -KILL $$");
    ASSERT_TRUE(killed.has_value()) << killed.error().message;
    EXPECT_EQ(killed->exit_status, std::nullopt);
    EXPECT_EQ(killed->signal, SIGKILL);
    EXPECT_FALSE(killed->succeeded());
    EXPECT_FALSE(killed->timed_out);
    EXPECT_EQ(killed->stopped_by, 0);
}

TEST(ChildProcess, SetsTheEnvironmentOverInheritedValues) {
    TempDir dir;
    const auto out = dir / "environment";
    const ScopedVariable replaced("BELAY_CHILD_TEST_REPLACED", "inherited");
    const ScopedVariable kept("BELAY_CHILD_TEST_KEPT", "kept as is");
    auto outcome = run_child(ChildCommand{
        .argv = {"/bin/sh", "-c",
                 "printf '%s|%s|%s' \"$BELAY_CHILD_TEST_REPLACED\" \"$BELAY_CHILD_TEST_NEW\" "
                 "\"$BELAY_CHILD_TEST_KEPT\" > \"$1\"",
                 "sh", out.string()},
        .environment = {{"BELAY_CHILD_TEST_REPLACED", "given"},
                        {"BELAY_CHILD_TEST_NEW", "a = b; $HOME"}}});
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    ASSERT_TRUE(outcome->succeeded());
    EXPECT_EQ(read_file(out), "given|a = b; $HOME|kept as is");
}

TEST(ChildProcess, RefusesAnEnvironmentNameThatCannotBeOne) {
    for (const std::string name : {"", "A=B"}) {
        auto outcome =
            run_child(ChildCommand{.argv = {"/bin/true"}, .environment = {{name, "value"}}});
        ASSERT_FALSE(outcome.has_value()) << name;
        EXPECT_EQ(outcome.error().code, ErrorCode::invalid_input);
        EXPECT_CONTAINS(outcome.error().message, "no environment variable name");
    }
    auto empty = run_child(ChildCommand{});
    ASSERT_FALSE(empty.has_value());
    EXPECT_EQ(empty.error().code, ErrorCode::invalid_input);
}

// The command's standard descriptors are this process's: what it reads and writes goes
// straight through (here to files, in a forked copy of the test whose descriptors point there).
void check_standard_descriptors(bool stdout_to_stderr, const std::string& expected_out,
                                const std::string& expected_err) {
    TempDir dir;
    const auto input = dir.write("input", "from stdin\n");
    const auto out = dir / "out";
    const auto err = dir / "err";
    const int status = in_forked_process([&] {
        if (!redirect(STDIN_FILENO, input, O_RDONLY) ||
            !redirect(STDOUT_FILENO, out, O_WRONLY | O_CREAT | O_TRUNC) ||
            !redirect(STDERR_FILENO, err, O_WRONLY | O_CREAT | O_TRUNC)) {
            return 10;
        }
        auto outcome = run_child(ChildCommand{.argv = {"/bin/sh", "-c", "cat; echo to-err >&2"},
                                              .stdout_to_stderr = stdout_to_stderr});
        return outcome && outcome->succeeded() ? 0 : 11;
    });
    EXPECT_EQ(status, 0);
    EXPECT_EQ(read_file(out), expected_out);
    EXPECT_EQ(read_file(err), expected_err);
}

TEST(ChildProcess, PassesStandardDescriptorsThrough) {
    check_standard_descriptors(false, "from stdin\n", "to-err\n");
}

TEST(ChildProcess, SendsStdoutToStderrWhenAsked) {
    check_standard_descriptors(true, "", "from stdin\nto-err\n");
}

TEST(ChildProcess, RunsInAProcessGroupOfItsOwn) {
    TempDir dir;
    const auto out = dir / "pgid";
    // Field 5 of /proc/<pid>/stat is the process group.
    auto outcome = run_shell("cut -d' ' -f5 /proc/$$/stat > \"$1\"", {out.string()});
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    EXPECT_EQ(read_file(out), fmt::format("{}\n", outcome->pid));
    EXPECT_NE(outcome->pid, ::getpgrp());
}

// Signals ignored and blocked in this process for the test's duration.
class ScopedSignalChanges {
  public:
    ScopedSignalChanges() {
        for (const int signal_number : {SIGPIPE, SIGINT, SIGHUP, SIGTTOU, SIGXFSZ, SIGQUIT}) {
            m_ignored.emplace_back(signal_number, std::signal(signal_number, SIG_IGN));
        }
        sigset_t blocked;
        sigemptyset(&blocked);
        sigaddset(&blocked, SIGTERM);
        sigaddset(&blocked, SIGUSR1);
        ::pthread_sigmask(SIG_BLOCK, &blocked, &m_mask);
    }
    ~ScopedSignalChanges() {
        for (const auto& [signal_number, handler] : m_ignored) {
            std::signal(signal_number, handler);
        }
        ::pthread_sigmask(SIG_SETMASK, &m_mask, nullptr);
    }
    ScopedSignalChanges(const ScopedSignalChanges&) = delete;
    ScopedSignalChanges& operator=(const ScopedSignalChanges&) = delete;

  private:
    std::vector<std::pair<int, sighandler_t>> m_ignored;
    sigset_t m_mask{};
};

TEST(ChildProcess, StartsTheCommandWithDefaultSignalsAndAnEmptyMask) {
    TempDir dir;
    const auto out = dir / "signals";
    {
        const ScopedSignalChanges changes;
        // grep reads its own status: what the command was given at exec.
        auto outcome =
            run_shell("exec grep -E '^Sig(Blk|Ign)' /proc/self/status > \"$1\"", {out.string()});
        ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
        ASSERT_TRUE(outcome->succeeded());
    }
    EXPECT_EQ(read_file(out), "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST(ChildProcess, EndsACommandThatOutlastsItsTimeout) {
    auto outcome = run_child(ChildCommand{.argv = {"sleep", "1000"}, .timeout = 300ms});
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    const GroupCleanup cleanup(outcome->pid);
    EXPECT_TRUE(outcome->timed_out);
    EXPECT_EQ(outcome->signal, SIGTERM);
    EXPECT_EQ(outcome->exit_status, std::nullopt);
    EXPECT_EQ(outcome->stopped_by, 0);
    EXPECT_FALSE(outcome->succeeded());
    EXPECT_FALSE(outcome->left_processes);
    EXPECT_GE(outcome->elapsed, 300ms);
    EXPECT_TRUE(group_gone(outcome->pid));
}

TEST(ChildProcess, TimeoutEndsTheWholeGroupEvenWhatIgnoresSigterm) {
    const ReadyPipe ready;
    std::string ready_line;
    std::thread watcher([&] { ready_line = ready.wait_line(); });
    // The timeout leaves the shell ample time to set its trap and start both sleeps (which
    // inherit the ignored SIGTERM): only SIGKILL, kill_grace later, ends them.
    auto outcome = run_child(
        ChildCommand{.argv = {"/bin/sh", "-c",
                              fmt::format("trap '' TERM; sleep 1000 & echo ready >&{}; sleep 1000",
                                          ready.write_fd())},
                     .timeout = 1500ms,
                     .kill_grace = 300ms});
    watcher.join();
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    const GroupCleanup cleanup(outcome->pid);
    EXPECT_EQ(ready_line, "ready");
    EXPECT_TRUE(outcome->timed_out);
    EXPECT_EQ(outcome->signal, SIGKILL);
    EXPECT_FALSE(outcome->left_processes);
    EXPECT_GE(outcome->elapsed, 1500ms + 300ms);
    EXPECT_TRUE(group_gone(outcome->pid));
}

// Runs `script` (given the ready pipe's descriptor as $1) and requests cancellation by
// `signal_number` once it says "ready", as belay's signal handler would.
Result<ChildOutcome> run_then_cancel(const std::string& script, int signal_number,
                                     std::string& ready_line) {
    const ReadyPipe ready;
    std::thread canceller([&] {
        ready_line = ready.wait_line();
        request_cancellation(signal_number);
    });
    auto outcome = run_child(
        ChildCommand{.argv = {"/bin/sh", "-c", script, "sh", std::to_string(ready.write_fd())},
                     .kill_grace = 300ms});
    canceller.join();
    return outcome;
}

TEST(ChildProcess, CancellationSendsBelaysSignalToTheCommand) {
    const CancellationReset reset;
    std::string ready_line;
    auto outcome = run_then_cancel("echo ready >&$1; exec sleep 1000", SIGINT, ready_line);
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    const GroupCleanup cleanup(outcome->pid);
    EXPECT_EQ(ready_line, "ready");
    EXPECT_EQ(outcome->stopped_by, SIGINT);
    EXPECT_EQ(outcome->signal, SIGINT);  // sleep ended by SIGINT itself, not by the SIGKILL
    EXPECT_FALSE(outcome->timed_out);
    EXPECT_FALSE(outcome->succeeded());
    EXPECT_TRUE(group_gone(outcome->pid));
}

TEST(ChildProcess, CancellationKillsWhatIgnoresTheSignalAfterTheGrace) {
    const CancellationReset reset;
    std::string ready_line;
    auto outcome = run_then_cancel("trap '' TERM; sleep 1000 & echo ready >&$1; sleep 1000",
                                   SIGTERM, ready_line);
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    const GroupCleanup cleanup(outcome->pid);
    EXPECT_EQ(ready_line, "ready");
    EXPECT_EQ(outcome->stopped_by, SIGTERM);
    EXPECT_EQ(outcome->signal, SIGKILL);
    EXPECT_GE(outcome->elapsed, 300ms);
    EXPECT_TRUE(group_gone(outcome->pid));
}

// Fields of /proc/<pid>/stat after the command name: [0] the state ('T' for stopped), [1] the
// parent's pid.
std::vector<std::string> stat_fields(const std::string& pid) {
    const auto stat = read_file(fs::path("/proc") / pid / "stat");
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::vector<std::string> fields;
    for (std::string field; rest >> field;) {
        fields.push_back(field);
    }
    return fields;
}

TEST(ChildProcess, LeavesProcessesTheCommandLeftBehindAndSaysSo) {
    TempDir dir;
    const auto left_pid = dir / "left-pid";
    auto outcome = run_shell("sleep 1000 & echo $! > \"$1\"", {left_pid.string()});
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    const GroupCleanup cleanup(outcome->pid);
    EXPECT_EQ(outcome->exit_status, 0);
    EXPECT_TRUE(outcome->succeeded());
    EXPECT_TRUE(outcome->left_processes);
    EXPECT_FALSE(group_gone(outcome->pid)) << "the sleep left behind should still run";
    // Orphaned by the shell's exit while run_child ran, it became this process's child (the
    // subreaper), so that it is reaped here and not left a zombie where init does not reap.
    auto pid = read_file(left_pid);
    pid.pop_back();
    EXPECT_EQ(stat_fields(pid).at(1), std::to_string(::getpid()));
}

// Ends and reaps a process a test leaves running on purpose, a child of this process.
class ChildCleanup {
  public:
    explicit ChildCleanup(int pid) : m_pid(pid) {}
    ~ChildCleanup() {
        if (m_pid > 0 && ::kill(m_pid, SIGKILL) == 0) {
            ::waitpid(m_pid, nullptr, 0);
        }
    }
    ChildCleanup(const ChildCleanup&) = delete;
    ChildCleanup& operator=(const ChildCleanup&) = delete;

  private:
    int m_pid;
};

// A script that starts `stray` (a script run with $1 = `pid_file`) in a session of its own with
// setsid(1), so outside the command's process group, and goes on once the stray has written its
// pid to `pid_file` (mv: it appears whole).
std::string start_stray(const fs::path& pid_file, const std::string& stray) {
    return fmt::format(
        "setsid sh -c 'echo $$ > \"$1.new\" && mv \"$1.new\" \"$1\"; {}' sh '{}' & "
        "until [ -e '{}' ]; do sleep 0.01; done; ",
        stray, pid_file.string(), pid_file.string());
}

int read_pid(const fs::path& pid_file) {
    return std::stoi(read_file(pid_file));
}

TEST(ChildProcess, CountsWhatLeftTheCommandsGroupAmongWhatItLeftBehind) {
    TempDir dir;
    const auto pid_file = dir / "stray.pid";
    auto outcome = run_shell(start_stray(pid_file, "exec sleep 1000") + "exit 0");
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    const ChildCleanup cleanup(read_pid(pid_file));
    EXPECT_TRUE(outcome->succeeded());
    EXPECT_TRUE(outcome->left_processes) << "the stray still runs, in a session of its own";
    EXPECT_EQ(outcome->left_pids, std::vector<int>{read_pid(pid_file)});
    EXPECT_TRUE(group_gone(outcome->pid));
    // Orphaned while this process was the subreaper, it is this process's child now.
    EXPECT_EQ(stat_fields(std::to_string(read_pid(pid_file))).at(1), std::to_string(::getpid()));
}

TEST(ChildProcess, LeftPidsNameTheGroupsMembersLeftRunning) {
    TempDir dir;
    const auto left_pid = dir / "left-pid";
    auto outcome = run_shell("sleep 1000 & echo $! > \"$1\"", {left_pid.string()});
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    const GroupCleanup cleanup(outcome->pid);
    EXPECT_TRUE(outcome->left_processes);
    EXPECT_EQ(outcome->left_pids, std::vector<int>{read_pid(left_pid)});
}

TEST(ChildProcess, CancellationAlsoEndsAndReapsWhatLeftTheGroup) {
    const CancellationReset reset;
    TempDir dir;
    const auto pid_file = dir / "stray.pid";
    // The stray ignores SIGTERM: only the SIGKILL after the grace ends it.
    std::string ready_line;
    auto outcome = run_then_cancel(start_stray(pid_file, "trap \"\" TERM; exec sleep 1000") +
                                       "echo ready >&$1; exec sleep 1000",
                                   SIGTERM, ready_line);
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    const GroupCleanup group_cleanup(outcome->pid);
    const int stray = read_pid(pid_file);
    const ChildCleanup stray_cleanup(stray);
    EXPECT_EQ(ready_line, "ready");
    EXPECT_EQ(outcome->stopped_by, SIGTERM);
    EXPECT_FALSE(outcome->left_processes);
    EXPECT_TRUE(outcome->left_pids.empty());
    EXPECT_GE(outcome->elapsed, 300ms);
    // Gone and reaped (a timeout ends it the same way) (a zombie would still take signal 0).
    EXPECT_EQ(::kill(stray, 0), -1) << "the stray " << stray << " outlived the cancellation";
    EXPECT_EQ(errno, ESRCH);
}

// A child of this process that runs until the test ends, and one that exited with status 3
// and is not reaped yet, both forked before run_child: run_child must leave them as they are.
TEST(ChildProcess, NeverCountsSignalsOrReapsTheCallersOwnChildren) {
    const pid_t running = ::fork();
    if (running == 0) {
        ::execl("/bin/sleep", "sleep", "1000", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    const ChildCleanup cleanup(running);
    const pid_t exited = ::fork();
    if (exited == 0) {
        ::_exit(3);
    }
    // Exited: a zombie now (its end is seen without reaping it).
    siginfo_t info{};
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(exited), &info, WEXITED | WNOWAIT), 0);

    auto ended = run_shell("exit 0");
    ASSERT_TRUE(ended.has_value()) << ended.error().message;
    EXPECT_FALSE(ended->left_processes);
    EXPECT_TRUE(ended->left_pids.empty());
    auto timed_out =
        run_child(ChildCommand{.argv = {"sleep", "1000"}, .timeout = 200ms, .kill_grace = 100ms});
    ASSERT_TRUE(timed_out.has_value()) << timed_out.error().message;
    EXPECT_TRUE(timed_out->timed_out);
    EXPECT_FALSE(timed_out->left_processes);

    EXPECT_EQ(::waitpid(running, nullptr, WNOHANG), 0) << "the caller's child was ended";
    int status = 0;
    ASSERT_EQ(::waitpid(exited, &status, 0), exited) << "the caller's zombie was reaped";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3);
}

// No child of this process is left, not even a zombie.
bool no_children() {
    return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

TEST(ChildProcess, ExecFailureIsAnErrorNamingTheProgram) {
    TempDir dir;
    const auto not_executable = write_program(dir, "notes.sh", "#!/bin/sh\n", k_readable);
    auto denied = run_child(ChildCommand{.argv = {not_executable.string()}});
    ASSERT_FALSE(denied.has_value());
    EXPECT_EQ(denied.error().code, ErrorCode::invalid_input);
    EXPECT_EQ(denied.error().message,
              fmt::format("cannot run {0}: Permission denied; {0} is not executable",
                          not_executable.string()));
    EXPECT_EQ(denied.error().subject.path, not_executable);
    EXPECT_TRUE(no_children());

    // A program that went away after find_program found it.
    const auto vanished = dir / "vanished/tool";
    auto missing = run_child(ChildCommand{.argv = {vanished.string(), "--flag"}});
    ASSERT_FALSE(missing.has_value());
    EXPECT_CONTAINS(missing.error().message,
                    fmt::format("cannot run {}: No such file or directory", vanished.string()));
    EXPECT_TRUE(no_children());

    const auto script =
        write_program(dir, "script", "#!/belay-test-no-such-interpreter\n", k_executable);
    auto no_interpreter = run_child(ChildCommand{.argv = {script.string()}});
    ASSERT_FALSE(no_interpreter.has_value());
    EXPECT_CONTAINS(no_interpreter.error().message, "No such file or directory");
    EXPECT_CONTAINS(no_interpreter.error().message, "the interpreter its #! line names");
    EXPECT_TRUE(no_children());
}

TEST(ChildProcess, FindsTheProgramInPath) {
    TempDir dir;
    const auto out = dir / "out";
    write_program(dir, "bin/belay-test-tool", "#!/bin/sh\necho \"$0 $1\" > \"$2\"\n", k_executable);
    const ScopedVariable path("PATH",
                              fmt::format("{}:{}", (dir / "bin").string(), std::getenv("PATH")));
    auto outcome = run_child(ChildCommand{.argv = {"belay-test-tool", "one", out.string()}});
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    EXPECT_EQ(read_file(out), fmt::format("{} one\n", (dir / "bin/belay-test-tool").string()));
}

// A controlling terminal for a forked copy of the test (a new session's, on a pseudo-terminal
// it opens as stdin), so that this copy is the terminal's foreground group as belay is in an
// interactive shell. Returns the pseudo-terminal's master side (what a user types is written
// there), or -1 when it cannot be had.
int take_a_terminal() {
    if (::setsid() < 0) {
        return -1;
    }
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
        return -1;
    }
    const int terminal = ::open(::ptsname(master), O_RDWR);  // the session's first: controlling
    return terminal >= 0 && ::dup2(terminal, STDIN_FILENO) == STDIN_FILENO ? master : -1;
}

TEST(ChildProcess, GivesTheTerminalToTheCommandAndTakesItBack) {
    TempDir dir;
    const auto during = dir / "during";
    const auto after = dir / "after";
    const int status = in_forked_process([&] {
        if (take_a_terminal() < 0) {
            return 10;
        }
        // Fields 5 and 8 of /proc/<pid>/stat: the process group, the terminal's foreground one.
        auto outcome = run_shell("cut -d' ' -f5,8 /proc/$$/stat > \"$1\"", {during.string()});
        if (!outcome || !outcome->succeeded()) {
            return 11;
        }
        std::ofstream(after) << fmt::format("{} {}", outcome->pid,
                                            ::tcgetpgrp(STDIN_FILENO) == ::getpgrp());
        return 0;
    });
    ASSERT_EQ(status, 0);
    const auto pid = read_file(after).substr(0, read_file(after).find(' '));
    EXPECT_EQ(read_file(during), fmt::format("{0} {0}\n", pid));
    EXPECT_EQ(read_file(after), pid + " true") << "the terminal should be back with the caller";
}

// The wait status of `pid` once it stops or ends; none when neither happens within `limit`.
std::optional<int> wait_for_change(pid_t pid, std::chrono::milliseconds limit = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        int status = 0;
        const pid_t changed = ::waitpid(pid, &status, WNOHANG | WUNTRACED);
        if (changed == pid) {
            return status;
        }
        if (changed < 0 || std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        ::poll(nullptr, 0, 10);
    }
}

// Types Ctrl-Z on the terminal whose master side is `master` while `command` (run by `belay`)
// holds it, then does what `fg` does. 0 when each step went as it should, else the step.
int type_ctrl_z_then_fg(int master, pid_t belay, const std::string& command) {
    if (::write(master, "\x1a", 1) != 1) {
        return 12;
    }
    const auto stopped = wait_for_change(belay);
    if (!stopped || !WIFSTOPPED(*stopped)) {
        return 13;  // belay did not stop with its command
    }
    if (stat_fields(command).at(0) != "T") {
        return 14;
    }
    if (::tcsetpgrp(STDIN_FILENO, belay) != 0 || ::kill(-belay, SIGCONT) != 0) {
        return 15;
    }
    // Read by the command only once it has the terminal again: it stays stopped until then.
    if (::write(master, "after fg\n", 9) != 9) {
        return 16;
    }
    const auto ended = wait_for_change(belay);
    return ended && WIFEXITED(*ended) && WEXITSTATUS(*ended) == 0 ? 0 : 17;
}

// An interactive shell's part: a session on a terminal, belay run as a job in the foreground
// (a process group of its own), Ctrl-Z and `fg`. The command reads a line from the terminal
// into `typed`.
int act_as_shell(const fs::path& typed) {
    const int master = take_a_terminal();
    if (master < 0) {
        return 10;
    }
    std::signal(SIGTTOU, SIG_IGN);  // as shells do, to hand the terminal around
    const ReadyPipe ready;
    const pid_t belay = ::fork();
    if (belay == 0) {
        ::setpgid(0, 0);
        ::tcsetpgrp(STDIN_FILENO, ::getpgrp());
        auto outcome = run_shell(
            fmt::format("echo $$ >&{}; read line; echo \"$line\" > \"$1\"", ready.write_fd()),
            {typed.string()});
        ::_exit(outcome && outcome->succeeded() ? 0 : 1);
    }
    ::setpgid(belay, belay);
    ::tcsetpgrp(STDIN_FILENO, belay);
    const auto command = ready.wait_line();  // said once it runs, holding the terminal
    const int result = command.empty() ? 11 : type_ctrl_z_then_fg(master, belay, command);
    if (result != 0) {
        ::kill(-belay, SIGKILL);
        if (!command.empty()) {
            ::kill(-std::stoi(command), SIGKILL);
        }
    }
    return result;
}

TEST(ChildProcess, StopsWithTheCommandOnCtrlZAndGivesItTheTerminalBackOnFg) {
    TempDir dir;
    const auto typed = dir / "typed";
    EXPECT_EQ(in_forked_process([&] { return act_as_shell(typed); }), 0);
    EXPECT_EQ(read_file(typed), "after fg\n");
}

// This process as child subreaper for the test: a process orphaned below it becomes its child.
class ScopedSubreaper {
  public:
    ScopedSubreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }
    ~ScopedSubreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 0); }
    ScopedSubreaper(const ScopedSubreaper&) = delete;
    ScopedSubreaper& operator=(const ScopedSubreaper&) = delete;
};

TEST(ChildProcess, TheCommandIsAskedToStopWhenTheProcessRunningItIsKilled) {
    // The command, orphaned by the death of the process that ran it, becomes this process's
    // child: its end is seen here, with the signal that ended it (init would reap it unseen).
    const ScopedSubreaper subreaper;
    const ReadyPipe ready;
    const pid_t runner = ::fork();
    if (runner == 0) {
        run_shell(fmt::format("echo $$ >&{}; exec sleep 1000", ready.write_fd()));
        ::_exit(0);
    }
    const auto line = ready.wait_line();
    ASSERT_FALSE(line.empty()) << "the command never started";
    const int command = std::stoi(line);
    const ChildCleanup cleanup(command);
    ASSERT_EQ(::kill(runner, SIGKILL), 0);
    ASSERT_EQ(::waitpid(runner, nullptr, 0), runner);

    const auto status = wait_for_change(command);
    ASSERT_TRUE(status.has_value()) << "the command still runs after the process running it died";
    EXPECT_TRUE(WIFSIGNALED(*status));
    EXPECT_EQ(WTERMSIG(*status), SIGTERM);
}

// A process that holds `file` open (as descriptor 3) until its stdin closes; its pid, once it
// said it holds the file.
class Holder {
  public:
    explicit Holder(const fs::path& file) {
        int in[2];
        EXPECT_EQ(::pipe2(in, O_CLOEXEC), 0);
        m_pid = ::fork();
        if (m_pid == 0) {
            ::dup2(in[0], STDIN_FILENO);
            ::dup2(m_ready.write_fd(), STDOUT_FILENO);
            ::execl("/bin/sh", "sh", "-c", "exec 3<\"$1\" && echo ready && read line", "sh",
                    file.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(in[0]);
        m_stdin = in[1];
        EXPECT_EQ(m_ready.wait_line(), "ready");
    }
    ~Holder() {
        ::close(m_stdin);  // its read ends, and so does it
        ::waitpid(m_pid, nullptr, 0);
    }
    Holder(const Holder&) = delete;
    Holder& operator=(const Holder&) = delete;
    int pid() const { return m_pid; }

  private:
    ReadyPipe m_ready;
    int m_pid = -1;
    int m_stdin = -1;
};

TEST(ChildProcessHolders, ListsAProcessHoldingTheFile) {
    TempDir dir;
    const auto held = dir.write("app.db", "data");
    const auto other = dir.write("other.db", "data");
    const Holder holder(held);

    const auto holders = processes_holding({dir / "missing.db", other, held});
    ASSERT_EQ(holders.size(), 1u);
    EXPECT_EQ(holders[0].pid, holder.pid());
    EXPECT_EQ(holders[0].command, "sh");
    EXPECT_EQ(holders[0].file, held);
}

TEST(ChildProcessHolders, SeesNoOneWhenNoOtherProcessHoldsTheFile) {
    TempDir dir;
    const auto file = dir.write("app.db", "data");
    std::ifstream held_here(file);  // this process does not count
    ASSERT_TRUE(held_here.is_open());
    EXPECT_TRUE(processes_holding({file}).empty());
    EXPECT_TRUE(processes_holding({dir / "missing.db"}).empty());
    EXPECT_TRUE(processes_holding({}).empty());
}

}  // namespace
}  // namespace belay
