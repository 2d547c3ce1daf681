// What run_child (core/child_process.hpp) keeps beside the command it runs: the processes of
// the system as /proc shows them, the commands run_child runs now in this process, and this
// process as child subreaper meanwhile. Linux only.
#pragma once

#include <mutex>
#include <vector>

namespace belay {

// One process, from /proc/<pid>/stat.
struct ProcessEntry {
    int pid = 0;
    int parent = 0;       // its parent's pid (a process, not a thread)
    int group = 0;        // its process group
    bool zombie = false;  // it has exited, and its parent has not reaped it yet
};

// Every process /proc lists now, sorted by pid. A process that exits during the scan is left
// out; one this process cannot read is too (every /proc/<pid>/stat is world-readable on
// Linux, unless /proc is mounted with hidepid).
std::vector<ProcessEntry> list_processes();

// The pids of this process's children now (zombies included), sorted.
std::vector<int> children_of_this_process();

// The commands run_child runs now in this process (several threads may each run one), by the
// pid of each command's process, which is also its group's id: one run never counts, signals or
// reaps what belongs to another. Hold the lock across "list this process's children, fork,
// register the child", so that no run sees another's command between its fork and its
// registration.
class CommandRegistry {
  public:
    static std::unique_lock<std::mutex> lock();
    // The lock held: adds or removes a command's pid.
    static void add(int pid);
    static void remove(int pid);
    // The lock held: whether `process` is another run's command or a member of its group.
    static bool belongs_to_another_run(const ProcessEntry& process, int own_pid);

  private:
    static inline std::mutex s_mutex;
    static inline std::vector<int> s_pids;
};

// This process as child subreaper for as long as any run_child lasts (the setting is
// process-wide; runs in several threads share it). The previous setting comes back after.
class SubreaperScope {
  public:
    SubreaperScope();
    ~SubreaperScope();
    SubreaperScope(const SubreaperScope&) = delete;
    SubreaperScope& operator=(const SubreaperScope&) = delete;

  private:
    static inline std::mutex s_mutex;
    static inline int s_users = 0;
    static inline bool s_was_set = false;
};

}  // namespace belay
