// Runs a migration section's SQL one statement at a time, exactly as SQLite parses it.
//
// Each statement is prepared from the tail of the one before, after that one has run, so a
// statement may use objects the previous one created, and triggers, strings and comments need
// no annotation. Failures name the file, the line of the failing statement, SQLite's error and,
// where SQLite gives one, the offset of the error within the statement.
#pragma once

#include <filesystem>

#include "belay/migration.hpp"
#include "core/error.hpp"

namespace belay::sqlite {

class Database;
class ExecutionGuard;

struct ScriptFailure {
    int line = 0;              // file line of the failing statement's first token
    std::string statement;     // the statement's text (first line, shortened)
    std::string sqlite_error;  // SQLite's message
    int error_offset = -1;     // sqlite3_error_offset within the statement, -1 when unknown
};

// Runs every statement of `section`. On failure returns an Error whose code reflects why: the
// guard's deadline (step_failed, "timed out"), cancellation (interrupted), another writer's
// lock (busy), the guard's statement rules (step_failed, "refuses"), or the SQL itself
// (step_failed). The deadline and cancellation are polled between statements as well as
// inside them, so neither waits for a long run of short statements to end. `failure`, when given,
// receives the details. Nothing is rolled back here: the caller owns the transaction.
Result<void> run_section(Database& db, ExecutionGuard& guard, const SqlSection& section,
                         const std::filesystem::path& file, ScriptFailure* failure = nullptr);

// Runs a Verify section: every statement must succeed, and every row a statement returns must
// have a true first column (not NULL, 0, 0.0, '0', 'false' or ''). Fails with step_failed
// naming the file, the line and the offending value.
Result<void> run_verify_section(Database& db, ExecutionGuard& guard, const SqlSection& section,
                                const std::filesystem::path& file);

}  // namespace belay::sqlite
