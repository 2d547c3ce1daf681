// Command-line, environment and INI options, read with Boost.Program_options.
//
// Precedence: command line, then BELAY_<OPTION> environment variables, then the INI file
// (`--config FILE`, else `belay.ini` in the current directory if present), then defaults.
#pragma once

#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "belay/error.hpp"
#include "belay/options.hpp"

namespace belay::cli {

namespace po = boost::program_options;

// A usage error (exit 2) with a fmt-style message naming the option or file and what to do.
template <typename... Args>
std::unexpected<Error> usage_error(fmt::format_string<Args...> format, Args&&... args) {
    return std::unexpected(
        Error{ErrorCode::invalid_input, fmt::format(format, std::forward<Args>(args)...)});
}

// Options every `db` command takes, after parsing.
struct CommonOptions {
    DatabaseOptions db;
    bool json = false;
    std::string log_level;  // empty: decided by -v / -q
    int verbosity = 0;      // +1 per -v
    bool quiet = false;
};

// The options of every command, keyed by command name, for help and for parsing config files
// (a config file may hold any command's options).
po::options_description common_options_description();
po::options_description command_options_description(const std::string& command);
po::options_description all_options_description();

// Parses argv (the arguments after "db <command>"), the environment and the config file into
// `vm`. `positional` names the command's positional arguments in order. Fails with
// invalid_input (exit 2) for unknown options, bad values, or an unreadable config file; the
// message names the option, variable or file.
Result<void> parse_options(const std::string& command, const std::vector<std::string>& args,
                           const po::options_description& description,
                           const po::positional_options_description& positional,
                           po::variables_map& vm);

// The common options from `vm`; fails with invalid_input when `require_database` and no
// database is given, or a duration is out of range.
Result<CommonOptions> read_common_options(const po::variables_map& vm, bool require_database);

// "2.5" seconds -> 2500 ms; fails naming `option` for non-numbers and values outside 0.001 to
// 1e9 seconds (0 is also accepted when `zero_allowed`: a lock wait of none).
Result<std::chrono::milliseconds> seconds_option(const po::variables_map& vm,
                                                 const std::string& option,
                                                 bool zero_allowed = false);

}  // namespace belay::cli
