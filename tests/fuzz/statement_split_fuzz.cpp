// libFuzzer target: arbitrary bytes as the text of a section, split by split_statements.
//
// Beyond "no crash", it checks what lint and error positions rely on. For any bytes, the
// statements are the input's text in order, and the section's first line only shifts their lines.
// For text without a NUL byte (belay refuses files holding one, and SQLite reads no further than
// one, so from there on the split is arbitrary) or a '\v' (see LLVMFuzzerTestOneInput):
//   - the input is, in order, each statement's exact text with only white space, comments and
//     empty statements (';') between them: nothing is lost, duplicated or reordered;
//   - each statement starts at a token, and its line is the file line of that token;
//   - each statement but the last ends with ';' and is complete per sqlite3_complete, and none
//     holds a complete statement before its end (checked at each of its ';'); asked through
//     is_complete_statement, which reads a byte-order mark as SQLite's tokenizer does (white
//     space where a token may start) where sqlite3_complete alone would take it for a word;
//   - splitting is stable: a statement split again is that one statement.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/sql_lint.hpp"
#include "fuzz/fuzz_check.hpp"
#include "sqlite/statement_split.hpp"

namespace {

using belay::SqlSection;
using belay::SqlStatement;
using belay::fuzz::require;
using belay::sqlite::count_lines_before;
using belay::sqlite::first_token_offset;
using belay::sqlite::is_complete_statement;
using belay::sqlite::split_statements;

constexpr int k_shifted_first_line = 1000;

// The offset after the white space, comments and lone ';' at `pos` of `sql`.
std::size_t skip_gap(std::string_view sql, std::size_t pos) {
    for (;;) {
        pos = belay::skip_space_and_comments(sql, pos);
        if (pos < sql.size() && sql[pos] == ';') {
            ++pos;
        } else {
            return pos;
        }
    }
}

void check_coverage(std::string_view sql, const std::vector<SqlStatement>& statements) {
    std::size_t pos = 0;
    for (const SqlStatement& statement : statements) {
        require(!statement.text.empty(), "a statement is empty");
        require(first_token_offset(statement.text) == 0,
                "a statement does not start at its first token");
        pos = skip_gap(sql, pos);
        require(sql.substr(pos, statement.text.size()) == statement.text,
                "a statement is not the next text of the input after white space, comments and "
                "empty statements");
        require(statement.line == 1 + count_lines_before(sql, pos),
                "a statement's line is not the line of its first token");
        pos += statement.text.size();
    }
    require(skip_gap(sql, pos) == sql.size(),
            "text after the last statement is more than white space and comments");
}

// With a NUL byte inside, the statements are still the input's text, in order.
void check_in_order(std::string_view sql, const std::vector<SqlStatement>& statements) {
    std::size_t pos = 0;
    for (const SqlStatement& statement : statements) {
        pos = sql.find(statement.text, pos);
        require(pos != std::string_view::npos, "a statement is not the input's text, in order");
        pos += statement.text.size();
    }
}

// Only for text without a NUL byte: sqlite3_complete, like all of SQLite, reads no further than
// one, and belay refuses files holding one (check_no_nul_byte), so no section has one.
void check_each_statement(const std::vector<SqlStatement>& statements) {
    for (std::size_t i = 0; i < statements.size(); ++i) {
        const std::string& text = statements[i].text;
        if (i + 1 < statements.size()) {
            require(text.ends_with(';'), "a statement before the last does not end with ';'");
            require(is_complete_statement(text),
                    "a statement before the last is not complete per sqlite3_complete");
        }
        // No ';' before its end closes a complete statement: it was not split too late.
        for (std::size_t semicolon = text.find(';');
             semicolon != std::string::npos && semicolon + 1 < text.size();
             semicolon = text.find(';', semicolon + 1)) {
            require(!is_complete_statement(text.substr(0, semicolon + 1)),
                    "a statement holds a complete statement before its end");
        }
        const auto again = split_statements(SqlSection{true, text, 1, {}});
        require(again.size() == 1 && again[0].text == text && again[0].line == 1,
                "a statement split again is not that one statement");
    }
}

void check_shifted_lines(const std::string& sql, const std::vector<SqlStatement>& statements) {
    const auto shifted = split_statements(SqlSection{true, sql, k_shifted_first_line, {}});
    require(shifted.size() == statements.size(), "the first line changes the statements");
    for (std::size_t i = 0; i < shifted.size(); ++i) {
        require(shifted[i].text == statements[i].text, "the first line changes a statement");
        require(shifted[i].line == statements[i].line + k_shifted_first_line - 1,
                "the first line does not just shift a statement's line");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string sql(reinterpret_cast<const char*>(data), size);
    const auto statements = split_statements(SqlSection{true, sql, 1, {}});
    check_shifted_lines(sql, statements);
    // sqlite3_complete reads no further than a NUL byte, and takes '\v' for a token where belay
    // (like C's isspace) takes it for white space; SQLite's parser refuses it as illegal.
    if (sql.find_first_of(std::string_view("\0\v", 2)) != std::string::npos) {
        check_in_order(sql, statements);
        return 0;
    }
    check_coverage(sql, statements);
    check_each_statement(statements);
    return 0;
}
