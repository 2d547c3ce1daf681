#include "core/migration_parser.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <vector>

#include "core/ascii.hpp"
#include "core/checksum.hpp"
#include "core/migration_files.hpp"
#include "core/sql_lint.hpp"

namespace belay {
namespace {

constexpr std::string_view k_valid_directives =
    "Up, Down, Verify, NoTransaction, Timeout <seconds>, StatementBegin, StatementEnd";
constexpr std::string_view k_nul_byte_problem =
    "a NUL byte; SQLite stops reading SQL there, so the rest of the file would never run: save "
    "the file as UTF-8 text (a file saved as UTF-16 has a NUL in every ASCII character)";

// The 1-based line of the first NUL byte of `text`, or 0 when it has none.
int line_of_first_nul(std::string_view text) {
    const auto nul = text.find('\0');
    if (nul == std::string_view::npos) {
        return 0;
    }
    return 1 +
           static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(nul), '\n'));
}

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

bool istarts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && iequals_ascii(text.substr(0, prefix.size()), prefix);
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

// One "-- +migrate ..." line.
struct Directive {
    std::string_view keyword;               // as written; empty for a bare "-- +migrate"
    std::vector<std::string_view> options;  // the words after it, up to a trailing "--" comment
    std::string_view text;                  // the whole line, trimmed, for messages
};

// Returns the directive on `line`, or std::nullopt for any other line. A word that merely starts
// with "+migrate" ("-- +migrateUp") is returned as an (unknown) keyword so that typos are reported.
std::optional<Directive> directive_on(std::string_view line) {
    std::size_t pos = 0;
    while (pos < line.size() && is_blank(line[pos])) {
        ++pos;
    }
    if (line.substr(pos, 2) != "--") {
        return std::nullopt;
    }
    // Most comment lines are no directive: tell that before splitting the line into words.
    std::size_t first_word = pos + 2;
    while (first_word < line.size() && is_blank(line[first_word])) {
        ++first_word;
    }
    if (!istarts_with(line.substr(first_word), "+migrate")) {
        return std::nullopt;
    }
    const auto words = split_words(line.substr(pos + 2));
    Directive directive;
    directive.text = line.substr(pos);
    while (!directive.text.empty() && is_blank(directive.text.back())) {
        directive.text.remove_suffix(1);
    }
    if (words.front().size() > std::string_view("+migrate").size()) {
        directive.keyword = words.front();
        return directive;
    }
    const auto comment =
        std::ranges::find_if(words, [](std::string_view word) { return word.starts_with("--"); });
    if (words.begin() + 1 < comment) {
        directive.keyword = words[1];
        directive.options.assign(words.begin() + 2, comment);
    }
    return directive;
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

enum class SectionKind { up, down, verify };
constexpr std::array<std::string_view, 3> k_section_names = {"Up", "Down", "Verify"};

std::optional<SectionKind> section_kind(std::string_view keyword) {
    for (std::size_t i = 0; i < k_section_names.size(); ++i) {
        if (iequals_ascii(keyword, k_section_names[i])) {
            return static_cast<SectionKind>(i);
        }
    }
    return std::nullopt;
}

// What the text of a file says, apart from version, name and checksum.
struct ParsedText {
    std::array<SqlSection, 3> sections;  // indexed by SectionKind
    SqlSection& section(SectionKind kind) { return sections[static_cast<std::size_t>(kind)]; }
    bool up_no_transaction = false;
    bool down_no_transaction = false;
    std::optional<std::chrono::milliseconds> timeout;
};

// Walks a file line by line, filling the sections and collecting every problem on the way.
class Parser {
  public:
    // `path` names the file in messages; it must outlive the parser.
    explicit Parser(const std::filesystem::path& path) : m_path(path) {}

    void parse(std::string_view text);
    void problem(int line, std::string message) {
        m_problems.emplace_back(line, std::move(message));
    }
    // The problems found, one per line in line order, or std::nullopt when there are none.
    std::optional<Error> error();
    // What parse() found, handed over (the sections' text is not copied); call once.
    ParsedText take_result() { return std::move(m_result); }

  private:
    void handle_directive(int line, const Directive& directive);
    void open_section(int line, SectionKind kind, const Directive& directive);
    // Reports a StatementBegin still open at the section marker on `marker_line`, or at the end
    // of the file when it is 0.
    void close_section(int marker_line);
    void set_timeout(int line, const Directive& directive);
    void statement_begin(int line);
    void statement_end(int line);
    void check_preamble();
    bool no_options(int line, const Directive& directive);

    const std::filesystem::path& m_path;
    ParsedText m_result;
    std::vector<std::pair<int, std::string>> m_problems;  // (line, message); line 0: whole file
    std::string m_preamble;           // text before the first marker, directives blanked
    SqlSection m_discarded;           // where a duplicate section's lines go
    SqlSection* m_current = nullptr;  // where lines go; nullptr before the first marker
    std::array<int, 3> m_marker_lines{};
    int m_open_statement_begin = 0;  // line of an unmatched StatementBegin; 0 when none
    int m_timeout_line = 0;
};

void Parser::parse(std::string_view text) {
    if (text.starts_with("\xEF\xBB\xBF")) {
        text.remove_prefix(3);  // a UTF-8 byte-order mark from a Windows editor
    }
    int line_number = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        const auto end = std::min(text.find('\n', pos), text.size());
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_number;
        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        std::string& sink = m_current != nullptr ? m_current->sql : m_preamble;
        if (const auto directive = directive_on(line)) {
            if (!section_kind(directive->keyword)) {
                // sql-migrate ends a statement at StatementEnd even when the block's last line
                // has no ';' (a trigger's bare END): a ';' in its place does the same here, and
                // an extra one after "END;" is an empty statement SQLite skips. The line stays
                // a line, so later lines keep their file line numbers.
                if (iequals_ascii(directive->keyword, "StatementEnd")) {
                    sink.push_back(';');
                }
                sink.push_back('\n');
            }
            handle_directive(line_number, *directive);
        } else {
            sink.append(line).push_back('\n');
        }
    }
    close_section(0);
}

