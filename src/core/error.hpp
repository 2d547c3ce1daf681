// Building errors and messages inside belay (the types are public: belay/error.hpp and
// belay/message.hpp).
//
// said() formats like fmt::format, but an Option, a Call, a ShellCommand, a Message or an Error
// among its arguments is kept as what it is, so that the CLI can word its terms with flags and
// commands (and quote a shell command's words):
//
//     return fail(ErrorCode::busy, "another belay run holds {}; raise {}", path.string(),
//                 Option::lock_timeout);
//
// The library's messages name options and calls only this way, never as the CLI spells them
// (scripts/check-code's rule library-names-no-flags).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "belay/error.hpp"
#include "belay/history_edit.hpp"
#include "belay/message.hpp"
#include "belay/options.hpp"
#include "belay/run_report.hpp"

template <>
struct fmt::formatter<belay::Option> : fmt::formatter<std::string_view> {
    auto format(belay::Option option, format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(belay::field_name(option), ctx);
    }
};

template <>
struct fmt::formatter<belay::Call> : fmt::formatter<std::string_view> {
    auto format(const belay::Call& call, format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(belay::library_words(call), ctx);
    }
};

template <>
struct fmt::formatter<belay::ShellCommand> : fmt::formatter<std::string_view> {
    auto format(const belay::ShellCommand& command, format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(belay::library_words(command), ctx);
    }
};

template <>
struct fmt::formatter<belay::Message> : fmt::formatter<std::string_view> {
    auto format(const belay::Message& message, format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(message.text(), ctx);
    }
};

template <>
struct fmt::formatter<belay::Error> : fmt::formatter<std::string_view> {
    auto format(const belay::Error& error, format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(error.message, ctx);
    }
};

namespace belay {

namespace message_detail {

template <typename T>
inline constexpr bool is_term =
    std::is_same_v<T, Option> || std::is_same_v<T, Call> || std::is_same_v<T, ShellCommand> ||
    std::is_same_v<T, Message> || std::is_same_v<T, Error>;

// The literal words of a format string around its replacement fields, and each field's format
// spec: literals.size() == specs.size() + 1.
struct FormatPieces {
    std::vector<std::string> literals;
    std::vector<std::string> specs;
};
FormatPieces split_format(std::string_view format);

void add(Message& message, std::string_view spec, Option option);
void add(Message& message, std::string_view spec, const Call& call);
void add(Message& message, std::string_view spec, const ShellCommand& command);
void add(Message& message, std::string_view spec, const Message& inner);
void add(Message& message, std::string_view spec, const Error& inner);

template <typename T>
void add(Message& message, std::string_view spec, const T& value) {
    message += fmt::format(
        fmt::runtime(spec.empty() ? std::string("{}") : fmt::format("{{:{}}}", spec)), value);
}

}  // namespace message_detail

// A message formatted like fmt::format(format, args...), its terms kept (see above).
template <typename... Args>
Message said(fmt::format_string<Args...> format, Args&&... args) {
    if constexpr ((message_detail::is_term<std::remove_cvref_t<Args>> || ...)) {
        const fmt::string_view text = format;
        const auto pieces =
            message_detail::split_format(std::string_view(text.data(), text.size()));
        Message message;
        std::size_t i = 0;
        ((message += pieces.literals[i], message_detail::add(message, pieces.specs[i], args), ++i),
         ...);
        message += pieces.literals[i];
        return message;
    } else {
        return Message(fmt::format(format, std::forward<Args>(args)...));
    }
}

// Terms, shortly: run(Command::status) is a call to make ("belay db status" on the command
// line), named(Command::adopt) names the call itself ("db adopt"); an argument is an option's
// value, a value alone, or a placeholder the reader fills in (VERSION).
inline Call run(Command command, std::vector<Argument> arguments = {}) {
    return Call{command, std::move(arguments), true};
}
inline Call named(Command command) {
    return Call{command, {}, false};
}
inline Argument argument(Option option, std::string value = {}) {
    return Argument{option, std::move(value), false};
}
inline Argument argument(std::string value) {
    return Argument{std::nullopt, std::move(value), false};
}
inline Argument placeholder(std::string name) {
    return Argument{std::nullopt, std::move(name), true};
}

// The call that runs `operation` or makes `edit`.
Command command_of(Operation operation);
Command command_of(HistoryEdit edit);

// An Error whose message is `message`'s text.
Error error_of(ErrorCode code, Message message);

// Shorthand for building an unexpected Error with a said()-style message.
template <typename... Args>
std::unexpected<Error> fail(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
    return std::unexpected(error_of(code, said(format, std::forward<Args>(args)...)));
}

// Returns `error` about `path`: the file or directory it concerns becomes subject.path, unless
// the error already names one (what is closer to the cause holds). The message is unchanged (it
// names the path already).
Error about(const std::filesystem::path& path, Error error);

// The same for a result passed on: its error, if it holds one, is about `path`.
template <typename T>
Result<T> about(const std::filesystem::path& path, Result<T> result) {
    if (!result) {
        return std::unexpected(about(path, std::move(result.error())));
    }
    return result;
}

// fail() for an error about one file or directory, `path`, which becomes its subject.path:
//
//     return fail(directory, ErrorCode::snapshot_failed, "{} is not a directory", ...);
template <typename... Args>
std::unexpected<Error> fail(const std::filesystem::path& path, ErrorCode code,
                            fmt::format_string<Args...> format, Args&&... args) {
    return std::unexpected(about(path, error_of(code, said(format, std::forward<Args>(args)...))));
}

// The messages one after another, `separator` between them (as fmt::join).
Message joined(const std::vector<Message>& messages, std::string_view separator);

// Returns `error` with every call it advises (and `call`, below) completed with what picks out
// the database, its history and its backups as `options` give them, so that the call can be made
// as it stands: the database for a call on a database that names none
// (run_history_edit(repair) becomes run_history_edit(repair, database = app.db)), and, where
// they are not the defaults and the call uses them, the history table, the migrations directory
// and layout (not for embedded migrations: a program passes its own list) and the backup
// directory. A call that names another database is left as it is. Unchanged when
// `options.database` is empty.
Error with_database(const DatabaseOptions& options, Error error);
Call with_database(const DatabaseOptions& options, Call call);

// Returns a copy of `error` whose message starts with `context` ("<context>: <message>").
Error with_context(Error error, std::string_view context);

// Adds `more` at the end of the error's message.
void append(Error& error, const Message& more);

}  // namespace belay
