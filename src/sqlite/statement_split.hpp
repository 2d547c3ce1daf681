// Finds statement boundaries before anything runs, the way SQLite itself would.
//
// Uses sqlite3_complete(), which understands string literals, quoted identifiers, comments and
// CREATE TRIGGER ... BEGIN ... END bodies, so no `;` inside any of them ends a statement.
// Execution never uses this split: the runner prepares each statement from the tail pointer of
// the one before. The split serves checks made ahead of time (lint, error positions).
#pragma once

#include <string_view>
#include <vector>

#include "belay/migration.hpp"

namespace belay::sqlite {

// The statements of `section`, each with the file line of its first token. Whitespace- and
// comment-only stretches yield no statement; a final statement without `;` is kept.
std::vector<SqlStatement> split_statements(const SqlSection& section);

// Receives a section's statements one at a time from for_each_statement.
class StatementSink {
  public:
    // `text` is a statement as split_statements gives it, a view into the section's SQL;
    // `line` is the file line of its first token.
    virtual void statement(std::string_view text, int line) = 0;

  protected:
    ~StatementSink() = default;
};

// Hands `sink` the statements split_statements returns, in order, without copying them: for a
// check that looks at each statement once (ten thousand files make tens of thousands).
void for_each_statement(const SqlSection& section, StatementSink& sink);

// Offset of the first character of `text` that is neither white space nor inside a comment;
// std::string_view::npos when there is none.
std::size_t first_token_offset(std::string_view text);

// Whether SQLite's parser would take `text` to end with a complete statement: sqlite3_complete(),
// except that a UTF-8 byte-order mark where a token may start is white space, as SQLite's
// tokenizer reads it (sqlite3_complete takes it for part of a word, so "<BOM>CREATE TRIGGER ..."
// would end at its first ';' there, inside the body the parser goes on reading).
bool is_complete_statement(std::string_view text);

// Number of newlines in `text` before `offset`: turns a byte offset into a line delta.
int count_lines_before(std::string_view text, std::size_t offset);

}  // namespace belay::sqlite
