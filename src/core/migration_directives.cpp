#include "core/migration_directives.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "belay/utf8.hpp"
#include "core/ascii.hpp"

namespace belay {
namespace {

constexpr std::string_view k_sql_migrate_directives =
    "Up, Down, Verify, NoTransaction, Timeout <seconds>, StatementBegin, StatementEnd";
constexpr std::string_view k_goose_annotations =
    "Up, Down, StatementBegin, StatementEnd, NO TRANSACTION, ENVSUB ON, ENVSUB OFF";

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && is_blank(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_blank(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> words;
    std::size_t pos = 0;
    while (pos < text.size()) {
        while (pos < text.size() && is_blank(text[pos])) {
            ++pos;
        }
        const std::size_t start = pos;
        while (pos < text.size() && !is_blank(text[pos])) {
            ++pos;
        }
        if (pos > start) {
            words.push_back(text.substr(start, pos - start));
        }
    }
    return words;
}

// The words of `words` before the first one that starts a "--" comment.
std::vector<std::string_view> before_comment(std::span<const std::string_view> words) {
    const auto comment =
        std::ranges::find_if(words, [](std::string_view word) { return word.starts_with("--"); });
    return {words.begin(), comment};
}

struct Keyword {
    std::string_view word;
    DirectiveKind kind;
};

constexpr std::array<Keyword, 7> k_sql_migrate_keywords{{
    {"Up", DirectiveKind::up},
    {"Down", DirectiveKind::down},
    {"Verify", DirectiveKind::verify},
    {"NoTransaction", DirectiveKind::no_transaction},
    {"Timeout", DirectiveKind::timeout},
    {"StatementBegin", DirectiveKind::statement_begin},
    {"StatementEnd", DirectiveKind::statement_end},
}};

constexpr std::array<Keyword, 7> k_goose_keywords{{
    {"Up", DirectiveKind::up},
    {"Down", DirectiveKind::down},
    {"StatementBegin", DirectiveKind::statement_begin},
    {"StatementEnd", DirectiveKind::statement_end},
    {"NO TRANSACTION", DirectiveKind::no_transaction},
    {"ENVSUB ON", DirectiveKind::envsub_on},
    {"ENVSUB OFF", DirectiveKind::envsub_off},
}};

template <std::size_t N>
std::optional<DirectiveKind> kind_of(const std::array<Keyword, N>& keywords,
                                     std::string_view word) {
    const auto found = std::ranges::find_if(
        keywords, [&](const Keyword& keyword) { return iequals_ascii(keyword.word, word); });
    return found == keywords.end() ? std::nullopt : std::optional(found->kind);
}

// "-- +migrate ..." (blanks and case free), or std::monostate for any other line. A word that
// merely starts with "+migrate" ("-- +migrateUp") is an unknown directive, so typos are reported.
DirectiveReading read_sql_migrate(std::string_view line) {
    const std::string_view text = trimmed(line);
    if (!text.starts_with("--") || !starts_with_ascii_nocase(trimmed(text.substr(2)), "+migrate")) {
        return std::monostate{};
    }
    const auto words = split_words(text.substr(2));
    const auto unknown = [&] {
        return fmt::format(
            "unknown directive '{}'; a directive is '-- +migrate' followed by one "
            "of: {}",
            text, k_sql_migrate_directives);
    };
    if (words.front().size() > std::string_view("+migrate").size()) {
        return unknown();
    }
    const auto meant = before_comment(std::span(words).subspan(1));
    const auto kind = meant.empty() ? std::nullopt : kind_of(k_sql_migrate_keywords, meant[0]);
    if (!kind) {
        return unknown();
    }
    return Directive{.kind = *kind,
                     .keyword = meant[0],
                     .options = {meant.begin() + 1, meant.end()},
                     .text = text};
}

// A goose annotation, read as goose reads it: a line whose text starts with "--" and that holds
// "+goose" anywhere is one, and must be valid.
DirectiveReading read_goose(std::string_view line) {
    const std::string_view text = trimmed(line);
    if (!text.starts_with("--") || text.find("+goose") == std::string_view::npos) {
        return std::monostate{};
    }
    if (line.starts_with(' ') || line.starts_with('\t')) {
        return fmt::format(
            "'{}': goose reads an annotation only at the very start of a line; "
            "remove the blanks before '--'",
            text);
    }
    std::string command;
    for (std::size_t pos = 0; pos < text.size(); ++pos) {
        if (text.substr(pos, 2) == "--") {
            ++pos;  // goose removes every "--" of the line
        } else {
            command += text[pos];
        }
    }
    command.erase(command.find("+goose"), std::string_view("+goose").size());
    if (command.find("+goose") != std::string::npos) {
        return fmt::format(
            "'{}' holds '+goose' twice; an annotation is one '-- +goose' followed "
            "by one of: {}",
            text, k_goose_annotations);
    }
    const std::string_view word = trimmed(command);
    const auto kind = kind_of(k_goose_keywords, word);
    if (!kind) {
        return fmt::format(
            "unknown goose annotation '{}'; an annotation is '-- +goose' followed "
            "by one of: {} (goose refuses any other comment holding '+goose')",
            text, k_goose_annotations);
    }
    return Directive{.kind = *kind, .keyword = text, .options = {}, .text = text};
}

// Go's \s, which dbmate's patterns use: blank, \t, \n, \f, \r (not \v).
bool is_go_space(char c) {
    return c == ' ' || c == '\t' || c == '\f' || c == '\r';
}

// dbmate's block directive: "--", blanks, "migrate:up" or "migrate:down", then the end of the
// line or blanks (and options). A line that looks like one but is not is refused: dbmate would
// read it as a comment, and the file would not say what its author meant.
DirectiveReading read_dbmate(std::string_view line) {
    const std::string_view text = trimmed(line);
    if (!text.starts_with("--") || !starts_with_ascii_nocase(trimmed(text.substr(2)), "migrate:")) {
        return std::monostate{};
    }
    std::size_t pos = line.starts_with("--") ? 2 : std::string_view::npos;
    while (pos < line.size() && is_go_space(line[pos])) {
        ++pos;
    }
    const std::string_view rest = pos < line.size() ? line.substr(pos) : std::string_view();
    for (const auto& [word, kind] :
         {std::pair{std::string_view("migrate:up"), DirectiveKind::up},
          std::pair{std::string_view("migrate:down"), DirectiveKind::down}}) {
        if (rest.starts_with(word) &&
            (rest.size() == word.size() || is_go_space(rest[word.size()]))) {
            const auto words = split_words(rest.substr(word.size()));
            return Directive{.kind = kind,
                             .keyword = rest.substr(0, word.size()),
                             .options = before_comment(words),
                             .text = text};
        }
    }
    return fmt::format(
        "'{}' is not a dbmate directive: dbmate reads '-- migrate:up' and '-- "
        "migrate:down' only in lower case at the very start of a line, each "
        "optionally followed by 'transaction:false'; write it so (or make the line "
        "an ordinary comment)",
        text);
}

// belay's own directives in a goose or dbmate file: only Verify and Timeout.
DirectiveReading read_belay_addition(std::string_view line, Layout layout) {
    auto reading = read_sql_migrate(line);
    if (const auto* directive = std::get_if<Directive>(&reading)) {
        const auto kind = directive->kind;
        if (layout == Layout::dbmate && kind != DirectiveKind::verify &&
            kind != DirectiveKind::timeout && kind != DirectiveKind::up &&
            kind != DirectiveKind::down) {
            return fmt::format(
                "'{}' is not read in a dbmate file: dbmate runs a block as it is "
                "written, and runs it without a transaction when its '-- "
                "migrate:up' or '-- migrate:down' line says 'transaction:false'",
                directive->text);
        }
        if (kind != DirectiveKind::verify && kind != DirectiveKind::timeout) {
            return fmt::format(
                "'{}' is not read in a {} file: write {} instead (belay reads only "
                "'-- +migrate Verify' and '-- +migrate Timeout <seconds>' there)",
                directive->text, to_string(layout),
                fmt::format("'{}'", spelled(layout, directive->kind)));
        }
    } else if (std::holds_alternative<std::string>(reading)) {
        return fmt::format(
            "unknown directive '{}'; in a {} file belay reads only '-- +migrate "
            "Verify' and '-- +migrate Timeout <seconds>' besides {}'s own",
            trimmed(line), to_string(layout), to_string(layout));
    }
    return reading;
}

// `line` without its invisible characters (invisible_character_at), and which they were.
std::pair<std::string, std::vector<std::string>> without_invisible(std::string_view line) {
    std::pair<std::string, std::vector<std::string>> result;
    for (std::size_t i = 0; i < line.size();) {
        const auto invisible = invisible_character_at(line.substr(i));
        if (invisible.length == 0) {
            result.first += line[i++];
            continue;
        }
        result.second.push_back(
            fmt::format("U+{:04X}", static_cast<std::uint32_t>(invisible.code_point)));
        i += invisible.length;
    }
    return result;
}

DirectiveReading read_directive_of(std::string_view line, Layout layout);

// A directive hidden by an invisible character (a byte-order mark a file pasted into another
// keeps, a zero-width space) reads as an ordinary comment to the tools, and the section before it
// would run what the author put after it. Refused, naming the directive and the character.
DirectiveReading refuse_hidden_directive(std::string_view line, Layout layout,
                                         DirectiveReading reading) {
    const bool unread = std::holds_alternative<std::monostate>(reading);
    if (!unread && !std::holds_alternative<std::string>(reading)) {
        return reading;
    }
    const auto [visible, hidden] = without_invisible(line);
    if (hidden.empty() ||
        std::holds_alternative<std::monostate>(read_directive_of(visible, layout))) {
        return reading;
    }
    const auto what =
        fmt::format("{} ({}), shown as nothing or a blank by most editors",
                    hidden.size() == 1 ? "an invisible character" : "invisible characters",
                    fmt::join(hidden, ", "));
    if (!unread) {
        return fmt::format("{} (the line holds {}: remove it)", std::get<std::string>(reading),
                           what);
    }
    return fmt::format(
        "'{}' holds {}, so {} would read the line as an ordinary comment and run what follows it "
        "as part of the section before; remove {} (a byte-order mark comes with a file pasted "
        "into another)",
        trimmed(visible), what, to_string(layout), hidden.size() == 1 ? "it" : "them");
}

DirectiveReading read_directive_of(std::string_view line, Layout layout) {
    if (layout == Layout::goose || layout == Layout::dbmate) {
        auto own = layout == Layout::goose ? read_goose(line) : read_dbmate(line);
        return std::holds_alternative<std::monostate>(own) ? read_belay_addition(line, layout)
                                                           : std::move(own);
    }
    return read_sql_migrate(line);
}

}  // namespace

DirectiveReading read_directive(std::string_view line, Layout layout) {
    return refuse_hidden_directive(line, layout, read_directive_of(line, layout));
}

std::string_view directive_prefix(Layout layout) {
    switch (layout) {
        case Layout::goose:
            return "-- +goose";
        case Layout::dbmate:
            return "-- migrate:";
        default:
            return "-- +migrate";
    }
}

std::string spelled(Layout layout, DirectiveKind kind) {
    if (layout == Layout::goose) {
        const auto found = std::ranges::find(k_goose_keywords, kind, &Keyword::kind);
        if (found != k_goose_keywords.end()) {
            return fmt::format("-- +goose {}", found->word);
        }
    } else if (layout == Layout::dbmate &&
               (kind == DirectiveKind::up || kind == DirectiveKind::down)) {
        return kind == DirectiveKind::up ? "-- migrate:up" : "-- migrate:down";
    }
    const auto found = std::ranges::find(k_sql_migrate_keywords, kind, &Keyword::kind);
    return fmt::format("-- +migrate {}",
                       found != k_sql_migrate_keywords.end() ? found->word : "Up");
}

}  // namespace belay
