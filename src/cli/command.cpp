#include "command.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "belay/cancellation.hpp"
#include "belay/log.hpp"
#include "color.hpp"
#include "command_help.hpp"
#include "render.hpp"
#include "words.hpp"

namespace belay::cli {

namespace {

std::optional<LogLevel> parse_log_level(std::string_view name) {
    static constexpr std::pair<std::string_view, LogLevel> k_names[] = {
        {"trace", LogLevel::trace},  {"debug", LogLevel::debug},     {"info", LogLevel::info},
        {"warn", LogLevel::warning}, {"warning", LogLevel::warning}, {"error", LogLevel::error},
        {"off", LogLevel::off},
    };
    for (const auto& [text, level] : k_names) {
        if (text == name) {
            return level;
        }
    }
    return std::nullopt;
}

// The level of the lines belay logs, from --log-level (checked by parse_command), --quiet
// and -v.
LogLevel log_level_of(const CommonOptions& options) {
    auto level = LogLevel::warning;
    if (auto parsed = parse_log_level(options.log_level)) {
        level = *parsed;
    } else if (options.quiet) {
        level = LogLevel::error;
    } else if (options.verbosity >= 2) {
        level = LogLevel::debug;
    } else if (options.verbosity == 1) {
        level = LogLevel::info;
    }
    return level;
}

// `text` broken into lines of at most `width` characters, at spaces.
std::string wrapped(std::string_view text, std::size_t width) {
    std::string result;
    std::size_t line_length = 0;
    while (!text.empty()) {
        const auto space = text.find(' ');
        const auto word = text.substr(0, space);
        if (line_length > 0 && line_length + 1 + word.size() > width) {
            result += '\n';
            line_length = 0;
        } else if (line_length > 0) {
            result += ' ';
            ++line_length;
        }
        result += word;
        line_length += word.size();
        text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    }
    return result;
}

}  // namespace

Result<CommonOptions> parse_command(const std::string& command, const Arguments& args,
                                    const std::vector<std::string>& positional,
                                    bool require_database, ParsedOptions& vm) {
    po::options_description description;
    description.add(common_options_description()).add(command_options_description(command));
    po::positional_options_description positions;
    for (const auto& name : positional) {
        positions.add(name.c_str(), 1);
    }
    // Program_options cannot count a repeated switch: fold -v, -vv, -v -v, --verbose into one
    // -v here and remember how many there were (1: info, 2 or more: debug).
    Arguments folded;
    std::size_t verbosity = 0;
    for (const auto& arg : args) {
        if (arg == "--verbose" || (arg.size() >= 2 && arg.starts_with("-v") &&
                                   arg.find_first_not_of('v', 1) == std::string::npos)) {
            verbosity += arg == "--verbose" ? 1 : arg.size() - 1;
        } else {
            folded.push_back(arg);
        }
    }
    if (verbosity > 0) {
        folded.push_back("-v");
    }
    BELAY_TRY(parse_options(command, folded, description, positions, vm));
    auto options = read_common_options(vm, require_database);
    if (!options) {
        return options;
    }
    options->verbosity =
        std::max(options->verbosity, static_cast<int>(std::min<std::size_t>(verbosity, 2)));
    // -v (only ever on the command line) wins over a standing `quiet` (configuration.md).
    if (verbosity > 0 && !vm.on_command_line("quiet")) {
        options->quiet = false;
    }
    if (!options->log_level.empty() && !parse_log_level(options->log_level)) {
        return vm.bad_value("log-level", "expected trace, debug, info, warn, error or off");
    }
    set_log(log_level_of(*options));
    return options;
}

void print_warning(const CommonOptions& options, std::string_view text) {
    if (log_level_of(options) <= LogLevel::warning) {
        print_to_stderr("belay: warning: {}\n", printable(text, true));
    }
}

int exit_code_for(const Error& error) {
    if (error.code == ErrorCode::interrupted) {
        const int signal = cancellation_signal();
        return 128 + (signal != 0 ? signal : 2);
    }
    return static_cast<int>(error.code);
}

void write_to_stderr(std::string_view text) {
    if (std::fwrite(text.data(), 1, text.size(), stderr) != text.size() ||
        std::fflush(stderr) != 0) {
        std::clearerr(stderr);
    }
}

int report_error(const Error& error, bool json) {
    const int code = exit_code_for(error);
    if (json) {
        nlohmann::json document{{"error", {{"exit_code", code}, {"message", words(error)}}}};
        print_json(stdout, document);
    }
    // A message may quote a file's text (a sidecar's source, a migration's line): escaped.
    print_to_stderr("belay: {} {}\n", paint("error:", Color::red, colors_enabled(stderr)),
                    printable(words(error), true));
    return code;
}

std::function<bool(const Message&)> terminal_confirmation() {
    if (::isatty(STDIN_FILENO) == 0 || ::isatty(STDERR_FILENO) == 0) {
        return nullptr;
    }
    return [](const Message& question) {
        print_to_stderr("{} [y/N] ", printable(words(question), true));
        std::string answer;
        if (!std::getline(std::cin, answer)) {
            return false;
        }
        return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES";
    };
}

void print_command_help(const std::string& command) {
    const auto* help = find_command_help(command);
    if (help == nullptr) {
        return;
    }
    std::string summary(help->summary);
    if (summary[0] >= 'a' && summary[0] <= 'z') {
        summary[0] = static_cast<char>(summary[0] - 'a' + 'A');
    }
    fmt::print("Usage: belay db {}\n\n{}.\n", help->usage, summary);
    if (!help->details.empty()) {
        fmt::print("\n{}\n", wrapped(help->details, 78));
    }
    po::options_description description(78);
    description.add(command_options_description(command)).add(common_options_description());
    std::ostringstream text;
    text << description;
    fmt::print("{}", text.str());
    fmt::print("\nExamples:\n");
    for (const auto& example : help->examples) {
        fmt::print("  {}\n      {}\n", example.command, example.purpose);
    }
}

}  // namespace belay::cli
