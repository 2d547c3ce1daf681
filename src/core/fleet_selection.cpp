// The fleet's selection (belay/fleet.hpp): patterns and lists expanded into databases, each
// counted once, sorted, then sharded.
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <utility>

#include "belay/fleet.hpp"
#include "core/error.hpp"

namespace belay {

namespace {

constexpr std::uint32_t k_max_shards = 1000000;

std::uint64_t fnv1a64(std::string_view bytes) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

bool has_wildcard(std::string_view pattern) {
    return pattern.find_first_of("*?[") != std::string_view::npos;
}

bool ends_with(std::string_view text, std::string_view tail) {
    return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

// Files a pattern like `tenants/*` reaches that are belay's or SQLite's own, never a tenant's
// database: its -wal, -shm and -journal, belay's backups, their sidecars, run locks and
// temporaries. A path named on its own (no pattern) is taken as given.
bool is_side_file(std::string_view path) {
    const auto name = path.substr(path.find_last_of('/') + 1);
    for (const std::string_view tail :
         {"-wal", "-shm", "-journal", ".bak", ".bak.json", ".belay-lock", ".belay-fleet"}) {
        if (ends_with(name, tail)) {
            return true;
        }
    }
    return name.find(".tmp-") != std::string_view::npos;
}

// Directories glob(3) could not enter while expanding one pattern (it has no user data).
thread_local std::vector<std::pair<std::string, int>>* t_unreadable = nullptr;

int note_unreadable(const char* path, int error) {
    // A directory part that does not exist simply matches nothing, as in a shell.
    if (t_unreadable != nullptr && error != ENOENT && error != ENOTDIR) {
        t_unreadable->emplace_back(path, error);
    }
    return 0;  // go on with the rest
}

std::string describe_errno(int error) {
    if (error == ENOENT || error == ENOTDIR) {
        return "does not exist";
    }
    if (error == ELOOP) {
        return "cannot be reached: too many levels of symbolic links (a loop)";
    }
    return fmt::format("cannot be reached: {}", std::strerror(error));
}

struct Candidate {
    std::string path;
    std::string problem;
};

// `dir/*/app.db`: glob(3) looks for app.db in each directory the wildcard matches without
// opening it, so a directory this user cannot enter is passed over in silence. Such a
// directory may hold a tenant's database: report it.
std::size_t note_closed_directories(const std::string& pattern, std::vector<Candidate>& out) {
    const auto slash = pattern.find_last_of('/');
    if (slash == std::string::npos || slash == 0 || !has_wildcard(pattern.substr(0, slash)) ||
        has_wildcard(pattern.substr(slash + 1))) {
        return 0;
    }
    const auto directories = pattern.substr(0, slash);
    glob_t found{};
    std::size_t closed = 0;
    if (::glob(directories.c_str(), GLOB_NOSORT | GLOB_ONLYDIR, nullptr, &found) == 0) {
        for (std::size_t i = 0; i < found.gl_pathc; ++i) {
            struct stat st {};
            const char* directory = found.gl_pathv[i];
            if (::stat(directory, &st) == 0 && S_ISDIR(st.st_mode) &&
                ::access(directory, X_OK) != 0) {
                out.push_back({directory, fmt::format("a directory the pattern '{}' could not "
                                                      "enter: {}",
                                                      pattern, std::strerror(errno))});
                ++closed;
            }
        }
    }
    ::globfree(&found);
    return closed;
}

Result<void> expand_pattern(const std::string& pattern, std::vector<Candidate>& out) {
    if (!has_wildcard(pattern)) {
        out.push_back({pattern, {}});
        return {};
    }
    std::vector<std::pair<std::string, int>> unreadable;
    t_unreadable = &unreadable;
    glob_t found{};
    const int rc = ::glob(pattern.c_str(), GLOB_NOSORT, &note_unreadable, &found);
    t_unreadable = nullptr;
    std::size_t matched = 0;
    if (rc == 0) {
        for (std::size_t i = 0; i < found.gl_pathc; ++i) {
            if (!is_side_file(found.gl_pathv[i])) {
                out.push_back({found.gl_pathv[i], {}});
                ++matched;
            }
        }
    }
    ::globfree(&found);
    for (auto& [directory, error] : unreadable) {
        out.push_back({directory, fmt::format("a directory the pattern '{}' could not enter: {}",
                                              pattern, std::strerror(error))});
        ++matched;
    }
    matched += note_closed_directories(pattern, out);
    if (rc == GLOB_NOSPACE || rc == GLOB_ABORTED) {
        return fail(ErrorCode::invalid_input, "the pattern '{}' could not be expanded ({})",
                    pattern, rc == GLOB_NOSPACE ? "out of memory" : "a read error");
    }
    if (matched == 0) {
        return fail(ErrorCode::invalid_input,
                    "the pattern '{}' matches no database file; check it (quote it, so that "
                    "belay expands it rather than the shell)",
                    pattern);
    }
    return {};
}

Result<void> read_list(const std::filesystem::path& list, std::vector<Candidate>& out) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (list != "-") {
        std::error_code ec;
        if (std::filesystem::is_directory(list, ec)) {
            return fail(list, ErrorCode::invalid_input,
                        "the list of databases {} is a directory; give a file of paths, one per "
                        "line",
                        list.string());
        }
        file.open(list);
        if (!file) {
            return fail(list, ErrorCode::invalid_input, "cannot read the list of databases {}: {}",
                        list.string(), std::strerror(errno));
        }
        in = &file;
    }
    std::string line;
    while (std::getline(*in, line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        // Blank to any reader (spaces and tabs only), or a comment, however indented.
        const auto first = line.find_first_not_of(" \t");
        if (first != std::string::npos && line[first] != '#') {
            out.push_back({line, {}});
        }
    }
    if (in->bad()) {
        return fail(list, ErrorCode::invalid_input, "reading the list of databases {} failed",
                    list.string());
    }
    return {};
}

struct Looked {
    Candidate candidate;
    struct stat st {};
    bool is_link = false;
};

// What stands at a candidate's name: a problem, or the file it is.
Looked look(Candidate candidate) {
    Looked looked{std::move(candidate)};
    auto& problem = looked.candidate.problem;
    struct stat link {};
    looked.is_link = ::lstat(looked.candidate.path.c_str(), &link) == 0 && S_ISLNK(link.st_mode);
    if (!problem.empty()) {
        return looked;
    }
    if (::stat(looked.candidate.path.c_str(), &looked.st) != 0) {
        problem = describe_errno(errno);
    } else if (!S_ISREG(looked.st.st_mode)) {
        problem = S_ISDIR(looked.st.st_mode)    ? "is a directory, not a database file"
                  : S_ISFIFO(looked.st.st_mode) ? "is a FIFO, not a database file"
                                                : "is not a regular file";
    } else if (looked.st.st_size == 0) {
        problem = "is empty (0 bytes): not a database yet, and a fleet creates none";
    }
    return looked;
}

// Each candidate looked at, each file once: of its names, the first that is not a symlink (or
// the first), in path order.
FleetSelected look_at(std::vector<Candidate> candidates) {
    std::ranges::sort(candidates, {}, &Candidate::path);
    std::vector<Looked> kept;
    std::map<std::pair<dev_t, ino_t>, std::size_t> by_file;
    FleetSelected selected;
    std::set<std::string> seen_paths;
    for (auto& candidate : candidates) {
        if (!seen_paths.insert(candidate.path).second) {
            continue;
        }
        auto looked = look(std::move(candidate));
        if (!looked.candidate.problem.empty()) {
            kept.push_back(std::move(looked));
            continue;
        }
        const auto [at, first] =
            by_file.try_emplace({looked.st.st_dev, looked.st.st_ino}, kept.size());
        if (first) {
            kept.push_back(std::move(looked));
        } else if (kept[at->second].is_link && !looked.is_link) {
            selected.aliases.emplace_back(kept[at->second].candidate.path, looked.candidate.path);
            kept[at->second] = std::move(looked);
        } else {
            selected.aliases.emplace_back(looked.candidate.path, kept[at->second].candidate.path);
        }
    }
    std::ranges::sort(kept, {}, [](const Looked& looked) { return looked.candidate.path; });
    for (auto& looked : kept) {
        const bool ok = looked.candidate.problem.empty();
        selected.members.push_back({std::move(looked.candidate.path),
                                    std::move(looked.candidate.problem),
                                    ok ? static_cast<std::uint64_t>(looked.st.st_dev) : 0,
                                    ok ? static_cast<std::uint64_t>(looked.st.st_ino) : 0});
    }
    return selected;
}

}  // namespace

Result<Shard> parse_shard(std::string_view text) {
    const auto slash = text.find('/');
    Shard shard;
    const auto parse = [](std::string_view part, std::uint32_t& value) {
        const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
        return ec == std::errc{} && end == part.data() + part.size() && !part.empty();
    };
    if (slash == std::string_view::npos || !parse(text.substr(0, slash), shard.index) ||
        !parse(text.substr(slash + 1), shard.count) || shard.count == 0 ||
        shard.count > k_max_shards || shard.index >= shard.count) {
        return fail(ErrorCode::invalid_input,
                    "shard '{}' is not I/N with 0 <= I < N <= {} (e.g. 0/4 ... 3/4)", text,
                    k_max_shards);
    }
    return shard;
}

bool in_shard(std::string_view path, const Shard& shard) {
    return fnv1a64(path) % shard.count == shard.index;
}

Result<FleetSelected> select_fleet(const FleetSelection& selection) {
    if (selection.patterns.empty() && selection.lists.empty()) {
        return fail(ErrorCode::invalid_input,
                    "no databases selected: give a path or pattern ({}) or a list of paths",
                    Option::database);
    }
    std::vector<Candidate> candidates;
    for (const auto& pattern : selection.patterns) {
        BELAY_TRY(expand_pattern(pattern, candidates));
    }
    for (const auto& list : selection.lists) {
        BELAY_TRY(read_list(list, candidates));
    }
    if (candidates.empty()) {
        return fail(ErrorCode::invalid_input,
                    "no databases selected: the lists name none (only blank lines and comments)");
    }
    auto selected = look_at(std::move(candidates));
    if (selection.shard) {
        std::erase_if(selected.members, [&](const FleetMember& member) {
            return !in_shard(member.path.string(), *selection.shard);
        });
    }
    return selected;
}

std::string member_changed(const FleetMember& member) {
    if (!member.problem.empty() || member.inode == 0) {
        return member.problem;
    }
    struct stat st {};
    if (::stat(member.path.c_str(), &st) != 0) {
        return describe_errno(errno) + " (it did when it was selected)";
    }
    if (static_cast<std::uint64_t>(st.st_dev) != member.device ||
        static_cast<std::uint64_t>(st.st_ino) != member.inode) {
        return "names another file than when it was selected (it was replaced or swapped for a "
               "link); it was not opened: run again to select it afresh";
    }
    if (st.st_size == 0) {
        return "is empty (0 bytes) now, and was not when it was selected: not a database any "
               "more, and a fleet creates none; it was not opened";
    }
    return {};
}

}  // namespace belay
