#include "core/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>

#include "belay/cancellation.hpp"
#include "core/program_lookup.hpp"

extern char** environ;

namespace belay {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The longest one wait for the command lasts before belay looks again at the clock, at its
// cancellation and at a stop of the command: how late a cancellation requested just before
// poll() is seen (one that interrupts poll() is seen at once, through EINTR).
constexpr milliseconds k_wait_slice{100};
// How often belay looks while it waits for the whole group to end, and without a pidfd.
constexpr milliseconds k_poll_slice{10};
// After SIGKILL, how long belay waits for the group to be gone before it reports it left.
constexpr milliseconds k_kill_wait{10000};

// Dispositions belay (or a program embedding it) may have changed: a handler is reset by exec
// anyway, but SIG_IGN would be inherited by the command.
constexpr int k_reset_signals[] = {SIGPIPE, SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,
                                   SIGTTOU, SIGTTIN, SIGTSTP, SIGCHLD, SIGXFSZ};

// The words the child execs, built before fork: allocating after fork is unsafe in a process
// with threads.
struct ExecImage {
    std::vector<std::string> argv;
    std::vector<std::string> environment;  // "NAME=value"
    bool stdout_to_stderr = false;
};

Result<std::vector<std::string>> child_environment(const ChildCommand& command) {
    std::vector<std::string> environment;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        environment.emplace_back(*entry);
    }
    for (const auto& [name, value] : command.environment) {
        if (name.empty() || name.find('=') != std::string::npos) {
            return fail(ErrorCode::invalid_input,
                        "cannot run {}: \"{}\" is no environment variable name (empty, or "
                        "holds '=')",
                        command.argv.front(), name);
        }
        const auto prefix = name + "=";
        std::erase_if(environment,
                      [&](const std::string& entry) { return entry.starts_with(prefix); });
        environment.push_back(prefix + value);
    }
    return environment;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    for (auto& text : strings) {
        pointers.push_back(text.data());
    }
    pointers.push_back(nullptr);
    return pointers;
}

