#include "words.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <variant>

namespace belay::cli {

namespace {

// Indexed by Option, in its order.
constexpr std::array<std::string_view, 30> k_flags{
    "--db",
    "--migrations",
    "--format",
    "--table",
    "--backup-dir",
    "--lock-timeout",
    "--to",
    "--steps",
    "--keep",
    "--keep-days",
    "--step-timeout",
    "--no-backup",
    "--backup-only",
    "--allow-out-of-order",
    "--allow-missing-down",
    "--yes",
    "--out",
    "--backup",
    "--latest",
    "--from",
    "--from-other-database",
    "COMMAND",
    "--env",
    "--dry-run",
    "--restore-on-failure",
    "--timeout",
    "--jobs",
    "--max-failures",
    "--no-rehearsal",
    "--journal",
};
static_assert(static_cast<std::size_t>(Option::journal) + 1 == k_flags.size());

}  // namespace

std::string_view flag_of(Option option) {
    const auto index = static_cast<std::size_t>(option);
    return index < k_flags.size() ? k_flags[index] : "--?";
}

std::string shell_quote(std::string_view text) {
    const bool plain = !text.empty() && std::ranges::all_of(text, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_./=:+@%", c);
    });
    if (plain) {
        return std::string(text);
    }
    std::string quoted = "'";
    for (char c : text) {
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return quoted + "'";
}

namespace {

std::string_view command_of(Command command) {
    switch (command) {
        case Command::status:
            return "db status";
        case Command::migrate:
            return "db migrate";
        case Command::down:
            return "db down";
        case Command::redo:
            return "db redo";
        case Command::reset:
            return "db reset";
        case Command::refresh:
            return "db refresh";
        case Command::create:
            return "db create";
        case Command::backups:
            return "db backups";
        case Command::restore:
            return "db restore";
        case Command::check:
            return "db check";
        case Command::adopt:
            return "db adopt";
        case Command::baseline:
            return "db baseline";
        case Command::force:
            return "db force";
        case Command::repair:
            return "db repair";
        case Command::dump_schema:
            return "db dump-schema";
        case Command::exec:
            return "db exec";
        case Command::lint:
            return "db lint";
        case Command::fleet_migrate:
            return "fleet migrate";
        case Command::fleet_resume:
            return "fleet resume";
    }
    return "db ?";
}

// A value is shell-quoted; a placeholder (VERSION) is written as it is. The backup of a
// restore is its positional argument. A word that starts with '-' would be read as an option
// (`-x-20261206-110558.bak`, or `-v` folded into the verbosity): a positional path gets `./`
// in front, an option's value is joined to its flag (`--db=-x.db`).
std::string argument_words(const Argument& argument) {
    if (argument.option == Option::command) {
        return "-- " + argument.value;  // the command exec runs: its words, after belay's options
    }
    const bool positional = !argument.option || *argument.option == Option::backup;
    const bool dashed = !argument.placeholder && argument.value.starts_with('-');
    const auto value = argument.placeholder   ? argument.value
                       : positional && dashed ? shell_quote("./" + argument.value)
                                              : shell_quote(argument.value);
    if (positional) {
        return value;
    }
    std::string flag(flag_of(*argument.option));
    if (argument.value.empty()) {
        return flag;
    }
    return flag + (dashed ? "=" : " ") + value;
}

}  // namespace

std::string words(const Call& call) {
    std::string command = call.as_command ? "belay " : "";
    command += command_of(call.command);
    for (const auto& argument : call.arguments) {
        command += " " + argument_words(argument);
    }
    return command;
}

std::string words(const ShellCommand& command) {
    std::string text;
    for (const auto& word : command.words) {
        text += (text.empty() ? "" : " ") + shell_quote(word);
    }
    return text;
}

std::string words(const Message& message) {
    std::string text;
    for (const auto& part : message.parts()) {
        if (const auto* plain = std::get_if<std::string>(&part)) {
            text += *plain;
            continue;
        }
        const auto& term = std::get<Message::Term>(part);
        if (const auto* option = std::get_if<Option>(&term)) {
            text += flag_of(*option);
        } else if (const auto* command = std::get_if<ShellCommand>(&term)) {
            text += words(*command);
        } else {
            text += words(std::get<Call>(term));
        }
    }
    return text;
}

std::string words(const Error& error) {
    return words(error.what());
}

}  // namespace belay::cli
