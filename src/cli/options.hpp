// Command-line, environment and INI options, read with Boost.Program_options.
//
// Precedence: command line, then BELAY_<OPTION> environment variables, then the INI file
// (`--config FILE`, else `belay.ini` in the current directory if present), then defaults. Each
// value keeps where it was given, so that a message about it names the flag, the variable or
// the file and line.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
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

// Where an option's value was given, for a message about it to name.
struct Origin {
    enum class Place { command_line, environment, config_file };
    Place place = Place::command_line;
    std::string variable;  // environment: the variable (BELAY_KEEP)
    std::string file;      // config file: its path, as given
    std::size_t line = 0;  // config file: the line (from 1)
    std::string text;      // the value as written there ("" for a switch on the command line)
};

// The options of one run, as Boost.Program_options stores them, and where each was given.
class ParsedOptions : public po::variables_map {
  public:
    // Where `option` was given: the first place recorded for it (the command line, then the
    // environment, then the config file, as values are stored). An option given nowhere (its
    // default) counts as the command line's.
    Origin origin(const std::string& option) const;
    void record(const std::string& option, Origin origin);
    bool on_command_line(const std::string& option) const;
    // Of two options set together that contradict each other, the one to ignore: the standing
    // setting (environment or config file) when the other was given on the command line.
    // Empty when both come from the command line or both are standing: the caller refuses.
    std::string overruled(const std::string& first, const std::string& second) const;

    // `option` named as it was given: --keep, BELAY_KEEP, or `keep` (config file belay.ini:3).
    std::string named(const std::string& option) const;
    // `option` set to `value` as one writes it where it was given, for an example: --keep 10,
    // BELAY_KEEP=10, keep = 10.
    std::string example(const std::string& option, std::string_view value) const;
    // A usage error about `option`'s value that names where it was given: "--keep 0: <why>",
    // "environment variable BELAY_KEEP=0: <why>", "config file belay.ini:3: keep = 0: <why>".
    std::unexpected<Error> bad_value(const std::string& option, std::string_view why) const;

  private:
    std::map<std::string, Origin> m_origins;
};

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

// Options that come only from the command line, never from the environment (ignored) nor a
// config file (refused).
bool is_command_line_only(const std::string& option);

// The options `belay fleet resume` takes from the journal of the run it finishes: given on its
// command line they are refused; a BELAY_* variable or belay.ini key for one is not read at all
// (it stands for other runs, and a value this run would ignore must not stop it).
const std::vector<std::string>& fleet_resume_fixed_options();

// Parses argv (the arguments after "db <command>"), the environment and the config file into
// `vm`, recording where each value came from. `positional` names the command's positional
// arguments in order. A variable set to the empty string counts as unset, as does a key of the
// config file with an empty value. Fails with invalid_input (exit 2) for unknown options, bad
// values, or an unreadable config file; the message names the option, variable or file and
// line.
Result<void> parse_options(const std::string& command, const std::vector<std::string>& args,
                           const po::options_description& description,
                           const po::positional_options_description& positional, ParsedOptions& vm);

// The common options from `vm`; fails with invalid_input when `require_database` and no
// database is given, or a value is out of range (naming where it was given).
Result<CommonOptions> read_common_options(const ParsedOptions& vm, bool require_database);

// "2.5" seconds -> 2500 ms; fails naming `option` where it was given for non-numbers and
// values outside 0.001 to 1e9 seconds (0 is also accepted when `zero_allowed`: a lock wait of
// none).
Result<std::chrono::milliseconds> seconds_option(const ParsedOptions& vm, const std::string& option,
                                                 bool zero_allowed = false);

}  // namespace belay::cli
