#include "core/error.hpp"

#include <algorithm>
#include <variant>

#include <cassert>

namespace belay {

namespace message_detail {

FormatPieces split_format(std::string_view format) {
    FormatPieces pieces;
    std::string literal;
    for (std::size_t i = 0; i < format.size(); ++i) {
        const char c = format[i];
        if ((c == '{' || c == '}') && i + 1 < format.size() && format[i + 1] == c) {
            literal += c;  // {{ or }}
            ++i;
            continue;
        }
        if (c != '{') {
            literal += c;
            continue;
        }
        // A replacement field: automatic indexing only, so the spec is what follows ':'.
        const auto close = format.find('}', i);
        assert(close != std::string_view::npos);  // fmt checked the string at compile time
        const auto field = format.substr(i + 1, close - i - 1);
        const auto colon = field.find(':');
        pieces.literals.push_back(std::move(literal));
        literal.clear();
        pieces.specs.emplace_back(colon == std::string_view::npos ? std::string_view()
                                                                  : field.substr(colon + 1));
        i = close;
    }
    pieces.literals.push_back(std::move(literal));
    return pieces;
}

void add(Message& message, std::string_view /*spec*/, Option option) {
    message += Message::Term(option);
}

void add(Message& message, std::string_view /*spec*/, const Call& call) {
    message += Message::Term(call);
}

void add(Message& message, std::string_view /*spec*/, const ShellCommand& command) {
    message += Message::Term(command);
}

void add(Message& message, std::string_view /*spec*/, const Message& inner) {
    message += inner;
}

void add(Message& message, std::string_view /*spec*/, const Error& inner) {
    message += inner.what();
}

}  // namespace message_detail

Error error_of(ErrorCode code, Message message) {
    Error error{code, message.text(), std::move(message), {}};
    return error;
}

Error about(const std::filesystem::path& path, Error error) {
    if (error.subject.path.empty()) {
        error.subject.path = path;
    }
    return error;
}

Message joined(const std::vector<Message>& messages, std::string_view separator) {
    Message all;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        if (i > 0) {
            all += separator;
        }
        all += messages[i];
    }
    return all;
}

namespace {

bool uses_migrations(Command command) {
    return command != Command::backups && command != Command::restore;
}

bool uses_history_table(Command command) {
    return command != Command::create && command != Command::backups;
}

// A snapshot goes to the backup directory (every run and history edit), `backups` lists it and
// a restore without a backup named looks there.
bool uses_backup_dir(const Call& call) {
    switch (call.command) {
        case Command::create:
        case Command::status:
        case Command::check:
        case Command::dump_schema:
            return false;
        case Command::restore:
            return std::ranges::none_of(call.arguments, [](const Argument& argument) {
                return argument.option == Option::backup || !argument.option;
            });
        default:
            return true;
    }
}

bool names(const Call& call, Option option) {
    return std::ranges::any_of(call.arguments,
                               [&](const Argument& argument) { return argument.option == option; });
}

// The arguments `call` lacks that pick out what `options` names, for a call on that database.
std::vector<Argument> missing_arguments(const DatabaseOptions& options, const Call& call) {
    const DatabaseOptions defaults;
    std::vector<Argument> missing;
    const auto add = [&](Option option, std::string value, bool wanted) {
        if (wanted && !names(call, option)) {
            missing.push_back(argument(option, std::move(value)));
        }
    };
    add(Option::history_table, options.history_table,
        uses_history_table(call.command) && options.history_table != defaults.history_table);
    const bool from_files = !options.embedded_migrations && uses_migrations(call.command);
    add(Option::migrations_dir, options.migrations_dir.string(),
        from_files && options.migrations_dir != defaults.migrations_dir);
    add(Option::layout, options.layout ? std::string(to_string(*options.layout)) : "",
        from_files && options.layout.has_value());
    add(Option::backup_dir, options.backup_dir.string(),
        !options.backup_dir.empty() && uses_backup_dir(call));
    return missing;
}

}  // namespace

Call with_database(const DatabaseOptions& options, Call call) {
    if (options.database.empty() || !call.as_command) {
        return call;
    }
    const auto database = std::ranges::find_if(call.arguments, [](const Argument& argument) {
        return argument.option == Option::database;
    });
    if (database != call.arguments.end() && database->value != options.database.string()) {
        return call;  // about another database
    }
    // After the database (which comes first), before the call's own arguments.
    auto at = call.arguments.begin();
    if (database != call.arguments.end()) {
        at = database + 1;
    } else if (call.command != Command::create) {
        at = call.arguments.insert(at, argument(Option::database, options.database.string())) + 1;
    }
    const auto missing = missing_arguments(options, call);
    call.arguments.insert(at, missing.begin(), missing.end());
    return call;
}

Error with_database(const DatabaseOptions& options, Error error) {
    const auto said = error.what();
    Message completed;
    bool changed = false;
    for (const auto& part : said.parts()) {
        if (const auto* text = std::get_if<std::string>(&part)) {
            completed += *text;
            continue;
        }
        auto term = std::get<Message::Term>(part);
        if (auto* call = std::get_if<Call>(&term)) {
            auto full = with_database(options, *call);
            changed = changed || full != *call;
            *call = std::move(full);
        }
        completed += std::move(term);
    }
    if (changed) {
        error.message = completed.text();
        error.said = std::move(completed);
    }
    return error;
}

Error with_context(Error error, std::string_view context) {
    Message said(fmt::format("{}: ", context));
    said += error.what();
    error.message = fmt::format("{}: {}", context, error.message);
    error.said = std::move(said);
    return error;
}

void append(Error& error, const Message& more) {
    auto said = error.what();
    said += more;
    error.message += more.text();
    error.said = std::move(said);
}

}  // namespace belay
