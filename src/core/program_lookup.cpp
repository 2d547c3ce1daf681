#include "core/program_lookup.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/child_process.hpp"

namespace belay {

namespace {

namespace fs = std::filesystem;

// Why execvp cannot run `path` ("<path> is a directory"), or an empty string when it can.
std::string exec_fault(const fs::path& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) {
        return errno == ENOENT
                   ? fmt::format("{} does not exist", path.string())
                   : fmt::format("{} cannot be examined: {}", path.string(), std::strerror(errno));
    }
    if (S_ISDIR(status.st_mode)) {
        return fmt::format("{} is a directory", path.string());
    }
    if (::access(path.c_str(), X_OK) != 0) {
        return fmt::format("{} is not executable", path.string());
    }
    return {};
}

}  // namespace

// execvp's search: each directory of PATH in turn, an empty entry the current one; a candidate
// it cannot run is passed over, and named when no later one runs.
ProgramLookup look_up_program(const std::string& argv0) {
    if (argv0.find('/') != std::string::npos) {
        return ProgramLookup{.path = argv0, .fault = exec_fault(argv0)};
    }
    const char* variable = std::getenv("PATH");
    const std::string search = variable != nullptr ? variable : "/bin:/usr/bin";
    std::optional<ProgramLookup> passed_over;
    std::size_t from = 0;
    for (;;) {
        const auto to = std::min(search.find(':', from), search.size());
        const auto directory = search.substr(from, to - from);
        const auto candidate = fs::path(directory.empty() ? "." : directory) / argv0;
        auto fault = exec_fault(candidate);
        if (fault.empty()) {
            return ProgramLookup{.path = candidate, .fault = {}};
        }
        if (!passed_over && ::access(candidate.c_str(), F_OK) == 0) {
            passed_over = ProgramLookup{.path = candidate, .fault = std::move(fault)};
        }
        if (to == search.size()) {
            break;
        }
        from = to + 1;
    }
    if (passed_over) {
        return *passed_over;
    }
    return ProgramLookup{.path = std::nullopt,
                         .fault = fmt::format("no such program in PATH ({})", search)};
}

Result<fs::path> find_program(const std::string& argv0) {
    if (argv0.empty()) {
        return fail(ErrorCode::invalid_input, "no command to run: its program name is empty");
    }
    auto lookup = look_up_program(argv0);
    if (!lookup.fault.empty()) {
        auto failure =
            error_of(ErrorCode::invalid_input, said("cannot run {}: {}", argv0, lookup.fault));
        return std::unexpected(lookup.path ? about(*lookup.path, std::move(failure)) : failure);
    }
    return *lookup.path;
}

}  // namespace belay
