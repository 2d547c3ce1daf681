// Errors a user can cause, carried as values.
//
// Every fallible operation in belay returns Result<T>. The Error inside names what went wrong
// (file, line, migration, path) and says what to do next; its code decides the process's exit
// code, so the categories below are part of belay's documented interface (docs/exit-codes.md).
#pragma once

#include <expected>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace belay {

// The documented exit codes. Values are the process exit status.
enum class ErrorCode : int {
    step_failed = 1,      // a migration step failed; it was rolled back and recorded
    invalid_input = 2,    // usage error, invalid migration files, unusable paths; nothing touched
    snapshot_failed = 3,  // the snapshot before a run failed; nothing ran
    busy = 4,             // the database or the run lock stayed busy past --lock-timeout
    refused = 5,          // unsafe state (dirty, modified, missing, out of order, foreign history)
    findings = 6,         // a check found problems, or status --exit-code saw pending work
    interrupted = 130,    // SIGINT or SIGTERM; the exit code is 128 + the signal number
};

struct Error {
    ErrorCode code = ErrorCode::invalid_input;
    std::string message;  // one or more sentences; names the subject and the next step
};

template <typename T>
using Result = std::expected<T, Error>;

// Shorthand for building an unexpected Error with a fmt-style message.
template <typename... Args>
std::unexpected<Error> fail(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
    return std::unexpected(Error{code, fmt::format(format, std::forward<Args>(args)...)});
}

// Returns a copy of `error` whose message starts with `context` ("<context>: <message>").
Error with_context(Error error, std::string_view context);

}  // namespace belay
