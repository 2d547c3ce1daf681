// What every command file shares: parsing its options, logging set-up, error reporting.
#pragma once

#include <functional>
#include <string>
#include <vector>

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

// `belay db <command> --help`.
void print_command_help(const std::string& command);

}  // namespace belay::cli
