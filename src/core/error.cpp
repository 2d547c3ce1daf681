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

// A call to make on a database, which names none.
bool lacks_database(const Call& call) {
    return call.as_command && call.command != Command::create &&
           std::ranges::none_of(call.arguments, [](const Argument& argument) {
               return argument.option == Option::database;
           });
}

}  // namespace

Error with_database(const std::filesystem::path& database, Error error) {
    if (database.empty()) {
        return error;
    }
    const auto said = error.what();
    Message completed;
    bool changed = false;
    for (const auto& part : said.parts()) {
        if (const auto* text = std::get_if<std::string>(&part)) {
            completed += *text;
            continue;
        }
        auto term = std::get<Message::Term>(part);
        if (auto* call = std::get_if<Call>(&term); call && lacks_database(*call)) {
            call->arguments.insert(call->arguments.begin(),
                                   argument(Option::database, database.string()));
            changed = true;
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
