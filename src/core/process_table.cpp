#include "core/process_table.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>

namespace belay {

namespace {

// A whole directory entry name as a pid, or none ("self", "sys", ...).
std::optional<int> pid_of(std::string_view name) {
    int pid = 0;
    const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (error != std::errc() || end != name.data() + name.size() || pid <= 0) {
        return std::nullopt;
    }
    return pid;
}

// /proc/<pid>/stat, parsed: "pid (comm) state ppid pgrp ...". The command name may hold spaces
// and parentheses, so the fields after it are found from its last ')'.
std::optional<ProcessEntry> read_entry(int pid) {
    const std::string path = "/proc/" + std::to_string(pid) + "/stat";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt;
    }
    char buffer[1024];
    const auto count = ::read(fd, buffer, sizeof buffer - 1);
    ::close(fd);
    if (count <= 0) {
        return std::nullopt;
    }
    const std::string_view stat(buffer, static_cast<std::size_t>(count));
    const auto close = stat.rfind(')');
    if (close == std::string_view::npos || close + 2 >= stat.size()) {
        return std::nullopt;
    }
    const char* cursor = stat.data() + close + 2;
    const char* const end = stat.data() + stat.size();
    ProcessEntry entry{.pid = pid, .zombie = *cursor == 'Z' || *cursor == 'X'};
    cursor += 2;  // the state, and the space after it
    const auto parent = std::from_chars(cursor, end, entry.parent);
    if (parent.ec != std::errc() || parent.ptr + 1 >= end) {
        return std::nullopt;
    }
    const auto group = std::from_chars(parent.ptr + 1, end, entry.group);
    if (group.ec != std::errc()) {
        return std::nullopt;
    }
    return entry;
}

}  // namespace

std::vector<ProcessEntry> list_processes() {
    std::vector<ProcessEntry> processes;
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) {
        return processes;
    }
    while (const dirent* entry = ::readdir(proc)) {
        if (const auto pid = pid_of(entry->d_name)) {
            if (auto process = read_entry(*pid)) {
                processes.push_back(*process);
            }
        }
    }
    ::closedir(proc);
    std::ranges::sort(processes, {}, &ProcessEntry::pid);
    return processes;
}

std::vector<int> children_of_this_process() {
    const int self = ::getpid();
    std::vector<int> children;
    for (const auto& process : list_processes()) {
        if (process.parent == self) {
            children.push_back(process.pid);
        }
    }
    return children;
}

std::unique_lock<std::mutex> CommandRegistry::lock() {
    return std::unique_lock(s_mutex);
}

void CommandRegistry::add(int pid) {
    s_pids.push_back(pid);
}

void CommandRegistry::remove(int pid) {
    std::erase(s_pids, pid);
}

bool CommandRegistry::belongs_to_another_run(const ProcessEntry& process, int own_pid) {
    return std::ranges::any_of(s_pids, [&](int pid) {
        return pid != own_pid && (process.pid == pid || process.group == pid);
    });
}

SubreaperScope::SubreaperScope() {
    const std::lock_guard lock(s_mutex);
    if (s_users++ == 0) {
        int previous = 0;
        s_was_set = ::prctl(PR_GET_CHILD_SUBREAPER, &previous) == 0 && previous != 0;
        ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    }
}

SubreaperScope::~SubreaperScope() {
    const std::lock_guard lock(s_mutex);
    if (--s_users == 0 && !s_was_set) {
        ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    }
}

}  // namespace belay
