#include "core/migration_text_parser.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/ascii.hpp"
#include "core/byte_order_mark.hpp"
#include "core/migration_parser.hpp"
#include "core/sql_lint.hpp"

namespace belay {
namespace {

constexpr std::array<std::string_view, 3> k_section_names = {"Up", "Down", "Verify"};

DirectiveKind directive_of(SectionKind kind) {
    return kind == SectionKind::up     ? DirectiveKind::up
           : kind == SectionKind::down ? DirectiveKind::down
                                       : DirectiveKind::verify;
}

std::optional<SectionKind> section_of(DirectiveKind kind) {
    switch (kind) {
        case DirectiveKind::up:
            return SectionKind::up;
        case DirectiveKind::down:
            return SectionKind::down;
        case DirectiveKind::verify:
            return SectionKind::verify;
        default:
            return std::nullopt;
    }
}

// Returns the timeout for "<seconds>" (digits with an optional fraction, positive, at least one
// millisecond), or std::nullopt when `text` is not such a number.
std::optional<std::chrono::milliseconds> parse_timeout(std::string_view text) {
    const bool digits_and_dot = !text.empty() && std::ranges::all_of(text, [](char c) {
        return (c >= '0' && c <= '9') || c == '.';
    });
    if (!digits_and_dot || std::ranges::count(text, '.') > 1 || text == ".") {
        return std::nullopt;
    }
    double seconds = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (error != std::errc() || end != text.data() + text.size() ||
        seconds > k_max_timeout_seconds) {
        return std::nullopt;
    }
    const long long milliseconds = std::llround(seconds * 1000.0);
    if (milliseconds < 1) {
        return std::nullopt;
    }
    return std::chrono::milliseconds(milliseconds);
}

int lines_in(std::string_view text) {
    return static_cast<int>(std::ranges::count(text, '\n'));
}

}  // namespace

std::string MigrationTextParser::said(DirectiveKind kind) const {
    return fmt::format("'{}'", spelled(m_layout, kind));
}

void MigrationTextParser::parse(std::string_view text) {
    text = without_byte_order_mark(text);
    int line_number = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        const auto end = std::min(text.find('\n', pos), text.size());
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_number;
        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        const auto reading = read_directive(line, m_layout);
        std::string& sink = m_current != nullptr ? m_current->sql : m_preamble;
        if (const auto* directive = std::get_if<Directive>(&reading)) {
            if (!section_of(directive->kind)) {
                // sql-migrate ends a statement at StatementEnd even when the block's last line
                // has no ';' (a trigger's bare END): a ';' in its place does the same here, and
                // an extra one after "END;" is an empty statement SQLite skips. The line stays
                // a line, so later lines keep their file line numbers.
                if (directive->kind == DirectiveKind::statement_end) {
                    sink.push_back(';');
                }
                sink.push_back('\n');
            }
            handle_directive(line_number, *directive);
        } else {
            if (const auto* message = std::get_if<std::string>(&reading)) {
                problem(line_number, *message);
            }
            text_line(line_number, line);
        }
    }
    close_section(0);
}

void MigrationTextParser::text_line(int line_number, std::string_view line) {
    if (m_current == nullptr) {
        m_preamble.append(line).push_back('\n');
        return;
    }
    if (m_layout != Layout::goose || !m_goose.takes(line)) {
        m_current->sql.append(line).push_back('\n');
        return;
    }
    const std::string added = substituted(line_number, line);
    m_goose.add(added, line_number);
    m_current->sql.append(added).push_back('\n');
}

// `line` as goose adds it to a statement: its variables substituted while ENVSUB is on.
std::string MigrationTextParser::substituted(int line_number, std::string_view line) {
    if (m_envsub_line == 0) {
        return std::string(line);
    }
    auto result = substitute_variables(line, m_environment);
    if (result && result->find('\n') == std::string::npos) {
        return std::move(*result);
    }
    const std::string_view part =
        result ? line
               : line.substr(result.error().begin, result.error().end - result.error().begin);
    const std::string why =
        result ? "a variable's value holds a line break, which would make this one line "
                 "several; belay refuses that so that its messages keep naming the file's own "
                 "lines"
               : result.error().reason;
    problem(line_number, fmt::format("'{}' {} (goose substitutes variables here because of '-- "
                                     "+goose ENVSUB ON' on line {})",
                                     part, why, m_envsub_line));
    return std::string(line);
}

