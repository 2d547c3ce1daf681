// What `belay --help`, `belay db <command> --help`, the man page and the bash completion say
// about each command: one table, so that they cannot disagree.
#pragma once

#include <span>
#include <string_view>

namespace belay::cli {

struct Example {
    std::string_view command;  // a whole command line, starting with "belay"
    std::string_view purpose;  // what it does, in a few words
};

struct CommandHelp {
    std::string_view name;     // after "belay db "
    std::string_view usage;    // the synopsis after "belay db "
    std::string_view summary;  // one line, for the list of commands
    std::string_view details;  // a paragraph for the command's own --help ("" for none)
    std::span<const Example> examples;
};

// Every command, in the order `belay --help` lists them.
std::span<const CommandHelp> command_help();

// The entry for `name`, or nullptr when there is no such command.
const CommandHelp* find_command_help(std::string_view name);

}  // namespace belay::cli
