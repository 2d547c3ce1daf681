// Finds statement boundaries before anything runs, the way SQLite itself would.
//
// Uses sqlite3_complete(), which understands string literals, quoted identifiers, comments and
// CREATE TRIGGER ... BEGIN ... END bodies, so no `;` inside any of them ends a statement.
// Execution never uses this split: the runner prepares each statement from the tail pointer of
// the one before. The split serves checks made ahead of time (lint, error positions).
#pragma once

#include <vector>

#include "core/migration.hpp"

namespace belay::sqlite {

// The statements of `section`, each with the file line of its first token. Whitespace- and
// comment-only stretches yield no statement; a final statement without `;` is kept.
std::vector<SqlStatement> split_statements(const SqlSection& section);

// Offset of the first character of `text` that is neither white space nor inside a comment;
// std::string_view::npos when there is none.
std::size_t first_token_offset(std::string_view text);

// Number of newlines in `text` before `offset`: turns a byte offset into a line delta.
int count_lines_before(std::string_view text, std::size_t offset);

}  // namespace belay::sqlite