void MigrationTextParser::handle_directive(int line, const Directive& directive) {
    if (const auto kind = section_of(directive.kind)) {
        open_section(line, *kind, directive);
        return;
    }
    switch (directive.kind) {
        case DirectiveKind::no_transaction:
            if (no_options(line, directive)) {
                m_result.up_no_transaction = m_result.down_no_transaction = true;
            }
            break;
        case DirectiveKind::timeout:
            set_timeout(line, directive);
            break;
        case DirectiveKind::statement_begin:
            if (no_options(line, directive)) {
                statement_begin(line);
            }
            break;
        case DirectiveKind::statement_end:
            if (no_options(line, directive)) {
                statement_end(line);
            }
            break;
        case DirectiveKind::envsub_on:
        case DirectiveKind::envsub_off:
            m_envsub_line = directive.kind == DirectiveKind::envsub_on ? line : 0;
            break;
        default:
            break;
    }
}

bool MigrationTextParser::no_options(int line, const Directive& directive) {
    if (directive.options.empty()) {
        return true;
    }
    problem(line, fmt::format("'{}': {} takes no options; remove '{}'", directive.text,
                              directive.keyword, fmt::join(directive.options, " ")));
    return false;
}

void MigrationTextParser::open_section(int line, SectionKind kind, const Directive& directive) {
    close_section(line);
    if (m_current == nullptr) {
        check_preamble();
    }
    read_section_options(line, kind, directive);
    if (!layout_allows(line, kind)) {
        m_current = &m_discarded;
        m_current_kind.reset();
        return;
    }
    Blocks& state = blocks(kind);
    SqlSection& section = m_result.section(kind);
    if (state.first_marker != 0) {
        join_block(line, kind);
    } else {
        state.first_marker = line;
        section = SqlSection{.present = true, .sql = {}, .first_line = line + 1, .file = {}};
    }
    state.marker = line;
    state.start = section.sql.size();
    m_current = &section;
    m_current_kind = kind;
}

void MigrationTextParser::read_section_options(int line, SectionKind kind,
                                               const Directive& directive) {
    bool no_transaction = false;
    for (const std::string_view option : directive.options) {
        if (m_layout == Layout::dbmate && kind != SectionKind::verify &&
            (option == "transaction:false" || option == "transaction:true")) {
            no_transaction = option == "transaction:false";  // the last one wins, as in dbmate
        } else if (m_layout != Layout::dbmate && kind != SectionKind::verify &&
                   iequals_ascii(option, "notransaction")) {
            no_transaction = true;
        } else {
            const auto valid = kind == SectionKind::verify ? "Verify takes no options"
                               : m_layout == Layout::dbmate
                                   ? "dbmate's only option is 'transaction:false' "
                                     "('transaction:true', the default, is accepted too)"
                                   : "the only option is 'notransaction'";
            problem(line,
                    fmt::format("unknown option '{}' in '{}'; {}", option, directive.text, valid));
        }
    }
    if (no_transaction) {
        (kind == SectionKind::up ? m_result.up_no_transaction : m_result.down_no_transaction) =
            true;
    }
}