void Parser::handle_directive(int line, const Directive& directive) {
    if (const auto kind = section_kind(directive.keyword)) {
        open_section(line, *kind, directive);
    } else if (iequals_ascii(directive.keyword, "NoTransaction")) {
        if (no_options(line, directive)) {
            m_result.up_no_transaction = m_result.down_no_transaction = true;
        }
    } else if (iequals_ascii(directive.keyword, "Timeout")) {
        set_timeout(line, directive);
    } else if (iequals_ascii(directive.keyword, "StatementBegin")) {
        if (no_options(line, directive)) {
            statement_begin(line);
        }
    } else if (iequals_ascii(directive.keyword, "StatementEnd")) {
        if (no_options(line, directive)) {
            statement_end(line);
        }
    } else {
        problem(line, fmt::format("unknown directive '{}'; a directive is '-- +migrate' followed "
                                  "by one of: {}",
                                  directive.text, k_valid_directives));
    }
}

bool Parser::no_options(int line, const Directive& directive) {
    if (directive.options.empty()) {
        return true;
    }
    problem(line, fmt::format("'{}': {} takes no options; remove '{}'", directive.text,
                              directive.keyword, fmt::join(directive.options, " ")));
    return false;
}

void Parser::open_section(int line, SectionKind kind, const Directive& directive) {
    const auto index = static_cast<std::size_t>(kind);
    close_section(line);
    if (m_current == nullptr) {
        check_preamble();
    }
    for (const std::string_view option : directive.options) {
        if (kind != SectionKind::verify && iequals_ascii(option, "notransaction")) {
            (kind == SectionKind::up ? m_result.up_no_transaction : m_result.down_no_transaction) =
                true;
        } else {
            problem(line, fmt::format("unknown option '{}' in '{}'; {}", option, directive.text,
                                      kind == SectionKind::verify
                                          ? "Verify takes no options"
                                          : "the only option is 'notransaction'"));
        }
    }
    if (m_marker_lines[index] != 0) {
        problem(line, fmt::format("a second '-- +migrate {0}' section (the first is on line {1}); "
                                  "a file may have only one {0} section: merge them",
                                  k_section_names[index], m_marker_lines[index]));
        m_current = &m_discarded;
        return;
    }
    m_marker_lines[index] = line;
    m_current = &m_result.sections[index];
    *m_current = SqlSection{.present = true, .sql = {}, .first_line = line + 1, .file = {}};
}

