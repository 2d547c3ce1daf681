// Errors as values: every call of belay's API that can fail returns Result<T>.
//
// The Error inside names what went wrong (file, line, migration, path) and says what to do
// next; its code is the category the CLI turns into its exit status (docs/exit-codes.md), so a
// program embedding belay can branch on it the same way a script branches on `$?`.
#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <string>

#include "belay/message.hpp"

namespace belay {

// The documented exit codes. Values are the process exit status.
enum class ErrorCode : int {
    step_failed = 1,      // a migration step failed; it was rolled back and recorded
    invalid_input = 2,    // usage error, invalid migration files, unusable paths; nothing touched
    snapshot_failed = 3,  // the snapshot before a run failed; nothing ran
    busy = 4,             // the database or the run lock stayed busy past the lock timeout
    refused = 5,          // unsafe state (dirty, modified, missing, out of order, foreign history)
    findings = 6,  // a check found problems, or a status asked for as an exit code saw pending work
    interrupted = 130,  // SIGINT or SIGTERM (cancellation_signal() says which; the CLI
                        // exits with 128 + that signal's number)
};

struct Error {
    ErrorCode code = ErrorCode::invalid_input;
    // One or more sentences that name the subject and the next step, in the library's words.
    std::string message;
    // The same message with its terms kept (the option it is about, the call it advises), for
    // an interface to word them its own way; when its text() differs from `message` (code that
    // changed one and not the other), `message` is the one that holds.
    Message said{};
    // What the error is about, where belay knows it; empty otherwise:
    // - a problem in a migration file: the file and line (0 for the file as a whole, such as
    //   no Up section); for an embedded migration, its section as "(embedded) 0002_add_email,
    //   up" ("down", "verify") with the line in that section's text, or the migration as
    //   "(embedded) 0002_add_email" for a problem of its own (version, name, timeout). When
    //   every problem listed is in one file (or section), that file and the first problem's
    //   line; problems in several files, or a version two share, are about none of them;
    // - a failed step: the migration (version_name), its file (an embedded migration's section,
    //   as above) and the line of the statement or Verify check that failed;
    // - every error about one file or directory as such, its path alone:
    //   - the database: missing, not a regular file, not an SQLite database, damaged (cut
    //     short), cannot be opened, read or written, has hard links, empty (for a backup); a
    //     -journal, -wal or -shm beside it that is not a regular file (that file); its directory
    //     when belay cannot write its journal and run lock there, or it does not exist (the
    //     directory); the run lock that cannot be opened or locked (the lock file);
    //   - the migrations directory: missing, not a directory, cannot be listed, holds no
    //     migration files or more than one layout; a migration file that is not a regular file
    //     or cannot be read;
    //   - a backup named or found: missing, a directory, FIFO or dangling symlink, cannot be
    //     read, no sidecar, fails verification (checksum, integrity), changed after it was
    //     verified, another database's; its sidecar when that cannot be read or parsed (the
    //     sidecar); a backup prune cannot remove;
    //   - where a backup goes: the backup directory (missing, not a directory, not writable,
    //     not enough room, no free name, no intact backup in it for `latest`), an exact output
    //     path that is taken, a file belay cannot create, flush or rename as it puts a backup
    //     or sidecar in place (that file, as the message names it);
    //   - a migration file `create_migration` cannot write, and its directory;
    //   - a scratch directory (dry run, lint, round trip) that cannot be created or has no room.
    // Empty for the rest: a busy lock, an interruption, a refused history, invalid options, the
    // pages of a backup's copy that could not be written (a full disk mid-copy).
    struct Subject {
        std::filesystem::path path;
        int line = 0;
        std::string migration;
    } subject{};

    // The message with its terms: `said`, or `message` alone (no terms) when they disagree.
    Message what() const;

    // The option the error is about, and the call it advises as the next step, if any.
    std::optional<Option> option() const;
    std::optional<Call> advised_call() const;
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
