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
#include <ranges>

#include "belay/cancellation.hpp"
#include "core/process_table.hpp"
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
// background), asks for SIGTERM when `parent` dies, then execs. On failure errno goes up
// `error_fd` (closed on exec: EOF there means the exec succeeded).
[[noreturn]] void exec_in_child(char* const* argv, char* const* envp, bool stdout_to_stderr,
                                bool take_terminal, pid_t parent, int error_fd) {
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
    // Set once SIGTERM's action is the default: a parent that dies from here on ends the child
    // (at the latest once its mask is cleared below; a pending signal survives exec). A parent
    // that died before is seen by getppid(), as prctl(2) advises: the child is then reparented.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) {
        ::_exit(128 + SIGTERM);
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

// Forks and execs the command; returns its pid once the exec succeeded, registered in the
// CommandRegistry, with this process's children just before the fork in `host_children`. The
// child is reaped when it failed.
Result<pid_t> start_child(ExecImage& image, bool give_terminal_to_child,
                          std::vector<int>& host_children) {
    auto argv = pointers_to(image.argv);
    auto envp = pointers_to(image.environment);
    int error_pipe[2];
    if (::pipe2(error_pipe, O_CLOEXEC) != 0) {
        return fail(ErrorCode::invalid_input, "cannot start {}: {}", image.argv.front(),
                    std::strerror(errno));
    }
    const pid_t parent = ::getpid();
    pid_t pid = -1;
    int fork_error = 0;
    {
        const auto registry = CommandRegistry::lock();
        host_children = children_of_this_process();
        pid = ::fork();
        if (pid == 0) {
            exec_in_child(argv.data(), envp.data(), image.stdout_to_stderr, give_terminal_to_child,
                          parent, error_pipe[1]);
        }
        fork_error = errno;
        if (pid > 0) {
            CommandRegistry::add(pid);
        }
    }
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
        const auto registry = CommandRegistry::lock();
        CommandRegistry::remove(pid);
        return std::unexpected(exec_failure(image.argv.front(), exec_error));
    }
    return pid;
}

// One command being run.
struct Run {
    pid_t pid = 0;  // also the group's id
    int pidfd = -1;
    bool job_control = false;  // stdin is this process's controlling terminal
    bool child_has_terminal = false;
    std::optional<int> leader_status{};  // the wait status, once reaped
    int cancelled_by = 0;                // cancellation_signal() when it ended the wait
    std::vector<int> host_children{};    // this process's children before the fork, sorted
    // While belay ends the command: the signal it sends, and the strays that got it already.
    int ending_signal = 0;
    std::vector<int> signalled{};
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

// Sends `signal_number`, then SIGCONT (so that a stopped process acts on it), to a stray: to
// the whole group it leads when it leads one (setsid or setpgid(0, 0) made it), else to it.
void signal_stray(const ProcessEntry& stray, int signal_number) {
    const pid_t target = stray.group == stray.pid ? -stray.pid : stray.pid;
    ::kill(target, signal_number);
    ::kill(target, SIGCONT);
}

// Whether `process` is a stray of the command: a process that left its group (setsid,
// setpgid) and became this process's child when its parent ended (this process is the
// subreaper), so a child of this process that was none before the command started and is no
// other run's.
bool is_stray(const Run& run, const ProcessEntry& process) {
    return process.group != run.pid && process.parent == ::getpid() &&
           !std::ranges::binary_search(run.host_children, process.pid) &&
           !CommandRegistry::belongs_to_another_run(process, run.pid);
}

// The pids of what the command left running now: the members of its group and its strays,
// sorted. Strays that have exited are reaped. While belay ends the command (ending_signal
// set), each stray gets that signal once.
std::vector<int> left_running(Run& run) {
    std::vector<int> running;
    const auto registry = CommandRegistry::lock();
    for (const auto& process : list_processes()) {
        if (process.group == run.pid) {
            if (!process.zombie) {
                running.push_back(process.pid);
            }
        } else if (is_stray(run, process)) {
            if (process.zombie) {
                ::waitpid(process.pid, nullptr, WNOHANG);
                continue;
            }
            if (run.ending_signal != 0 &&
                std::ranges::find(run.signalled, process.pid) == run.signalled.end()) {
                signal_stray(process, run.ending_signal);
                run.signalled.push_back(process.pid);
            }
            running.push_back(process.pid);
        }
    }
    return running;
}

// Waits until nothing of the command is left, its strays included (reaping what is this
// process's), or `deadline` passes: whether all is gone.
bool wait_until_gone(Run& run, Clock::time_point deadline) {
    for (;;) {
        reap_group(run);
        if (left_running(run).empty() && !group_alive(run.pid)) {
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

// Sends `signal_number` (with SIGCONT) to the whole group and to every stray, now and as
// each is found while belay waits.
void signal_everything(Run& run, int signal_number) {
    ::kill(-run.pid, signal_number);
    ::kill(-run.pid, SIGCONT);
    run.ending_signal = signal_number;
    run.signalled.clear();
    left_running(run);
}

// Ends the group and the strays: `signal_number`, then SIGKILL after `grace` to what is left.
// Returns whether something outlived even that.
bool end_group(Run& run, int signal_number, milliseconds grace) {
    signal_everything(run, signal_number);
    if (wait_until_gone(run, Clock::now() + grace)) {
        return false;
    }
    signal_everything(run, SIGKILL);
    return !wait_until_gone(run, Clock::now() + k_kill_wait);
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
        outcome.left_pids = left_running(run);
        outcome.left_processes = !outcome.left_pids.empty() || group_alive(run.pid);
    } else {
        outcome.timed_out = ending == Ending::timed_out;
        outcome.stopped_by = run.cancelled_by;
        outcome.left_processes =
            end_group(run, outcome.timed_out ? SIGTERM : run.cancelled_by, command.kill_grace);
        if (outcome.left_processes) {
            outcome.left_pids = left_running(run);
        }
    }
    if (run.leader_status && WIFEXITED(*run.leader_status)) {
        outcome.exit_status = WEXITSTATUS(*run.leader_status);
    } else if (run.leader_status && WIFSIGNALED(*run.leader_status)) {
        outcome.signal = WTERMSIG(*run.leader_status);
    }
    return outcome;
}

// Removes a command from the CommandRegistry when its run ends.
class RegisteredCommand {
  public:
    explicit RegisteredCommand(pid_t pid) : m_pid(pid) {}
    ~RegisteredCommand() {
        const auto registry = CommandRegistry::lock();
        CommandRegistry::remove(m_pid);
    }
    RegisteredCommand(const RegisteredCommand&) = delete;
    RegisteredCommand& operator=(const RegisteredCommand&) = delete;

  private:
    pid_t m_pid;
};

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
    std::vector<int> host_children;
    auto pid = start_child(image, hand_terminal, host_children);
    if (!pid) {
        if (hand_terminal) {
            give_terminal(::getpgrp());  // the child may have taken it before its exec failed
        }
        return std::unexpected(pid.error());
    }
    const RegisteredCommand registered{*pid};
    Run run{.pid = *pid,
            .pidfd = open_pidfd(*pid),
            .job_control = stdin_is_controlling_terminal(),
            .child_has_terminal = hand_terminal,
            .host_children = std::move(host_children)};
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