// The layout's rules on which sections may come again and in which order. False: the section
// is refused (its lines are discarded).
bool MigrationTextParser::layout_allows(int line, SectionKind kind) {
    const Blocks& state = blocks(kind);
    const auto again = [&](std::string_view rule) {
        problem(line, fmt::format("a second {} section (the first is on line {}); {}",
                                  said(directive_of(kind)), state.first_marker, rule));
        return false;
    };
    if (kind == SectionKind::verify || m_layout == Layout::goose) {
        if (state.first_marker != 0) {
            return again(
                fmt::format("{} only one {} section: merge them",
                            kind == SectionKind::verify ? "a file may have" : "goose allows a file",
                            k_section_names[static_cast<std::size_t>(kind)]));
        }
        if (kind == SectionKind::down && m_layout == Layout::goose &&
            blocks(SectionKind::up).first_marker == 0) {
            problem(line, fmt::format("{} comes before {}; goose needs the Up section first: move "
                                      "the Down section after it",
                                      said(DirectiveKind::down), said(DirectiveKind::up)));
            return false;
        }
        return true;
    }
    if (m_layout != Layout::dbmate) {
        return true;
    }
    if (kind == SectionKind::up) {
        if (m_dbmate_open_up != 0) {
            problem(m_dbmate_open_up,
                    fmt::format("this '-- migrate:up' has no '-- migrate:down' before the next "
                                "'-- migrate:up' (line {}); dbmate requires a down block after "
                                "each up block (it may be empty): add one",
                                line));
        }
        m_dbmate_open_up = line;
        return true;
    }
    if (m_dbmate_open_up == 0) {
        const int up = blocks(SectionKind::up).marker;
        problem(line, up == 0 ? std::string("'-- migrate:down' comes before '-- migrate:up'; "
                                            "dbmate requires the up block first: move it")
                              : fmt::format("a second '-- migrate:down' for the '-- migrate:up' "
                                            "on line {}; dbmate allows one down block after each "
                                            "up block: merge them",
                                            up));
        return false;
    }
    m_dbmate_open_up = 0;
    return true;
}

// A further block of a section that has one already: it continues the section's text, the
// lines between them kept as empty lines so that line numbers stay the file's. What the earlier
// block left open would swallow this block, so it is refused; a statement without its ';' is
// refused in sql-migrate files (sql-migrate refuses it too) and ended in dbmate files (dbmate
// runs each block on its own, where the last statement needs none).
void MigrationTextParser::join_block(int line, SectionKind kind) {
    Blocks& state = blocks(kind);
    SqlSection& section = m_result.section(kind);
    const std::string_view block = std::string_view(section.sql).substr(state.start);
    const SqlEnding ending = sql_ending(block);
    const int at = state.marker + 1 + lines_in(block.substr(0, ending.at));
    const std::string_view name = k_section_names[static_cast<std::size_t>(kind)];
    const auto cut = [&](std::string_view what, std::string_view fix) {
        const std::string where =
            state.closed_by == line
                ? fmt::format("where the next {} marker (line {}) continues the {} section", name,
                              line, name)
                : fmt::format(
                      "where this {} block ends (the marker on line {}), and the {} block "
                      "on line {} continues the {} section",
                      name, state.closed_by, name, line, name);
        problem(at, fmt::format("{} here is still open {}: {}", what, where, fix));
    };
    bool end_statement = false;
    if (ending.open == SqlOpen::comment) {
        cut("the /* comment that starts", "close it with */");
    } else if (ending.open == SqlOpen::quote) {
        cut("the quoted string or name that starts", "close it");
    } else if (ending.open == SqlOpen::statement && m_layout != Layout::dbmate) {
        cut("the statement that starts", "end it with ';' (sql-migrate requires that too)");
    } else {
        end_statement = ending.open == SqlOpen::statement;
    }
    const int next_line = section.first_line + lines_in(section.sql);
    if (end_statement) {
        section.sql.push_back(';');  // on an empty line of the gap, so no line moves
    }
    section.sql.append(static_cast<std::size_t>(std::max(line + 1 - next_line, 0)), '\n');
}