// Makes `pgid` the foreground process group of the terminal on stdin. SIGTTOU is blocked
// meanwhile: a caller in a background group would be stopped by it otherwise.
void give_terminal(pid_t pgid) {
    sigset_t ttou;
    sigset_t previous;
    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    ::pthread_sigmask(SIG_BLOCK, &ttou, &previous);
    ::tcsetpgrp(STDIN_FILENO, pgid);
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

// Whether stdin is this process's controlling terminal (tcgetpgrp fails on any other).
bool stdin_is_controlling_terminal() {
    return ::isatty(STDIN_FILENO) == 1 && ::tcgetpgrp(STDIN_FILENO) > 0;
}

bool in_terminal_foreground() {
    return stdin_is_controlling_terminal() && ::tcgetpgrp(STDIN_FILENO) == ::getpgrp();
}

// The child between fork and exec: async-signal-safe calls only. Leads its own group (the
// parent calls setpgid too, so that neither has to wait for the other), takes the terminal
// when the parent gives it (also both, so that the command never reads the terminal from the
// background), then execs. On failure errno goes up `error_fd` (closed on exec: EOF there
// means the exec succeeded).
[[noreturn]] void exec_in_child(char* const* argv, char* const* envp, bool stdout_to_stderr,
                                bool take_terminal, int error_fd) {
    ::setpgid(0, 0);
    if (take_terminal) {
        give_terminal(::getpid());
    }
    int error = 0;
    if (stdout_to_stderr && ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        error = errno;
    }
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    for (const int signal_number : k_reset_signals) {
        ::sigaction(signal_number, &default_action, nullptr);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (error == 0) {
        ::execvpe(argv[0], argv, envp);
        error = errno;
    }
    while (::write(error_fd, &error, sizeof error) < 0 && errno == EINTR) {
    }
    ::_exit(127);
}

// errno sent up the pipe by a child whose exec failed, or 0 once the exec closed it.
int read_exec_error(int fd) {
    int error = 0;
    for (;;) {
        const auto count = ::read(fd, &error, sizeof error);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        return count == static_cast<ssize_t>(sizeof error) ? error : 0;
    }
}

// The error for a command whose exec failed with `error`, with what look_up_program finds wrong.
Error exec_failure(const std::string& argv0, int error) {
    const auto lookup = look_up_program(argv0);
    std::string message = fmt::format("cannot run {}: {}", argv0, std::strerror(error));
    if (!lookup.fault.empty()) {
        message += "; " + lookup.fault;
    } else if (error == ENOENT) {
        message += fmt::format("; {} exists: the interpreter its #! line names may be missing",
                               lookup.path->string());
    }
    auto failure = error_of(ErrorCode::invalid_input, Message(message));
    return lookup.path ? about(*lookup.path, std::move(failure)) : failure;
}

// Forks and execs the command; returns its pid once the exec succeeded. The child is reaped
// when it failed.
Result<pid_t> start_child(ExecImage& image, bool give_terminal_to_child) {
    auto argv = pointers_to(image.argv);
    auto envp = pointers_to(image.environment);
    int error_pipe[2];
    if (::pipe2(error_pipe, O_CLOEXEC) != 0) {
        return fail(ErrorCode::invalid_input, "cannot start {}: {}", image.argv.front(),
                    std::strerror(errno));
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
        exec_in_child(argv.data(), envp.data(), image.stdout_to_stderr, give_terminal_to_child,
                      error_pipe[1]);
    }
    const int fork_error = errno;
    ::close(error_pipe[1]);
    if (pid < 0) {
        ::close(error_pipe[0]);
        return fail(ErrorCode::invalid_input, "cannot start {}: fork failed: {}",
                    image.argv.front(), std::strerror(fork_error));
    }
    ::setpgid(pid, pid);  // EACCES once the child has exec'd: it has done so itself then
    if (give_terminal_to_child) {
        give_terminal(pid);
    }
    const int exec_error = read_exec_error(error_pipe[0]);
    ::close(error_pipe[0]);
    if (exec_error != 0) {
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        return std::unexpected(exec_failure(image.argv.front(), exec_error));
    }
    return pid;
}

// This process as child subreaper for as long as any run_child lasts (the setting is
// process-wide; runs in several threads share it). The previous setting comes back after.
class SubreaperScope {
  public:
    SubreaperScope() {
        const std::lock_guard lock(s_mutex);
        if (s_users++ == 0) {
            int previous = 0;
            s_was_set = ::prctl(PR_GET_CHILD_SUBREAPER, &previous) == 0 && previous != 0;
            ::prctl(PR_SET_CHILD_SUBREAPER, 1);
        }
    }
    ~SubreaperScope() {
        const std::lock_guard lock(s_mutex);
        if (--s_users == 0 && !s_was_set) {
            ::prctl(PR_SET_CHILD_SUBREAPER, 0);
        }
    }
    SubreaperScope(const SubreaperScope&) = delete;
    SubreaperScope& operator=(const SubreaperScope&) = delete;

  private:
    static inline std::mutex s_mutex;
    static inline int s_users = 0;
    static inline bool s_was_set = false;
};

// One command being run.
struct Run {
    pid_t pid = 0;  // also the group's id
    int pidfd = -1;
    bool job_control = false;  // stdin is this process's controlling terminal
    bool child_has_terminal = false;
    std::optional<int> leader_status{};  // the wait status, once reaped
    int cancelled_by = 0;                // cancellation_signal() when it ended the wait
};

int open_pidfd(pid_t pid) {
    const long fd = ::syscall(SYS_pidfd_open, pid, 0);
    return fd < 0 ? -1 : static_cast<int>(fd);
}

// Waits up to `limit` or until the command's process ends (a signal handler cuts it short).
void pause_for(const Run& run, milliseconds limit) {
    limit = std::max(limit, milliseconds(0));
    if (run.pidfd >= 0 && !run.leader_status) {
        pollfd process{.fd = run.pidfd, .events = POLLIN, .revents = 0};
        ::poll(&process, 1, static_cast<int>(limit.count()));
    } else {
        ::poll(nullptr, 0, static_cast<int>(std::min(limit, k_poll_slice).count()));
    }
}

// Reaps every child of this process in the command's group, noting the leader's status.
void reap_group(Run& run) {
    int status = 0;
    pid_t reaped = 0;
    while ((reaped = ::waitpid(-run.pid, &status, WNOHANG)) > 0) {
        if (reaped == run.pid) {
            run.leader_status = status;
        }
    }
}

// Whether any process (a zombie not reaped yet included) is left in the group.
bool group_alive(pid_t pgid) {
    return ::kill(-pgid, 0) == 0 || errno == EPERM;
}

bool wait_until_group_gone(Run& run, Clock::time_point deadline) {
    for (;;) {
        reap_group(run);
        if (!group_alive(run.pid)) {
            return true;
        }
        const auto now = Clock::now();
        if (now >= deadline) {
            return false;
        }
        pause_for(run, std::min(k_poll_slice, std::chrono::duration_cast<milliseconds>(
                                                  deadline - now + milliseconds(1))));
    }
}

// Ends the whole group: `signal_number` (with SIGCONT, so that a stopped member acts on it),
// then SIGKILL after `grace` to what is left. Returns whether members outlived even that.
bool end_group(Run& run, int signal_number, milliseconds grace) {
    ::kill(-run.pid, signal_number);
    ::kill(-run.pid, SIGCONT);
    if (wait_until_group_gone(run, Clock::now() + grace)) {
        return false;
    }
    ::kill(-run.pid, SIGKILL);
    return !wait_until_group_gone(run, Clock::now() + k_kill_wait);
}

// The command stopped (Ctrl-Z on its terminal, or it read the terminal from the background):
// under job control, stop this process's group as the terminal would have stopped the job,
// and once continued, give the command the terminal again (when the job is in the foreground)
// and continue it. Where the group is orphaned, the kernel discards the SIGTSTP and the
// command is continued at once.
void follow_stop(Run& run) {
    if (!run.job_control) {
        return;  // not belay's to handle: whoever stopped it continues it
    }
    if (run.child_has_terminal) {
        give_terminal(::getpgrp());
    }
    ::kill(0, SIGTSTP);
    run.child_has_terminal = in_terminal_foreground();
    if (run.child_has_terminal) {
        give_terminal(run.pid);
    }
    ::kill(-run.pid, SIGCONT);
}

// What ended the wait for the command's process.
enum class Ending { exited, timed_out, cancelled };

// Waits until the command's process exits, the timeout passes or cancellation is requested.
Ending wait_for_leader(Run& run, const ChildCommand& command, Clock::time_point start) {
    for (;;) {
        int status = 0;
        const pid_t reaped = ::waitpid(run.pid, &status, WNOHANG | WUNTRACED);
        if (reaped == run.pid && !WIFSTOPPED(status)) {
            run.leader_status = status;
            return Ending::exited;
        }
        if (reaped < 0 && errno == ECHILD) {
            return Ending::exited;  // reaped elsewhere (a SIGCHLD handler): status unknown
        }
        if (reaped == run.pid) {
            follow_stop(run);
        }
        if (const int signal_number = cancellation_signal(); signal_number != 0) {
            run.cancelled_by = signal_number;
            return Ending::cancelled;
        }
        auto slice = k_wait_slice;
        if (command.timeout) {
            const auto left = std::chrono::duration_cast<milliseconds>(
                start + *command.timeout - Clock::now() + milliseconds(1));
            if (left <= milliseconds(1)) {
                return Ending::timed_out;
            }
            slice = std::min(slice, left);
        }
        pause_for(run, slice);
    }
}

ChildOutcome supervise(Run& run, const ChildCommand& command, Clock::time_point start) {
    ChildOutcome outcome{.pid = run.pid};
    const Ending ending = wait_for_leader(run, command, start);
    if (ending == Ending::exited) {
        reap_group(run);
        outcome.left_processes = group_alive(run.pid);
    } else {
        outcome.timed_out = ending == Ending::timed_out;
        outcome.stopped_by = run.cancelled_by;
        outcome.left_processes =
            end_group(run, outcome.timed_out ? SIGTERM : run.cancelled_by, command.kill_grace);
    }
    if (run.leader_status && WIFEXITED(*run.leader_status)) {
        outcome.exit_status = WEXITSTATUS(*run.leader_status);
    } else if (run.leader_status && WIFSIGNALED(*run.leader_status)) {
        outcome.signal = WTERMSIG(*run.leader_status);
    }
    return outcome;
}

}  // namespace

bool ChildOutcome::succeeded() const {
    return exit_status == 0 && !timed_out && stopped_by == 0;
}

Result<ChildOutcome> run_child(const ChildCommand& command) {
    if (command.argv.empty() || command.argv.front().empty()) {
        return fail(ErrorCode::invalid_input, "no command to run: its program name is empty");
    }
    auto environment = child_environment(command);
    BELAY_TRY(environment);
    ExecImage image{.argv = command.argv,
                    .environment = std::move(*environment),
                    .stdout_to_stderr = command.stdout_to_stderr};
    const bool hand_terminal = in_terminal_foreground();
    const SubreaperScope subreaper;
    const auto start = Clock::now();
    auto pid = start_child(image, hand_terminal);
    if (!pid) {
        if (hand_terminal) {
            give_terminal(::getpgrp());  // the child may have taken it before its exec failed
        }
        return std::unexpected(pid.error());
    }
    Run run{.pid = *pid,
            .pidfd = open_pidfd(*pid),
            .job_control = stdin_is_controlling_terminal(),
            .child_has_terminal = hand_terminal};
    auto outcome = supervise(run, command, start);
    if (run.child_has_terminal) {
        give_terminal(::getpgrp());
    }
    if (run.pidfd >= 0) {
        ::close(run.pidfd);
    }
    outcome.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    return outcome;
}

}  // namespace belay
