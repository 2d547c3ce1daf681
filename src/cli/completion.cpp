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
constexpr std::string_view k_file_options =
    "--db|--config|--out|--check|--backup|--db-list|--journal";
constexpr std::string_view k_fleet_commands = "migrate resume status backup check";

std::string command_cases() {
    std::string cases;
    for (const auto& command : command_help()) {
        const auto options = switches_of(command_options_description(std::string(command.name)));
        cases +=
            fmt::format("        {}) options=\"{}\" ;;\n", command.name, fmt::join(options, " "));
    }
    return cases;
}

// `belay fleet <command>`'s options, keyed "fleet-<command>" as the completion's case reads them.
std::string fleet_cases() {
    std::string cases;
    for (const auto command : {"migrate", "resume", "status", "backup", "check"}) {
        const auto options =
            switches_of(command_options_description(std::string("fleet-") + command));
        cases +=
            fmt::format("        fleet-{}) options=\"{}\" ;;\n", command, fmt::join(options, " "));
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

// The completion of an option's value: paths, or the values it takes.
std::string value_cases() {
    return fmt::format(
        R"(    case $prev in
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
)",
        fmt::arg("directories", k_directory_options), fmt::arg("files", k_file_options));
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
        mapfile -t COMPREPLY < <(compgen -W "db fleet completion --help --version" -- "$cur")
        return
    fi
    if [[ ${{COMP_WORDS[1]}} == completion ]]; then
        ((COMP_CWORD == 2)) && mapfile -t COMPREPLY < <(compgen -W "bash" -- "$cur")
        return
    fi
    local group=${{COMP_WORDS[1]}}
    [[ $group == db || $group == fleet ]] || return
    if ((COMP_CWORD == 2)); then
        if [[ $group == fleet ]]; then
            mapfile -t COMPREPLY < <(compgen -W "{fleet_commands}" -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -W "{names}" -- "$cur")
        fi
        return
    fi
{value_cases}    local options="" command=${{COMP_WORDS[2]}}
    [[ $group == fleet ]] && command=fleet-$command
    case $command in
{cases}{fleet_cases}        *) return ;;
    esac
    local common="{common}"
    # fleet resume goes on with its journal's options: only the output ones are its to take.
    [[ $command == fleet-resume ]] && common="--config --json --verbose -v --quiet -q --log-level"
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$options $common --help" -- "$cur")
    elif [[ $command == restore ]]; then
        mapfile -t COMPREPLY < <(compgen -f -X '!*.bak' -- "$cur")
    fi
}}
complete -o default -o bashdefault -F _belay belay
)",
        fmt::arg("names", command_names()), fmt::arg("value_cases", value_cases()),
        fmt::arg("cases", command_cases()), fmt::arg("fleet_commands", k_fleet_commands),
        fmt::arg("fleet_cases", fleet_cases()), fmt::arg("common", fmt::join(common, " ")));
}

}  // namespace belay::cli