void Parser::close_section(int marker_line) {
    if (m_open_statement_begin != 0) {
        const std::string where = marker_line == 0
                                      ? std::string("the end of the file")
                                      : fmt::format("the section marker on line {}", marker_line);
        problem(m_open_statement_begin,
                fmt::format("'-- +migrate StatementBegin' has no matching '-- +migrate "
                            "StatementEnd' before {}; add one",
                            where));
        m_open_statement_begin = 0;
    }
}

void Parser::set_timeout(int line, const Directive& directive) {
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

void Parser::statement_begin(int line) {
    if (m_current == nullptr) {
        problem(line,
                "'-- +migrate StatementBegin' before the first section; it belongs inside the Up "
                "or Down section, around the statement it groups");
    } else if (m_open_statement_begin != 0) {
        problem(line, fmt::format("'-- +migrate StatementBegin' inside the one on line {}; they "
                                  "do not nest: add '-- +migrate StatementEnd' before this line",
                                  m_open_statement_begin));
    } else {
        m_open_statement_begin = line;
    }
}

void Parser::statement_end(int line) {
    if (m_open_statement_begin == 0) {
        problem(line,
                "'-- +migrate StatementEnd' without a '-- +migrate StatementBegin' before it in "
                "the same section; add the StatementBegin or remove this line");
    } else {
        m_open_statement_begin = 0;
    }
}

// Text before the first marker never runs: SQL there is a mistake, not a comment.
void Parser::check_preamble() {
    const std::size_t sql_at = skip_space_and_comments(m_preamble);
    if (sql_at < m_preamble.size()) {
        const auto line = 1 + std::count(m_preamble.begin(), m_preamble.begin() + sql_at, '\n');
        problem(static_cast<int>(line),
                "SQL before the first '-- +migrate' section marker would never run; move it into "
                "a section (usually after '-- +migrate Up') or comment it out");
    }
}

std::optional<Error> Parser::error() {
    if (m_marker_lines[0] == 0) {
        problem(0,
                "no '-- +migrate Up' section; every migration needs one (it may be empty for a "
                "deliberate no-op)");
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

}  // namespace

std::optional<std::pair<Version, std::string>> parse_migration_file_name(
    std::string_view file_name) {
    if (!file_name.ends_with(".sql")) {
        return std::nullopt;
    }
    const std::string_view stem = file_name.substr(0, file_name.size() - 4);
    const auto underscore = stem.find('_');
    if (underscore == std::string_view::npos || underscore + 1 == stem.size()) {
        return std::nullopt;
    }
    auto version = Version::parse(stem.substr(0, underscore));
    if (!version) {
        return std::nullopt;
    }
    return std::pair{std::move(*version), std::string(stem.substr(underscore + 1))};
}

Result<Migration> parse_translated_migration(std::filesystem::path path,
                                             std::string_view translated,
                                             std::string_view original) {
    Parser parser(path);
    auto file_name = parse_migration_file_name(file_name_of(path));
    if (!file_name) {
        parser.problem(0,
                       "the file name does not look like <version>_<name>.sql (e.g. "
                       "0001_create_users.sql); rename it");
    }
    if (const int nul_line = line_of_first_nul(translated); nul_line != 0) {
        parser.problem(nul_line, std::string(k_nul_byte_problem));
    }
    parser.parse(translated);
    if (auto error = parser.error()) {
        return std::unexpected(std::move(*error));
    }
    ParsedText parsed = parser.take_result();
    return Migration{
        .version = std::move(file_name->first),
        .name = std::move(file_name->second),
        .path = std::move(path),
        .up = std::move(parsed.section(SectionKind::up)),
        .down = std::move(parsed.section(SectionKind::down)),
        .verify = std::move(parsed.section(SectionKind::verify)),
        .up_no_transaction = parsed.up_no_transaction,
        .down_no_transaction = parsed.down_no_transaction,
        .timeout = parsed.timeout,
        .checksum = migration_checksum(original),
        .layout = Layout::sql_migrate,
    };
}

Result<Migration> parse_migration(std::filesystem::path path, std::string_view contents) {
    return parse_translated_migration(std::move(path), contents, contents);
}

Result<void> check_no_nul_byte(const std::filesystem::path& path, std::string_view contents) {
    if (const int line = line_of_first_nul(contents); line != 0) {
        auto nul = fail(path, ErrorCode::invalid_input, "{}:{}: {}", path.string(), line,
                        k_nul_byte_problem);
        nul.error().subject.line = line;
        return nul;
    }
    return {};
}

}  // namespace belay
