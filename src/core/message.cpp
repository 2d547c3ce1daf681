#include "belay/message.hpp"

#include <array>
#include <utility>

#include "belay/error.hpp"
#include "belay/history_edit.hpp"
#include "belay/run_report.hpp"
#include "core/error.hpp"

namespace belay {

namespace {

// Indexed by Option, in its order.
constexpr std::array<std::string_view, 30> k_field_names{
    "database",
    "migrations_dir",
    "layout",
    "history_table",
    "backup_dir",
    "lock_timeout",
    "target",
    "steps",
    "keep",
    "keep_days",
    "step_timeout",
    "backup = false",
    "backup_only",
    "allow_out_of_order",
    "allow_missing_down",
    "assume_yes",
    "out",
    "backup",
    "latest",
    "from_tool",
    "from_other_database",
    "command",
    "environment",
    "dry_run",
    "restore_on_failure",
    "timeout",
    "jobs",
    "max_failures",
    "rehearse = false",
    "journal",
};
static_assert(static_cast<std::size_t>(Option::journal) + 1 == k_field_names.size());

}  // namespace

std::string_view field_name(Option option) {
    const auto index = static_cast<std::size_t>(option);
    return index < k_field_names.size() ? k_field_names[index] : "?";
}

std::string_view call_name(Command command) {
    switch (command) {
        case Command::status:
            return "build_status";
        case Command::migrate:
            return "run_migrate";
        case Command::down:
            return "run_migrate(down)";
        case Command::redo:
            return "run_migrate(redo)";
        case Command::reset:
            return "run_migrate(reset)";
        case Command::refresh:
            return "run_migrate(refresh)";
        case Command::create:
            return "create_migration";
        case Command::backups:
            return "list_backups";
        case Command::restore:
            return "run_restore";
        case Command::check:
            return "run_check";
        case Command::adopt:
            return "run_history_edit(adopt)";
        case Command::baseline:
            return "run_history_edit(baseline)";
        case Command::force:
            return "run_history_edit(force)";
        case Command::repair:
            return "run_history_edit(repair)";
        case Command::dump_schema:
            return "run_dump_schema";
        case Command::exec:
            return "run_exec";
        case Command::lint:
            return "run_lint";
        case Command::fleet_migrate:
            return "run_fleet(migrate)";
        case Command::fleet_resume:
            return "resume_fleet";
    }
    return "?";
}

Command command_of(Operation operation) {
    switch (operation) {
        case Operation::migrate:
            return Command::migrate;
        case Operation::down:
            return Command::down;
        case Operation::redo:
            return Command::redo;
        case Operation::reset:
            return Command::reset;
        case Operation::refresh:
            return Command::refresh;
    }
    return Command::migrate;
}

Command command_of(HistoryEdit edit) {
    switch (edit) {
        case HistoryEdit::adopt:
            return Command::adopt;
        case HistoryEdit::baseline:
            return Command::baseline;
        case HistoryEdit::repair:
            return Command::repair;
        case HistoryEdit::force:
            return Command::force;
    }
    return Command::repair;
}

namespace {

std::string argument_words(const Argument& argument) {
    if (!argument.option) {
        return argument.value;
    }
    std::string words(field_name(*argument.option));
    if (!argument.value.empty()) {
        words += " = " + argument.value;
    }
    return words;
}

std::string call_words(const Call& call) {
    std::string words(call_name(call.command));
    if (call.arguments.empty()) {
        return words;
    }
    // run_history_edit(adopt) takes its arguments inside the same parentheses.
    const bool open = words.ends_with(')');
    if (open) {
        words.pop_back();
    }
    words += open ? ", " : "(";
    for (std::size_t i = 0; i < call.arguments.size(); ++i) {
        words += (i == 0 ? "" : ", ") + argument_words(call.arguments[i]);
    }
    return words + ")";
}

}  // namespace

std::string library_words(const Message::Term& term) {
    if (const auto* option = std::get_if<Option>(&term)) {
        return std::string(field_name(*option));
    }
    if (const auto* command = std::get_if<ShellCommand>(&term)) {
        std::string words;
        for (const auto& word : command->words) {
            words += (words.empty() ? "" : " ") + word;
        }
        return words;
    }
    return call_words(std::get<Call>(term));
}

Message::Message(std::string text) {
    if (!text.empty()) {
        m_parts.emplace_back(std::move(text));
    }
}

Message::Message(const char* text) : Message(std::string(text)) {}

bool Message::empty() const {
    return m_parts.empty();
}

std::string Message::text() const {
    std::string words;
    for (const auto& part : m_parts) {
        if (const auto* text = std::get_if<std::string>(&part)) {
            words += *text;
        } else {
            words += library_words(std::get<Term>(part));
        }
    }
    return words;
}

namespace {

// The first term of kind T among `parts` that `wanted` accepts. (A call's own options are part
// of its advice, not what the message is about: they are not options of the message.)
template <typename T, typename Wanted>
std::optional<T> first_term(const std::vector<Message::Part>& parts, Wanted wanted) {
    for (const auto& part : parts) {
        if (const auto* term = std::get_if<Message::Term>(&part)) {
            if (const auto* found = std::get_if<T>(term); found && wanted(*found)) {
                return *found;
            }
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<Option> Message::option() const {
    return first_term<Option>(m_parts, [](Option) { return true; });
}

std::optional<Call> Message::call() const {
    // An operation the message only names ("adopt refuses ...") is not advice.
    return first_term<Call>(m_parts, [](const Call& call) { return call.as_command; });
}

Message& Message::operator+=(std::string_view words) {
    if (words.empty()) {
        return *this;
    }
    if (!m_parts.empty()) {
        if (auto* text = std::get_if<std::string>(&m_parts.back())) {
            *text += words;
            return *this;
        }
    }
    m_parts.emplace_back(std::string(words));
    return *this;
}

Message& Message::operator+=(const Message& other) {
    for (const auto& part : other.m_parts) {
        if (const auto* text = std::get_if<std::string>(&part)) {
            *this += std::string_view(*text);
        } else {
            m_parts.emplace_back(part);
        }
    }
    return *this;
}

Message& Message::operator+=(Term term) {
    m_parts.emplace_back(std::move(term));
    return *this;
}

Message Error::what() const {
    if (!said.empty() && said.text() == message) {
        return said;
    }
    return Message(message);
}

std::optional<Option> Error::option() const {
    return what().option();
}

std::optional<Call> Error::advised_call() const {
    return what().call();
}

}  // namespace belay
