// Checks on a section's statements before anything runs: things SQLite would refuse (or silently
// ignore) inside the transaction belay wraps around a section.
//
// Everything here works on statements already split by SQLite's own parser (SqlStatement), so a
// statement's text starts at its first token; leading comments and whitespace are tolerated.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "belay/migration.hpp"
#include "core/error.hpp"

namespace belay {

// Returns the offset of the first character at or after `pos` that is neither whitespace nor part
// of a comment ("-- ..." to the end of the line, "/* ... */"; an unterminated "/*" runs to the
// end, as in SQLite). Returns sql.size() when only whitespace and comments remain. Never fails.
std::size_t skip_space_and_comments(std::string_view sql, std::size_t pos = 0);

// How a stretch of SQL ends, as far as more SQL appended to it is concerned: with nothing open,
// inside a statement that no ';' has ended yet, inside a "/* ..." comment, or inside a quoted
// string or name ('...', "...", `...`, [...]). `at` is the offset where what is open begins.
enum class SqlOpen { nothing, statement, comment, quote };
struct SqlEnding {
    SqlOpen open = SqlOpen::nothing;
    std::size_t at = 0;
};
SqlEnding sql_ending(std::string_view sql);

// Returns up to `count` leading words (keywords or identifiers) of `statement`, uppercased (ASCII),
// skipping whitespace and comments. Quoted identifiers ("x", `x`, [x]) count as words, without
// their quotes. A schema-qualified name is one word: "PRAGMA main.journal_mode" gives
// {"PRAGMA", "MAIN.JOURNAL_MODE"}. The scan stops at the first token that is not a word (a string,
// a number, an operator, ';'), so fewer than `count` words may come back. Never fails.
std::vector<std::string> leading_keywords(std::string_view statement, std::size_t count);

// A PRAGMA statement, as far as lint cares.
struct PragmaUse {
    std::string name;           // uppercased, without any schema prefix: "JOURNAL_MODE"
    bool has_argument = false;  // "PRAGMA x = v" or "PRAGMA x(v)", i.e. not a plain query
    std::string argument;       // v, unquoted ("" for a query)
};

// Returns the pragma `statement` uses, or std::nullopt when it is not a PRAGMA statement.
std::optional<PragmaUse> parse_pragma(std::string_view statement);

// True when `statement` sets foreign-key enforcement ("PRAGMA foreign_keys = OFF", any case, any
// schema prefix, "=" or "(...)" form). Inside a transaction SQLite ignores it silently; belay
// manages enforcement itself, so the caller only logs a note.
bool sets_foreign_keys_pragma(std::string_view statement);

// The line to report when `statement` (of `m`'s `section`) is one that belay's statement rules
// refuse in any step (core/statement_rules.hpp: PRAGMA journal_mode=OFF, writable_schema, ...,
// ATTACH), or std::nullopt. The step runner would refuse it as it runs; this finds it before.
std::optional<std::string> refused_statement_problem(const Migration& m, std::string_view section,
                                                     std::string_view statement, int line);

// Why belay refuses `statement` in any migration (the reason refused_statement_problem words),
// or std::nullopt.
std::optional<std::string> refused_statement_reason(std::string_view statement);

// For the section of `m` named `section` ("Up", "Down" or "Verify") that will run inside a
// transaction (the caller checks no_transaction first), refuses the statements that cannot work
// there: VACUUM (and VACUUM INTO), setting PRAGMA journal_mode, ATTACH, DETACH, and transaction
// control (BEGIN, COMMIT, END, ROLLBACK, SAVEPOINT, RELEASE) when it is the statement's first
// keyword. A ROLLBACK inside a trigger body (RAISE(ROLLBACK, ...)) is fine. Fails with
// ErrorCode::invalid_input listing every offending statement, one per line, each as
// "<file>:<line>: ..." naming the statement and the '-- +migrate NoTransaction' directive.
Result<void> check_transactional_statements(const Migration& m, std::string_view section,
                                            std::span<const SqlStatement> statements);

// transactional_statement_problem for a statement of the repeatable migration `r`, which always
// runs inside a transaction: "<file>:<line>: ..." saying to remove the statement or move it to
// a versioned migration. std::nullopt when it can run there.
std::optional<std::string> repeatable_statement_problem(const RepeatableMigration& r,
                                                        std::string_view statement, int line);

// repeatable_statement_problem's words without "<file>:<line>: ".
std::optional<std::string> repeatable_statement_advice(std::string_view statement);

// Why `statement` cannot run inside the transaction belay runs `m`'s `section` in, and what to
// do instead: transactional_statement_problem's words without "<file>:<line>: ". std::nullopt
// when it can run there.
std::optional<std::string> transactional_statement_advice(const Migration& m,
                                                          std::string_view section,
                                                          std::string_view statement);

// The line check_transactional_statements reports for one statement of `m`'s `section`
// ("<file>:<line>: ..."), or std::nullopt when the statement can run inside a transaction.
std::optional<std::string> transactional_statement_problem(const Migration& m,
                                                           std::string_view section,
                                                           std::string_view statement, int line);

}  // namespace belay
