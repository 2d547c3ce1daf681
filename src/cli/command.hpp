// What every command file shares: parsing its options, logging set-up, error reporting.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "belay/error.hpp"
#include "options.hpp"

namespace belay::cli {

using Arguments = std::vector<std::string>;

// Each `belay db <command>`: parses `args` itself and returns the process exit code.
int command_status(const Arguments& args);
int command_migrate(const Arguments& args);
int command_version(const Arguments& args);
int command_create(const Arguments& args);
int command_backup(const Arguments& args);
int command_backups(const Arguments& args);
int command_restore(const Arguments& args);
int command_prune(const Arguments& args);
int command_check(const Arguments& args);
int command_down(const Arguments& args);
int command_redo(const Arguments& args);
int command_reset(const Arguments& args);
int command_refresh(const Arguments& args);
int command_adopt(const Arguments& args);
int command_baseline(const Arguments& args);
int command_repair(const Arguments& args);
int command_force(const Arguments& args);
int command_lint(const Arguments& args);
int command_dump_schema(const Arguments& args);
int command_exec(const Arguments& args);

// Asks `question` on the terminal when stdin and stderr are both terminals (anything but "y"
// or "yes" is a no); empty when there is no terminal to ask on.
std::function<bool(const Message&)> terminal_confirmation();

// Parses the command's options (common + its own) into `vm` and sets up logging. `positional`
// lists positional option names in order (e.g. {"name"} for create).
Result<CommonOptions> parse_command(const std::string& command, const Arguments& args,
                                    const std::vector<std::string>& positional,
                                    bool require_database, ParsedOptions& vm);

// Prints `belay: error: <message>` to stderr (and, with `json`, {"error": ...} to stdout) and
// returns the documented exit code: the error's code, or 128 + the signal for interruptions.
int report_error(const Error& error, bool json);

// Prints a warning of the command line's own on stderr, as belay's log prints its warnings (not
// under --quiet).
void print_warning(const CommonOptions& options, std::string_view text);

int exit_code_for(const Error& error);

// Writes `text` to stderr. A write that fails (stderr closed, or a full disk, /dev/full) is
// dropped, never thrown as fmt::print(stderr, ...) would: a message belay cannot show must not
// end the run it is about, after its snapshot and before its report. Every word belay itself
// writes to stderr goes through here (spdlog's sink ignores write errors already).
void write_to_stderr(std::string_view text);

template <typename... Args>
void print_to_stderr(fmt::format_string<Args...> format, Args&&... args) {
    write_to_stderr(fmt::format(format, std::forward<Args>(args)...));
}

// `belay db <command> --help`.
void print_command_help(const std::string& command);

}  // namespace belay::cli
