#include "completion.hpp"

#include <set>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "command_help.hpp"
#include "options.hpp"

namespace belay::cli {

namespace {

// Every long option (and short alias) of `description`, as typed on the command line.
std::vector<std::string> switches_of(const po::options_description& description) {
    std::vector<std::string> switches;
    for (const auto& option : description.options()) {
        switches.push_back("--" + option->long_name());
        const auto& shown = option->format_name();  // "-v [ --verbose ]" for an alias
        if (shown.starts_with("-") && !shown.starts_with("--")) {
            switches.push_back(shown.substr(0, 2));
        }
    }
    return switches;
}

// Options whose value is a path, and those with a fixed set of values.
constexpr std::string_view k_directory_options = "--migrations|--backup-dir";
constexpr std::string_view k_file_options = "--db|--config|--out|--check|--backup";

std::string command_cases() {
    std::string cases;
    for (const auto& command : command_help()) {
        const auto options = switches_of(command_options_description(std::string(command.name)));
        cases +=
            fmt::format("        {}) options=\"{}\" ;;\n", command.name, fmt::join(options, " "));
    }
    return cases;
}

std::string command_names() {
    std::vector<std::string_view> names;
    for (const auto& command : command_help()) {
        names.push_back(command.name);
    }
    return fmt::format("{}", fmt::join(names, " "));
}

}  // namespace

std::string bash_completion_script() {
    const auto common = switches_of(common_options_description());
    return fmt::format(
        R"(# bash completion for belay, made by `belay completion bash` from belay's own tables of
# commands and options. Install as /usr/share/bash-completion/completions/belay, or source it.
_belay() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD - 1]}}
    COMPREPLY=()
    if ((COMP_CWORD == 1)); then
        mapfile -t COMPREPLY < <(compgen -W "db completion --help --version" -- "$cur")
        return
    fi
    if [[ ${{COMP_WORDS[1]}} == completion ]]; then
        ((COMP_CWORD == 2)) && mapfile -t COMPREPLY < <(compgen -W "bash" -- "$cur")
        return
    fi
    [[ ${{COMP_WORDS[1]}} == db ]] || return
    if ((COMP_CWORD == 2)); then
        mapfile -t COMPREPLY < <(compgen -W "{names}" -- "$cur")
        return
    fi
    case $prev in
        {directories}) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
        {files}) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
        --validate) mapfile -t COMPREPLY < <(compgen -W "normal full strict" -- "$cur"); return ;;
        --format)
            mapfile -t COMPREPLY < <(compgen -W "auto sql-migrate goose dbmate golang-migrate pop diesel sqlx prisma drizzle flyway" -- "$cur")
            return ;;
        --log-level)
            mapfile -t COMPREPLY < <(compgen -W "trace debug info warn error off" -- "$cur")
            return ;;
        --from)
            mapfile -t COMPREPLY < <(compgen -W "goose sql-migrate golang-migrate dbmate pop diesel sqlx prisma drizzle flyway" -- "$cur")
            return ;;
    esac
    local options=""
    case ${{COMP_WORDS[2]}} in
{cases}        *) return ;;
    esac
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$options {common} --help" -- "$cur")
    elif [[ ${{COMP_WORDS[2]}} == restore ]]; then
        mapfile -t COMPREPLY < <(compgen -f -X '!*.bak' -- "$cur")
    fi
}}
complete -o default -o bashdefault -F _belay belay
)",
        fmt::arg("names", command_names()), fmt::arg("directories", k_directory_options),
        fmt::arg("files", k_file_options), fmt::arg("cases", command_cases()),
        fmt::arg("common", fmt::join(common, " ")));
}

}  // namespace belay::cli
