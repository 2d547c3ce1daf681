// `belay db exec`: another tool's migration command (dbmate, Alembic, Prisma, an application's
// own `migrate`), run inside belay's safety: a verified snapshot before it, checks after it, and
// the way back when it fails.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "belay/error.hpp"
#include "belay/message.hpp"
#include "belay/options.hpp"
#include "belay/restore.hpp"

namespace belay {

// The text every argument of the command (and every environment value) has replaced by the
// path of the database the command must work on: the database itself, or in a dry run its
// scratch copy.
inline constexpr std::string_view k_database_placeholder = "{db}";

struct ExecReport;

struct ExecOptions {
    DatabaseOptions db;  // database, backup_dir, lock_timeout and history_table are used
    // The program and its arguments, run directly (never through a shell); the program is found
    // in PATH as a shell would find it.
    std::vector<std::string> command;
    // Set in the command's environment besides BELAY_DB and BELAY_SNAPSHOT (name, value).
    std::vector<std::pair<std::string, std::string>> environment;
    // Runs the command on a scratch copy and takes no snapshot: the database is only read.
    bool dry_run = false;
    // When the command or a check fails, put the snapshot back (as run_restore does, with its
    // own safety snapshot of the failed state): refused when another process has the database
    // open, since its writes since the snapshot would be lost.
    bool restore_on_failure = false;
    // The command is ended (SIGTERM to its process group, SIGKILL after kill_grace) when it
    // runs longer. Unset: no limit.
    std::optional<std::chrono::milliseconds> timeout;
    std::chrono::milliseconds kill_grace{5000};
    ValidationLevel validation = ValidationLevel::normal;
    // The command's standard output goes to this process's standard error (a front end that
    // prints its report on standard output as JSON keeps it to the report).
    bool command_output_to_stderr = false;
    BackupProgress backup_progress;  // may be empty
    // Told just before the command starts, with the report so far (the snapshot taken, the
    // command line as it runs), for a front end to say what is about to run; may be empty.
    std::function<void(const ExecReport& so_far)> on_start;
};

// How the command ended.
struct ExecCommand {
    std::vector<std::string> argv;   // as run, placeholders replaced
    std::optional<int> exit_status;  // it exited: with this status
    std::optional<int> signal;       // a signal ended it
    bool timed_out = false;          // belay ended it when the timeout passed
    int stopped_by = 0;              // belay ended it on this signal belay received, else 0
    // Processes of its process group still ran after it exited (belay leaves them alone).
    bool left_processes = false;
    std::vector<int> left_pids;  // those processes, by pid
    std::int64_t duration_ms = 0;
    bool succeeded() const { return exit_status == 0 && !timed_out && stopped_by == 0 && !signal; }
};

// One object of the schema the command added, removed or changed (its SQL differs).
struct SchemaChange {
    enum class Kind { added, removed, changed };
    Kind kind = Kind::added;
    std::string type;  // table, index, view, trigger
    std::string name;
};

// What a migration tool's history table recorded during the command, in that tool's terms
// (versions; Prisma's migration names; a "(failed)" or "(dirty)" mark where the tool keeps one).
struct ToolRecordChange {
    std::string tool;                  // "dbmate", "Alembic", "belay", ...
    std::string table;                 // its history table
    bool new_table = false;            // the command created it
    std::vector<std::string> added;    // entries it has now that it had not before
    std::vector<std::string> removed;  // entries it no longer has (a rollback)
};

// A process other than belay and the command that had the database (or its -wal, -shm or
// -journal) open before or after the command.
struct OtherProcess {
    int pid = 0;
    std::string name;
    std::filesystem::path file;
};

struct ExecReport {
    std::filesystem::path database;  // as given
    bool dry_run = false;
    bool database_existed = true;  // false: there was nothing to snapshot (the command made it)
    // Dry run only: the database itself changed while the command ran (its file, -wal or
    // -journal: the command wrote it rather than the copy, or another process wrote it
    // meanwhile). Fails the run.
    bool database_changed = false;
    std::optional<std::filesystem::path> snapshot;  // the snapshot taken before the command
    std::optional<std::int64_t> snapshot_ms;
    ExecCommand command;
    // After the command, on the database it worked on (in a dry run, the copy):
    // PRAGMA integrity_check's findings that it did not have before the command; empty when
    // there are none.
    std::vector<std::string> integrity_problems;
    // The checks could not be made (the database left locked, or no longer an SQLite database
    // at all): why. Fails the run, as a finding does.
    std::optional<Error> unchecked;
    // New foreign-key violations, views and triggers that no longer compile (and, with
    // ValidationLevel::strict, new dangling foreign keys): each fails the run.
    std::vector<std::string> validation_errors;
    std::vector<std::string> validation_warnings;  // new dangling foreign keys otherwise
    std::vector<SchemaChange> schema_changes;
    std::vector<ToolRecordChange> tool_records;
    std::vector<OtherProcess> other_processes;
    std::vector<Message> notes;
    // Set when the run failed (the command or a check; or the restore was refused or failed):
    // decides the exit code.
    std::optional<Error> error;
    // The snapshot was put back (restore_on_failure): what the restore did.
    std::optional<RestoreReport> restored;
    // The call that puts the snapshot back, when the run failed and it was not put back.
    std::optional<Call> undo;
    bool succeeded() const { return !error.has_value(); }
};

// "SIGTERM" for 15: a signal's name as kill(1) spells it with the SIG prefix ("signal 99" for
// a number that names none).
std::string signal_name(int signal);

}  // namespace belay
