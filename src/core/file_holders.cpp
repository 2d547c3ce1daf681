// processes_holding (core/child_process.hpp): who holds a file open, from /proc.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <tuple>

#include "core/child_process.hpp"

namespace belay {

namespace {

namespace fs = std::filesystem;

struct FileId {
    dev_t device = 0;
    ino_t inode = 0;
    std::size_t index = 0;  // in the caller's list
};

std::vector<FileId> ids_of(const std::vector<fs::path>& files) {
    std::vector<FileId> ids;
    for (std::size_t i = 0; i < files.size(); ++i) {
        struct stat status {};
        if (::stat(files[i].c_str(), &status) == 0) {
            ids.push_back(FileId{.device = status.st_dev, .inode = status.st_ino, .index = i});
        }
    }
    return ids;
}

// The indexes (into the caller's list) of the files the process at `process` (/proc/<pid>)
// holds; none when its descriptors cannot be listed (another user's, or it has exited).
std::vector<std::size_t> files_held(const fs::path& process, const std::vector<FileId>& ids) {
    std::vector<std::size_t> held;
    std::error_code error;
    for (fs::directory_iterator fd(process / "fd", error), end; !error && fd != end;
         fd.increment(error)) {
        struct stat status {};
        if (::stat(fd->path().c_str(), &status) != 0) {
            continue;  // closed meanwhile, or its target is out of reach
        }
        for (const auto& id : ids) {
            if (id.device == status.st_dev && id.inode == status.st_ino &&
                std::find(held.begin(), held.end(), id.index) == held.end()) {
                held.push_back(id.index);
            }
        }
    }
    return held;
}

std::string command_of(const fs::path& process) {
    std::ifstream comm(process / "comm");
    std::string name;
    std::getline(comm, name);
    return name;
}

// A pid from a /proc entry's name, or 0 when the entry is no process.
int pid_of(const std::string& name) {
    if (name.empty() ||
        !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return 0;
    }
    return std::stoi(name);
}

}  // namespace

std::vector<FileHolder> processes_holding(const std::vector<fs::path>& files) {
    const auto ids = ids_of(files);
    if (ids.empty()) {
        return {};
    }
    const int self = ::getpid();
    std::vector<std::tuple<int, std::size_t, std::string>> found;  // pid, file index, command
    std::error_code error;
    for (fs::directory_iterator entry("/proc", error), end; !error && entry != end;
         entry.increment(error)) {
        const int pid = pid_of(entry->path().filename().string());
        if (pid == 0 || pid == self) {
            continue;
        }
        for (const auto index : files_held(entry->path(), ids)) {
            found.emplace_back(pid, index, command_of(entry->path()));
        }
    }
    std::sort(found.begin(), found.end());
    std::vector<FileHolder> holders;
    for (auto& [pid, index, command] : found) {
        holders.push_back(
            FileHolder{.pid = pid, .command = std::move(command), .file = files[index]});
    }
    return holders;
}

}  // namespace belay
