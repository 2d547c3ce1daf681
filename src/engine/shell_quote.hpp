// Commands printed for the operator to paste into a shell.
#pragma once

#include <filesystem>
#include <string>

namespace belay::engine {

// `text` in single quotes for a POSIX shell, only where needed (plain words stay as they are).
std::string shell_quote(const std::string& text);

// "belay db restore --db <database> <snapshot>", quoted: the command that undoes a run.
std::string restore_command_for(const std::filesystem::path& database,
                                const std::filesystem::path& snapshot);

}  // namespace belay::engine
