#include "core/sql_lint.hpp"

#include <algorithm>
#include <array>

#include "core/ascii.hpp"
#include "core/byte_order_mark.hpp"
#include "core/problems.hpp"
#include "core/statement_rules.hpp"

namespace belay {
namespace {

// SQLite's notion of whitespace (sqlite3Isspace): space and \t \n \v \f \r.
bool is_space(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}

bool is_word_start(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || u >= 0x80;
}

bool is_word_char(char c) {
    return is_word_start(c) || (c >= '0' && c <= '9') || c == '$';
}

enum class TokenKind { word, other, end };

struct Token {
    TokenKind kind = TokenKind::end;
    std::string text;  // words uppercased and unquoted; other tokens as written

    bool is_other(std::string_view symbol) const {
        return kind == TokenKind::other && text == symbol;
    }
};

// Just enough of SQLite's tokenizer to read a statement's leading words.
class Tokenizer {
  public:
    explicit Tokenizer(std::string_view sql) : m_sql(sql) {}

    Token next() {
        m_pos = skip_space_and_comments(m_sql, m_pos);
        if (m_pos >= m_sql.size()) {
            return {};
        }
        const char c = m_sql[m_pos];
        if (is_word_start(c)) {
            const std::size_t start = m_pos;
            while (m_pos < m_sql.size() && is_word_char(m_sql[m_pos])) {
                ++m_pos;
            }
            return {TokenKind::word, to_upper_ascii(m_sql.substr(start, m_pos - start))};
        }
        if (c == '"' || c == '`' || c == '[') {
            return quoted(c == '[' ? ']' : c, TokenKind::word);
        }
        if (c == '\'') {
            return quoted('\'', TokenKind::other);
        }
        if (c >= '0' && c <= '9') {  // a number, whole: "16", "8.5", "0x8", "1e3"
            const std::size_t start = m_pos;
            while (m_pos < m_sql.size() && (is_word_char(m_sql[m_pos]) || m_sql[m_pos] == '.')) {
                ++m_pos;
            }
            return {TokenKind::other, std::string(m_sql.substr(start, m_pos - start))};
        }
        ++m_pos;
        return {TokenKind::other, std::string(1, c)};
    }

    // Reads a word and any ".word" parts after it as one word ("MAIN.JOURNAL_MODE").
    Token next_name() {
        Token name = next();
        while (name.kind == TokenKind::word) {
            const std::size_t before_dot = m_pos;
            if (next().is_other(".")) {
                if (Token part = next(); part.kind == TokenKind::word) {
                    name.text += "." + part.text;
                    continue;
                }
            }
            m_pos = before_dot;
            break;
        }
        return name;
    }

  private:
    // Reads a quoted token starting at m_pos; a doubled `close` stands for itself.
    Token quoted(char close, TokenKind kind) {
        std::string content;
        for (++m_pos; m_pos < m_sql.size(); ++m_pos) {
            if (m_sql[m_pos] != close) {
                content.push_back(m_sql[m_pos]);
            } else if (close != ']' && m_pos + 1 < m_sql.size() && m_sql[m_pos + 1] == close) {
                content.push_back(close);
                ++m_pos;
            } else {
                ++m_pos;
                break;
            }
        }
        return {kind, kind == TokenKind::word ? to_upper_ascii(content) : content};
    }

