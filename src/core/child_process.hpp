// Running a user's command (a migration tool, an app's own migrate command) as a child of belay,
// and finding who else holds the database open: the process side of wrapping a command in
// belay's snapshot, validation and restore. POSIX and Linux (/proc, pidfd); no SQLite here.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace belay {

struct ChildCommand {
    // argv[0] found in PATH as execvp does (a name with '/' is a path).
    std::vector<std::string> argv{};
    // Set in the child's environment (overriding inherited values of the same name).
    std::vector<std::pair<std::string, std::string>> environment{};
    std::optional<std::chrono::milliseconds> timeout{};  // none: no limit
    std::chrono::milliseconds kill_grace{5000};  // SIGTERM -> SIGKILL delay when belay ends it
    // The child's stdout is this process's stderr (belay --json keeps stdout for its report).
    bool stdout_to_stderr = false;
};

struct ChildOutcome {
    int pid = 0;                       // the command's process, also its process group's id
    std::optional<int> exit_status{};  // it exited: its status
    std::optional<int> signal{};       // a signal ended it: which
    bool timed_out = false;            // belay ended it because the timeout passed
    // belay ended it because belay itself got this signal (cancellation), else 0.
    int stopped_by = 0;
    // Something the command started still runs: after it exited by itself, members of its
    // process group or strays (see run_child) were left running (they are left alone); after
    // belay ended it, some outlived SIGKILL by 10 s.
    bool left_processes = false;
    std::vector<int> left_pids{};          // what still ran then (group members, strays), sorted
    std::chrono::milliseconds elapsed{0};  // from fork to the end of the run, steady clock
    bool succeeded() const;                // exited with 0, not timed out, not stopped
};

// The program argv0 names, found as execvp finds it: a name with '/' is a path as it stands,
// any other is searched for in the directories of PATH (an empty entry is the current
// directory; no PATH: execvp's default, "/bin:/usr/bin"). Fails with ErrorCode::invalid_input, a
// message naming the program and what is wrong (not found in PATH, which PATH; a directory; not
// executable) and Error::subject set to the path where there is one. Used to refuse before
// anything is done.
Result<std::filesystem::path> find_program(const std::string& argv0);

// Runs the command and returns once it has ended:
// - argv is run directly with execvp's semantics (never through a shell, arguments passed byte
//   for byte; a file without "#!" runs with /bin/sh as execvp does); stdin, stdout and stderr
//   are this process's (stdout is its stderr with stdout_to_stderr), passed through untouched;
// - the child leads a new process group; signal dispositions belay changes (SIGPIPE, SIGINT,
//   SIGTERM, SIGHUP, SIGQUIT, SIGTTOU, SIGTTIN, SIGTSTP, SIGCHLD, SIGXFSZ) are reset to the
//   default and its signal mask is cleared before exec;
// - when stdin is this process's controlling terminal and this process's group is in the
//   foreground, the child's group is given the terminal for its run and it is taken back after.
//   On that terminal, a stop of the child (Ctrl-Z, or reading it from the background) stops this
//   process's group too (SIGTSTP), as if Ctrl-Z had stopped the job; once continued, the child
//   gets the terminal back (if this process is in the foreground again) and SIGCONT;
// - the command's strays are the processes it started that left its group (setsid, setpgid)
//   and were orphaned: this process being the subreaper meanwhile, they become its children. A
//   child of this process counts as a stray when it was not one before the fork (this process's
//   own children, a host program's, are never counted, signalled or reaped) and is not another
//   run_child's command or member of its group. A child that a host program forks in another
//   thread while run_child runs, or that another run_child's command left outside its group,
//   cannot be told from a stray and is counted as one;
// - past `timeout`, SIGTERM to the whole group and every stray (its group, when it leads one),
//   then SIGKILL after kill_grace to what is left (timed_out); when cancellation_signal() is or
//   becomes non-zero (seen within 100 ms), that signal likewise, then SIGKILL after kill_grace
//   (stopped_by). Each is followed by SIGCONT, so that a stopped process acts on it; strays
//   found meanwhile (orphaned by the end of their parent) get the same. run_child then waits
//   until neither members nor strays are left, reaping strays by their pids, for at most 10
//   seconds after the SIGKILL (a process in uninterruptible sleep, or a zombie whose parent is
//   no process of the command, is then reported in left_processes);
// - when the command's process exits by itself, members of its group and strays still running
//   are left alone (left_processes, left_pids); strays that have exited are reaped;
// - when this process dies while the command runs (SIGKILL, a crash), the command's process
//   gets SIGTERM (prctl PR_SET_PDEATHSIG, tied to the thread that called run_child), so that
//   it is asked to stop rather than run on unsupervised. What it started gets no such signal:
//   ending that is the command's part.
// While it runs, this process is a child subreaper (prctl PR_SET_CHILD_SUBREAPER, the previous
// setting restored on return): members orphaned by their parent's end become children of this
// process and are reaped here, rather than left as zombies (which still count as members) where
// PID 1 does not reap, as in many containers. Processes left running stay this process's
// children once orphaned: a caller that ends them reaps them (waitpid on each of left_pids, or
// waitpid(-pid, ...) for the group), else init does once this process exits.
// Fails (invalid_input) only when it could not be started: an empty argv or an environment name
// that is empty or holds '=', fork failed, or exec failed in the child (the message names the
// program and errno's text, passed back through a close-on-exec pipe; the child is reaped).
Result<ChildOutcome> run_child(const ChildCommand& command);

// Processes other than this one that hold one of `files` open (matched by device and inode
// through /proc/<pid>/fd; files that do not exist are skipped). Processes this user cannot
// inspect (another user's, without root or CAP_SYS_PTRACE) are not seen, and neither are
// processes that map a file without holding a descriptor, or that exit during the scan. One
// entry per process and file, sorted by pid (then file, in the order of `files`).
struct FileHolder {
    int pid = 0;
    std::string command;         // /proc/<pid>/comm: the program's name, at most 15 bytes
    std::filesystem::path file;  // as given in `files`
};
std::vector<FileHolder> processes_holding(const std::vector<std::filesystem::path>& files);

}  // namespace belay
