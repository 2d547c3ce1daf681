// Finding the program a command names as execvp finds it, and why it cannot be run: behind
// find_program (core/child_process.hpp) and run_child's message when an exec fails.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace belay {

// Where execvp would find the program `argv0` names, and why it cannot run it.
struct ProgramLookup {
    // The file: argv0 itself when it holds '/', else the first runnable one in PATH, or the
    // first one there that is not runnable when none is; none when no directory of PATH has it.
    std::optional<std::filesystem::path> path;
    // Why it cannot be run, as a clause ("/x/tool is not executable", "no such program in PATH
    // (/usr/bin:/bin)"); empty when it can.
    std::string fault;
};
ProgramLookup look_up_program(const std::string& argv0);

}  // namespace belay
