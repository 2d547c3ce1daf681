#include "sqlite/statement_split.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <string>

#include "core/ascii.hpp"
#include "core/byte_order_mark.hpp"
#include "core/sql_lint.hpp"

namespace belay::sqlite {

int count_lines_before(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    return static_cast<int>(
        std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

std::size_t first_token_offset(std::string_view text) {
    const auto offset = skip_space_and_comments(text);
    return offset < text.size() ? offset : std::string_view::npos;
}

namespace {

// The offset just past the literal, quoted identifier or comment that starts at `i`, or `i`
// when none starts there. Unterminated ones run to the end of the text.
std::size_t skip_quoted_or_comment(std::string_view sql, std::size_t i) {
    const char c = sql[i];
    auto until = [&](std::string_view end, std::size_t from) {
        const auto found = sql.find(end, from);
        return found == std::string_view::npos ? sql.size() : found + end.size();
    };
    if (c == '\'' || c == '"' || c == '`') {
        // A doubled quote inside is an escaped quote: the scan simply goes on past it.
        return until(std::string_view(&c, 1), i + 1);
    }
    if (c == '[') {
        return until("]", i + 1);
    }
    if (sql.substr(i, 2) == "--") {
        return until("\n", i + 2);
    }
    if (sql.substr(i, 2) == "/*") {
        return until("*/", i + 2);
    }
    return i;
}

// White space as sqlite3_complete sees it, and '\v', which it does not (erring towards asking it).
bool is_space_char(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}

bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// True when the last token of `sql` that ends at `token_end`, past white space and comments, may be
// the keyword END. Only then can a ';' end a CREATE TRIGGER whose first ';' did not end it: inside
// a trigger body sqlite3_complete accepts nothing but "; END ;". Errs towards true.
bool may_follow_end(std::string_view sql, std::size_t token_end) {
    return token_end >= 3 && iequals_ascii(sql.substr(token_end - 3, 3), "END") &&
           (token_end == 3 || !is_word_char(sql[token_end - 4]));
}

// The bytes SQLite's tokenizer reads as part of a keyword or identifier (its IdChar).
bool is_id_char(char c) {
    return is_word_char(c) || c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

// False when sqlite3_complete() would call `statement` complete at its first ';' outside literals
// and comments, so that it need not be asked: its state machine leaves a ';' open only after
// CREATE [TEMP | TEMPORARY]... TRIGGER, the way into a trigger body, or after an EXPLAIN that
// any tokens may follow before such a CREATE. It reads the text
// only up to a NUL, so one anywhere means ask. Errs towards true ('\v' is white space here, a
// token there).
bool may_open_trigger(std::string_view statement) {
    if (statement.find('\0') != std::string_view::npos) {
        return true;
    }
    std::size_t pos = 0;
    // The next keyword-like token as SQLite's state machine reads it; empty for any other token.
    const auto next_word = [&] {
        const std::size_t start = skip_space_and_comments(statement, pos);
        pos = start;
        while (pos < statement.size() && is_id_char(statement[pos])) {
            ++pos;
        }
        return statement.substr(start, pos - start);
    };
    std::string_view word = next_word();
    if (iequals_ascii(word, "EXPLAIN")) {
        return true;  // any tokens may come between EXPLAIN and CREATE: ask
    }
    if (!iequals_ascii(word, "CREATE")) {
        return false;
    }
    do {
        word = next_word();
    } while (iequals_ascii(word, "TEMP") || iequals_ascii(word, "TEMPORARY"));
    return iequals_ascii(word, "TRIGGER");
}

// Whether a byte-order mark starts at `i` where SQLite's tokenizer reads it as white space: not
// inside a word (`after_mark` is the end of the last mark so read, which counts as white space
// before this one).
bool is_mark_read_as_space(std::string_view sql, std::size_t i, std::size_t after_mark) {
    return sql.substr(i).starts_with(k_byte_order_mark) &&
           (i == 0 || i == after_mark || !is_id_char(sql[i - 1]));
}

// `text` as SQLite's tokenizer splits it into tokens, for sqlite3_complete, which takes a mark
// for part of a word: each mark read as white space (is_mark_read_as_space) turned into spaces.
void byte_order_marks_as_space(std::string& text) {
    std::size_t after_mark = 0;
    for (auto at = text.find(k_byte_order_mark); at != std::string::npos;
         at = text.find(k_byte_order_mark, at + 1)) {
        if (is_mark_read_as_space(text, at, after_mark)) {
            text.replace(at, k_byte_order_mark.size(), k_byte_order_mark.size(), ' ');
            after_mark = at + k_byte_order_mark.size();
        }
    }
}

bool complete_in_place(std::string& candidate) {
    byte_order_marks_as_space(candidate);
    return sqlite3_complete(candidate.c_str()) != 0;
}

// Whether the ';' at `semicolon` ends the statement that begins at `start`, as SQLite's parser
// would. `candidate` is scratch space for the NUL-terminated copy sqlite3_complete needs.
bool completes_statement(std::string_view sql, std::size_t start, std::size_t semicolon,
                         std::string& candidate) {
    const std::string_view statement = sql.substr(start, semicolon + 1 - start);
    if (!may_open_trigger(statement)) {
        return true;
    }
    candidate.assign(statement);
    return complete_in_place(candidate);
}

// True for the characters that may start a literal, a quoted identifier or a comment, or end a
// statement: the only ones the scan below has to look at closely.
constexpr bool may_be_special(char c) {
    return c == '\'' || c == '"' || c == '`' || c == '[' || c == '-' || c == '/' || c == ';';
}

}  // namespace

void for_each_statement(const SqlSection& section, StatementSink& sink) {
    const std::string_view sql = section.sql;
    // Statements come in order, so their lines are counted on from the previous one's instead
    // of from the start of the section each time.
    std::size_t counted_to = 0;
    int line = section.first_line;
    auto add = [&](std::size_t start, std::size_t end) {
        const auto text = sql.substr(start, end - start);
        const auto token = first_token_offset(text);
        if (token != std::string_view::npos && text.substr(token) != ";") {
            line += count_lines_before(sql.substr(counted_to), start + token - counted_to);
            counted_to = start + token;
            sink.statement(text.substr(token), line);
        }
    };
    std::size_t start = 0;
    bool first_semicolon = true;  // of the statement that begins at `start`
    std::size_t token_end = 0;    // just past the last token before `i`
    std::size_t after_mark = 0;   // just past the last byte-order mark read as white space
    std::string candidate;
    for (std::size_t i = 0; i < sql.size();) {
        if (is_mark_read_as_space(sql, i, after_mark)) {
            i += k_byte_order_mark.size();  // white space, no token: "END <mark>;" ends a trigger
            after_mark = i;
            continue;
        }
        if (!may_be_special(sql[i])) {
            if (!is_space_char(sql[i])) {
                token_end = i + 1;
            }
            ++i;
            continue;
        }
        if (const auto next = skip_quoted_or_comment(sql, i); next != i) {
            const bool comment = sql[i] == '-' || sql[i] == '/';
            token_end = comment ? token_end : next;
            i = next;
            continue;
        }
        // Only a ';' outside literals and comments can end a statement; sqlite3_complete then
        // says whether it does (inside a trigger body it does not). Asking it at every ';' of a
        // trigger body would take time in the square of the body's length.
        if (sql[i] == ';' && (first_semicolon || may_follow_end(sql, token_end))) {
            first_semicolon = false;
            if (completes_statement(sql, start, i, candidate)) {
                add(start, i + 1);
                start = i + 1;
                first_semicolon = true;
            }
        }
        if (!is_space_char(sql[i])) {
            token_end = i + 1;
        }
        ++i;
    }
    add(start, sql.size());
}

bool is_complete_statement(std::string_view text) {
    std::string candidate(text);
    return complete_in_place(candidate);
}

std::vector<SqlStatement> split_statements(const SqlSection& section) {
    class Collect final : public StatementSink {
      public:
        void statement(std::string_view text, int line) override {
            statements.push_back(SqlStatement{std::string(text), line});
        }
        std::vector<SqlStatement> statements;
    };
    Collect collect;
    for_each_statement(section, collect);
    return std::move(collect.statements);
}

}  // namespace belay::sqlite