    std::string_view m_sql;
    std::size_t m_pos = 0;
};

bool contains(std::span<const std::string_view> haystack, std::string_view needle) {
    return std::ranges::find(haystack, needle) != haystack.end();
}

constexpr std::array<std::string_view, 6> k_transaction_control = {
    "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"};

// Every first word transaction_blocker looks at.
constexpr std::array<std::string_view, 10> k_blocker_keywords = {
    "VACUUM", "ATTACH", "DETACH",   "PRAGMA",    "BEGIN",
    "COMMIT", "END",    "ROLLBACK", "SAVEPOINT", "RELEASE"};

// False when the Tokenizer's first word of `statement` cannot be one of `keywords` (upper
// case): the statement starts with a bare word that is none of them, or with no word at all.
// A quoted first name may unquote to one of them, so it gives true, as a match does. Lets the
// checks pass over an ordinary statement (CREATE, INSERT, ...) without tokenizing it.
bool may_start_with(std::string_view statement, std::span<const std::string_view> keywords) {
    const std::size_t start = skip_space_and_comments(statement);
    if (start >= statement.size()) {
        return false;
    }
    const char c = statement[start];
    if (c == '"' || c == '`' || c == '[') {
        return true;
    }
    if (!is_word_start(c)) {
        return false;
    }
    std::size_t end = start;
    while (end < statement.size() && is_word_char(statement[end])) {
        ++end;
    }
    const std::string_view word = statement.substr(start, end - start);
    return std::ranges::any_of(
        keywords, [&](std::string_view keyword) { return iequals_ascii(word, keyword); });
}

// Returns how to name `statement` in an error when it cannot run inside a transaction.
std::optional<std::string> transaction_blocker(std::string_view statement) {
    if (!may_start_with(statement, k_blocker_keywords)) {
        return std::nullopt;
    }
    const auto words = leading_keywords(statement, 3);
    if (words.empty()) {
        return std::nullopt;
    }
    const std::string& first = words.front();
    if (first == "VACUUM") {
        const bool into = std::ranges::find(words, "INTO") != words.end();
        return into ? "VACUUM INTO" : "VACUUM";
    }
    if (first == "ATTACH" || first == "DETACH" || contains(k_transaction_control, first)) {
        return first;
    }
    const auto pragma = parse_pragma(statement);
    if (pragma && pragma->name == "JOURNAL_MODE" && pragma->has_argument) {
        return "PRAGMA journal_mode";
    }
    // Every form of it, with or without a mode, fails inside a transaction ("database table is
    // locked"), which read as another process holding the database.
    if (pragma && pragma->name == "WAL_CHECKPOINT") {
        return "PRAGMA wal_checkpoint";
    }
    return std::nullopt;
}

// The section of `m` named `section` ("Up", "Down" or "Verify").
const SqlSection& section_named(const Migration& m, std::string_view section) {
    return section == "Down" ? m.down : section == "Verify" ? m.verify : m.up;
}

}  // namespace

std::size_t skip_space_and_comments(std::string_view sql, std::size_t pos) {
    while (pos < sql.size()) {
        if (is_space(sql[pos])) {
            ++pos;
        } else if (sql.substr(pos).starts_with(k_byte_order_mark)) {
            pos += k_byte_order_mark.size();  // a UTF-8 byte-order mark: white space to SQLite's
                                              // tokenizer, anywhere
        } else if (sql.substr(pos, 2) == "--") {
            const auto end_of_line = sql.find('\n', pos);
            pos = end_of_line == std::string_view::npos ? sql.size() : end_of_line + 1;
        } else if (sql.substr(pos, 2) == "/*") {
            const auto end_of_comment = sql.find("*/", pos + 2);
            pos = end_of_comment == std::string_view::npos ? sql.size() : end_of_comment + 2;
        } else {
            break;
        }
    }
    return std::min(pos, sql.size());
}

std::vector<std::string> leading_keywords(std::string_view statement, std::size_t count) {
    std::vector<std::string> words;
    Tokenizer tokens(statement);
    while (words.size() < count) {
        Token token = tokens.next_name();
        if (token.kind != TokenKind::word) {
            break;
        }
        words.push_back(std::move(token.text));
    }
    return words;
}

std::optional<PragmaUse> parse_pragma(std::string_view statement) {
    constexpr std::array<std::string_view, 1> k_pragma = {"PRAGMA"};
    if (!may_start_with(statement, k_pragma)) {
        return std::nullopt;
    }
    Tokenizer tokens(statement);
    if (const Token keyword = tokens.next();
        keyword.kind != TokenKind::word || keyword.text != "PRAGMA") {
        return std::nullopt;
    }
    const Token name = tokens.next_name();
    if (name.kind != TokenKind::word) {
        return std::nullopt;
    }
    const auto last_dot = name.text.rfind('.');
    PragmaUse use;
    use.name = last_dot == std::string::npos ? name.text : name.text.substr(last_dot + 1);
    const Token after = tokens.next();
    use.has_argument = after.is_other("=") || after.is_other("(");
    if (use.has_argument) {
        Token argument = tokens.next();
        if (argument.is_other("+")) {  // SQLite reads "+8" as 8
            argument = tokens.next();
        }
        use.argument = argument.text;
    }
    return use;
}

bool sets_foreign_keys_pragma(std::string_view statement) {
    const auto pragma = parse_pragma(statement);
    return pragma && pragma->name == "FOREIGN_KEYS" && pragma->has_argument;
}

std::optional<std::string> refused_statement_reason(std::string_view statement) {
    if (const auto pragma = parse_pragma(statement); pragma && pragma->has_argument) {
        return pragma_refusal(pragma->name, pragma->argument);
    }
    constexpr std::array<std::string_view, 1> k_attach = {"ATTACH"};
    if (may_start_with(statement, k_attach) &&
        leading_keywords(statement, 1) == std::vector<std::string>{"ATTACH"}) {
        return std::string(
            "ATTACH: belay's snapshot, rollback and checks cover only the "
            "database being migrated, not another file");
    }
    return std::nullopt;
}

std::optional<std::string> refused_statement_problem(const Migration& m, std::string_view section,
                                                     std::string_view statement, int line) {
    const auto reason = refused_statement_reason(statement);
    if (!reason) {
        return std::nullopt;
    }
    return fmt::format("{}:{}: belay refuses this statement in any migration: {}; remove it",
                       m.file_of(section_named(m, section)).string(), line, *reason);
}

std::optional<std::string> transactional_statement_advice(const Migration& m,
                                                          std::string_view section,
                                                          std::string_view statement) {
    const auto blocker = transaction_blocker(statement);
    if (!blocker) {
        return std::nullopt;
    }
    const bool control = contains(k_transaction_control, *blocker);
    return fmt::format(
        "{} cannot run inside the transaction belay runs the {} section in; {}{} to run it "
        "without one",
        *blocker, section,
        control ? "remove it (belay begins and commits the transaction itself), or " : "",
        no_transaction_hint(m.layout));
}

std::optional<std::string> transactional_statement_problem(const Migration& m,
                                                           std::string_view section,
                                                           std::string_view statement, int line) {
    auto advice = transactional_statement_advice(m, section, statement);
    if (!advice) {
        return std::nullopt;
    }
    return fmt::format("{}:{}: {}", m.file_of(section_named(m, section)).string(), line, *advice);
}

std::optional<std::string> repeatable_statement_advice(std::string_view statement) {
    const auto blocker = transaction_blocker(statement);
    if (!blocker) {
        return std::nullopt;
    }
    const bool control = contains(k_transaction_control, *blocker);
    return fmt::format(
        "{} cannot run inside the transaction belay runs a repeatable migration in, and belay "
        "runs repeatable migrations in one only; {}move it to a versioned migration "
        "(V<version>__<description>.sql), which may run without a transaction",
        *blocker,
        control ? "remove it (belay begins and commits the transaction itself), or " : "");
}

std::optional<std::string> repeatable_statement_problem(const RepeatableMigration& r,
                                                        std::string_view statement, int line) {
    auto advice = repeatable_statement_advice(statement);
    if (!advice) {
        return std::nullopt;
    }
    return fmt::format("{}:{}: {}", r.path.string(), line, *advice);
}

Result<void> check_transactional_statements(const Migration& m, std::string_view section,
                                            std::span<const SqlStatement> statements) {
    Problems problems;
    for (const SqlStatement& statement : statements) {
        if (auto problem =
                transactional_statement_problem(m, section, statement.text, statement.line)) {
            problems.add(m.file_of(section_named(m, section)), statement.line, std::move(*problem));
        }
    }
    if (!problems.empty()) {
        return std::unexpected(problems.error());
    }
    return {};
}

SqlEnding sql_ending(std::string_view sql) {
    SqlEnding ending;
    for (std::size_t pos = 0; pos < sql.size();) {
        const std::string_view rest = sql.substr(pos);
        if (is_space(rest[0])) {
            ++pos;
        } else if (rest.starts_with("--")) {
            pos = std::min(sql.find('\n', pos), sql.size());
        } else if (rest.starts_with("/*")) {
            const auto close = sql.find("*/", pos + 2);
            if (close == std::string_view::npos) {
                return {SqlOpen::comment, pos};
            }
            pos = close + 2;
        } else if (rest[0] == ';') {
            ending = {};
            ++pos;
        } else {
            if (ending.open == SqlOpen::nothing) {
                ending = {SqlOpen::statement, pos};
            }
            if (rest[0] != '\'' && rest[0] != '"' && rest[0] != '`' && rest[0] != '[') {
                ++pos;
                continue;
            }
            // A doubled quote stands for itself: it closes and reopens, which this scan
            // follows without special care.
            const auto close = sql.find(rest[0] == '[' ? ']' : rest[0], pos + 1);
            if (close == std::string_view::npos) {
                return {SqlOpen::quote, pos};
            }
            pos = close + 1;
        }
    }
    return ending;
}

}  // namespace belay