void MigrationTextParser::close_section(int marker_line) {
    const std::string where = marker_line == 0
                                  ? std::string("the end of the file")
                                  : fmt::format("the section marker on line {}", marker_line);
    if (m_open_statement_begin != 0) {
        problem(m_open_statement_begin, fmt::format("{} has no matching {} before {}; add one",
                                                    said(DirectiveKind::statement_begin),
                                                    said(DirectiveKind::statement_end), where));
        m_open_statement_begin = 0;
    }
    const int unfinished = m_goose.unfinished_at_section_end();
    if (m_layout == Layout::goose && unfinished != 0 && m_current_kind &&
        m_current_kind != SectionKind::verify) {
        problem(unfinished,
                fmt::format("the statement that starts here has no ';' at its end before {}; "
                            "goose refuses it (\"missing semicolon?\"): end it with ';'",
                            where));
    }
    if (m_current_kind) {
        blocks(*m_current_kind).closed_by = marker_line;
    }
    if (marker_line == 0 && m_layout == Layout::dbmate && m_dbmate_open_up != 0) {
        problem(m_dbmate_open_up,
                "this '-- migrate:up' has no '-- migrate:down' after it; dbmate requires a down "
                "block after each up block (it may be empty): add '-- migrate:down'");
    }
}

void MigrationTextParser::set_timeout(int line, const Directive& directive) {
    const auto timeout =
        directive.options.size() == 1 ? parse_timeout(directive.options[0]) : std::nullopt;
    if (!timeout) {
        problem(line, fmt::format("'{}' needs one positive number of seconds (at most {:.0f}), "
                                  "e.g. '-- +migrate Timeout 30' or '-- +migrate Timeout 2.5'",
                                  directive.text, k_max_timeout_seconds));
    } else if (m_timeout_line != 0) {
        problem(line, fmt::format("a second Timeout (the first is on line {}); keep only one",
                                  m_timeout_line));
    } else {
        m_timeout_line = line;
        m_result.timeout = timeout;
    }
}

void MigrationTextParser::statement_begin(int line) {
    if (m_current == nullptr) {
        problem(line, fmt::format("{} before the first section; it belongs inside the Up or Down "
                                  "section, around the statement it groups",
                                  said(DirectiveKind::statement_begin)));
    } else if (m_open_statement_begin != 0) {
        problem(line, fmt::format("{} inside the one on line {}; they do not nest: add {} before "
                                  "this line",
                                  said(DirectiveKind::statement_begin), m_open_statement_begin,
                                  said(DirectiveKind::statement_end)));
    } else {
        m_open_statement_begin = line;
        m_goose.statement_begin();
    }
}

void MigrationTextParser::statement_end(int line) {
    if (m_open_statement_begin == 0) {
        problem(line, fmt::format("{} without a {} before it in the same section; add the "
                                  "StatementBegin or remove this line",
                                  said(DirectiveKind::statement_end),
                                  said(DirectiveKind::statement_begin)));
    } else {
        m_open_statement_begin = 0;
        m_goose.statement_end();
    }
}

// Text before the first marker never runs: SQL there is a mistake, not a comment.
void MigrationTextParser::check_preamble() {
    const std::size_t sql_at = skip_space_and_comments(m_preamble);
    if (sql_at < m_preamble.size()) {
        const auto line = 1 + std::count(m_preamble.begin(), m_preamble.begin() + sql_at, '\n');
        problem(static_cast<int>(line),
                fmt::format("SQL before the first '{}' section marker would never run; move it "
                            "into a section (usually after {}) or comment it out",
                            directive_prefix(m_layout), said(DirectiveKind::up)));
    }
}

std::optional<Error> MigrationTextParser::error() {
    if (blocks(SectionKind::up).first_marker == 0) {
        problem(0, fmt::format("no {} section; every migration needs one (it may be empty for a "
                               "deliberate no-op)",
                               said(DirectiveKind::up)));
    }
    if (m_problems.empty()) {
        return std::nullopt;
    }
    std::ranges::stable_sort(m_problems, {}, &std::pair<int, std::string>::first);
    const std::string file = m_path.string();
    std::vector<std::string> lines;
    for (const auto& [line, message] : m_problems) {
        lines.push_back(line == 0 ? fmt::format("{}: {}", file, message)
                                  : fmt::format("{}:{}: {}", file, line, message));
    }
    Error error{ErrorCode::invalid_input, fmt::format("{}", fmt::join(lines, "\n"))};
    error.subject.path = m_path;
    error.subject.line = m_problems.front().first;
    return error;
}

}  // namespace belay
