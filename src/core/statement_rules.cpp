#include "core/statement_rules.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "core/ascii.hpp"

namespace belay {

namespace {

// A pragma argument as SQLite reads it: quotes dropped, lower case.
std::string normalized(std::string_view argument) {
    if (argument.size() >= 2 && (argument.front() == '\'' || argument.front() == '"') &&
        argument.back() == argument.front()) {
        argument = argument.substr(1, argument.size() - 2);
    }
    return to_lower_ascii(argument);
}

bool is_off(std::string_view value) {
    return value == "0" || value == "off" || value == "false" || value == "no";
}

// The journal mode SQLite sets for `value` (normalized): the first of its modes, in its own
// order, that `value` begins ("o" is off, "m" memory); anything else leaves it as it was.
std::string_view journal_mode_named(std::string_view value) {
    constexpr std::array<std::string_view, 6> k_modes = {"delete",   "persist", "off",
                                                         "truncate", "memory",  "wal"};
    for (const auto mode : k_modes) {
        if (!value.empty() && mode.starts_with(value)) {
            return mode;
        }
    }
    return {};
}

// True when SQLite would read `value` (normalized) as synchronous=OFF. SQLite takes a leading
// number as an int (0 when it does not fit), keeps its low byte and sets the level to
// (n + 1) & 7, where 0 counts as 1 (OFF): so 0, 7, 8, 15, 16, ... 256 are all OFF, not only 0.
bool is_synchronous_off(std::string_view value) {
    const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    if (value.starts_with('+')) {  // SQLite's parser drops a plus sign
        value.remove_prefix(1);
    }
    if (value.empty() || !is_digit(value.front())) {
        return is_off(value);
    }
    std::int64_t number = 0;
    for (const char c : value) {
        if (!is_digit(c)) {
            break;
        }
        number = number * 10 + (c - '0');
        if (number > std::numeric_limits<std::int32_t>::max()) {
            number = 0;  // SQLite's int parse fails and leaves 0
            break;
        }
    }
    const auto level = ((number & 0xff) + 1) & 7;
    return level <= 1;
}

std::string table_refusal(std::string_view what, std::string_view table, std::string_view trigger) {
    const auto where =
        trigger.empty() ? std::string() : fmt::format(" (in the body of trigger {})", trigger);
    return fmt::format(
        "{} belay's own table {}{}: belay's history and its checks depend on "
        "that table, so a migration may read it but not change it or attach "
        "anything to it",
        what, table, where);
}

std::string_view verb_of(SqlAction action) {
    switch (action) {
        case SqlAction::create_index:
            return "an index on";
        case SqlAction::create_trigger:
            return "a trigger on";
        case SqlAction::drop_table:
            return "DROP TABLE of";
        case SqlAction::alter_table:
            return "ALTER TABLE of";
        case SqlAction::insert:
            return "INSERT into";
        case SqlAction::update:
            return "UPDATE of";
        case SqlAction::delete_rows:
            return "DELETE from";
        default:
            return "a change to";
    }
}

}  // namespace

bool is_belay_table(const StatementRules& rules, std::string_view table) {
    // The tables belay writes. Other belay_* names (belay_adopted_<table>, which belay never
    // writes again, or a table of the user's) are the migrations' to change and drop.
    constexpr std::array<std::string_view, 4> k_own = {"belay_schema", "belay_dirty",
                                                       "belay_failures", "belay_repeatable"};
    return iequals_ascii(table, rules.history_table) ||
           std::ranges::any_of(k_own,
                               [&](std::string_view own) { return iequals_ascii(table, own); });
}

std::optional<std::string> pragma_refusal(std::string_view name, std::string_view argument) {
    if (argument.empty()) {
        return std::nullopt;
    }
    const auto value = normalized(argument);
    if (const auto mode = journal_mode_named(value);
        iequals_ascii(name, "journal_mode") && (mode == "off" || mode == "memory")) {
        return fmt::format(
            "PRAGMA journal_mode={} switches off the rollback journal on disk: a "
            "failing step could no longer be rolled back, and a crash could leave "
            "the database corrupt",
            mode);
    }
    if (iequals_ascii(name, "writable_schema") && !is_off(value) && value != "reset") {
        return std::string(
            "PRAGMA writable_schema lets statements edit sqlite_schema "
            "directly, past every check SQLite and belay make; one wrong row "
            "leaves a database that no longer opens");
    }
    if (iequals_ascii(name, "schema_version")) {
        return std::string("setting PRAGMA schema_version by hand can corrupt the database");
    }
    if (iequals_ascii(name, "synchronous") && is_synchronous_off(value)) {
        return std::string(
            "PRAGMA synchronous=OFF would let a power loss during the step's "
            "COMMIT corrupt the database");
    }
    if ((iequals_ascii(name, "hard_heap_limit") || iequals_ascii(name, "soft_heap_limit")) &&
        value != "0") {
        return fmt::format(
            "PRAGMA {} limits the memory of the whole belay process, which "
            "then cannot record, check or roll back the step",
            to_lower_ascii(name));
    }
    if (iequals_ascii(name, "ignore_check_constraints") && !is_off(value)) {
        return std::string(
            "PRAGMA ignore_check_constraints would let rows that break CHECK "
            "constraints in unnoticed");
    }
    return std::nullopt;
}

std::optional<std::string> refusal_reason(const StatementRules& rules,
                                          const SqlActionRequest& request) {
    switch (request.action) {
        case SqlAction::pragma:
            return pragma_refusal(request.object, request.detail);
        case SqlAction::attach:
            // VACUUM attaches a temporary database of its own, with no file name.
            if (request.detail.empty() || request.detail == ":memory:") {
                return std::nullopt;
            }
            return fmt::format(
                "ATTACH (or VACUUM INTO) of {}: belay's snapshot, rollback and "
                "checks cover only the database being migrated, not another file",
                request.detail);
        case SqlAction::create_trigger:
        case SqlAction::create_index:
        case SqlAction::drop_table:
        case SqlAction::alter_table:
        case SqlAction::insert:
        case SqlAction::update:
        case SqlAction::delete_rows:
            break;
        case SqlAction::other:
            return std::nullopt;
    }
    // VACUUM rebuilds every table and index, belay's too, in a database of its own.
    const bool this_database =
        request.database.empty() || request.database == "main" || request.database == "temp";
    if (!this_database || !is_belay_table(rules, request.object)) {
        return std::nullopt;
    }
    return table_refusal(verb_of(request.action), request.object, request.trigger);
}

}  // namespace belay
