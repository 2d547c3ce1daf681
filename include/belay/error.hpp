// Errors as values: every call of belay's API that can fail returns Result<T>.
//
// The Error inside names what went wrong (file, line, migration, path) and says what to do
// next; its code is the category the CLI turns into its exit status (docs/exit-codes.md), so a
// program embedding belay can branch on it the same way a script branches on `$?`.
#pragma once

#include <expected>
#include <string>

namespace belay {

// The documented exit codes. Values are the process exit status.
enum class ErrorCode : int {
    step_failed = 1,      // a migration step failed; it was rolled back and recorded
    invalid_input = 2,    // usage error, invalid migration files, unusable paths; nothing touched
    snapshot_failed = 3,  // the snapshot before a run failed; nothing ran
    busy = 4,             // the database or the run lock stayed busy past the lock timeout
    refused = 5,          // unsafe state (dirty, modified, missing, out of order, foreign history)
    findings = 6,         // a check found problems, or status --exit-code saw pending work
    interrupted = 130,    // SIGINT or SIGTERM (cancellation_signal() says which; the CLI
                          // exits with 128 + that signal's number)
};

struct Error {
    ErrorCode code = ErrorCode::invalid_input;
    std::string message;  // one or more sentences; names the subject and the next step
};

template <typename T>
using Result = std::expected<T, Error>;

// Passes an error on unchanged: evaluates `result` (a Result<T>, named or not) once and, if it
// holds an error, returns that error from the calling function, which must itself return a
// Result. Otherwise execution goes on and a named result can be used as it is:
//
//     auto version = current_version(db);
//     BELAY_TRY(version);
//     BELAY_TRY(db.exec("PRAGMA foreign_keys = ON"));
//     use(*version);
//
// Code that must clean up first, or that adds context, writes its check out instead.
#define BELAY_TRY(result)                                              \
    do {                                                               \
        if (auto&& belay_try_result_ = (result); !belay_try_result_) { \
            return std::unexpected(belay_try_result_.error());         \
        }                                                              \
    } while (false)

}  // namespace belay
