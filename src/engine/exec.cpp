#include "engine/exec.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "belay/backup.hpp"
#include "belay/cancellation.hpp"
#include "core/child_process.hpp"
#include "core/elapsed.hpp"
#include "core/error.hpp"
#include "core/migration_parser.hpp"
#include "engine/backups.hpp"
#include "engine/database_state.hpp"
#include "engine/exec_facts.hpp"
#include "engine/file_stamp.hpp"
#include "engine/migrate.hpp"
#include "engine/restore.hpp"
#include "engine/run_lock.hpp"
#include "engine/scratch_directory.hpp"
#include "sqlite/backup.hpp"
#include "sqlite/database.hpp"
#include "sqlite/schema_catalog.hpp"
#include "sqlite/schema_inspection.hpp"
#include "sqlite/transaction.hpp"

namespace belay::engine {

namespace {

using Clock = std::chrono::steady_clock;

// Every placeholder in `word` replaced by `path`.
std::string substituted(std::string word, const std::string& path) {
    std::size_t at = 0;
    while ((at = word.find(k_database_placeholder, at)) != std::string::npos) {
        word.replace(at, k_database_placeholder.size(), path);
        at += path.size();
    }
    return word;
}

Result<void> check_environment(const ExecOptions& options) {
    for (const auto& [name, value] : options.environment) {
        if (name.empty() || name.find('=') != std::string::npos ||
            name.find('\0') != std::string::npos || value.find('\0') != std::string::npos) {
            return fail(ErrorCode::invalid_input,
                        "{} '{}': give NAME=VALUE, with a name that is not empty and holds no "
                        "'=' (nothing was run)",
                        Option::environment, name);
        }
    }
    return {};
}

Result<void> check_exec_options(const ExecOptions& options) {
    BELAY_TRY(check_lock_timeout(options.db));
    if (options.command.empty() || options.command.front().empty()) {
        return fail(ErrorCode::invalid_input,
                    "no {} to run: give the program and its arguments, e.g. {{\"goose\", "
                    "\"sqlite3\", \"{}\", \"up\"}}",
                    Option::command, k_database_placeholder);
    }
    if (std::ranges::any_of(options.command,
                            [](const std::string& w) { return w.find('\0') != w.npos; })) {
        return fail(ErrorCode::invalid_input, "the {} holds a NUL byte", Option::command);
    }
    if (options.timeout &&
        (*options.timeout <= std::chrono::milliseconds(0) || *options.timeout > k_max_timeout)) {
        return fail(ErrorCode::invalid_input, "{} {} ms: give between 1 ms and {:.0f} s",
                    Option::timeout, options.timeout->count(), k_max_timeout_seconds);
    }
    if (options.kill_grace < std::chrono::milliseconds(0)) {
        return fail(ErrorCode::invalid_input, "kill_grace {} ms: give 0 or more",
                    options.kill_grace.count());
    }
    return check_environment(options);
}

// The database's own file and the files SQLite keeps beside it.
std::vector<std::filesystem::path> database_files(const std::filesystem::path& database) {
    const auto name = database.string();
    return {database, name + "-wal", name + "-shm", name + "-journal"};
}

// Adds the processes that have the database open now to the report (each once).
void note_other_processes(const ExecOptions& options, ExecReport& report) {
    for (auto& holder : processes_holding(database_files(options.db.database))) {
        const bool known = std::ranges::any_of(report.other_processes, [&](const auto& p) {
            return p.pid == holder.pid && p.file == holder.file;
        });
        if (!known) {
            report.other_processes.push_back(
                OtherProcess{holder.pid, std::move(holder.command), std::move(holder.file)});
        }
    }
}

// "pid 123 (myapp) has app.db open" for the first few processes.
std::string describe_others(const std::vector<OtherProcess>& others) {
    std::vector<std::string> each;
    for (const auto& other : others) {
        each.push_back(
            fmt::format("pid {} ({}) has {} open", other.pid, other.name, other.file.string()));
    }
    return fmt::format("{}", fmt::join(each, "; "));
}

// With restore_on_failure, another process that has the database open could write to it while
// the command runs: a restore would lose those writes. Refused before the command runs.
Result<void> refuse_other_processes(const ExecOptions& options, ExecReport& report,
                                    std::string_view when) {
    note_other_processes(options, report);
    if (!options.restore_on_failure || report.other_processes.empty()) {
        return {};
    }
    return fail(ErrorCode::refused,
                "{}: {}, {}. Putting the snapshot back after a failure would lose what it writes "
                "meanwhile, so nothing was run{}. Stop the application first (an upgrade needs "
                "the database to itself), or run without {}",
                Option::restore_on_failure, describe_others(report.other_processes), when,
                report.snapshot ? fmt::format(" (the snapshot {} was taken and stays)",
                                              report.snapshot->string())
                                : std::string(),
                Option::restore_on_failure);
}

// Takes the snapshot under the write lock and reads the facts in the same transaction: nothing
// can commit between the two. A database with no objects needs no snapshot (nothing to lose).
Result<DatabaseFacts> snapshot_and_capture(const ExecOptions& options, ExecReport& report) {
    const auto& path = options.db.database;
    auto version = read_version_for_backup(options.db);
    BELAY_TRY(version);
    auto db = sqlite::Database::open(path, sqlite::OpenMode::read_write, options.db.lock_timeout);
    BELAY_TRY(db);
    auto transaction = sqlite::Transaction::begin_immediate(*db);
    BELAY_TRY(transaction);
    auto has_objects = sqlite::has_objects(*db);
    BELAY_TRY(has_objects);
    if (*has_objects) {
        const auto started = Clock::now();
        auto snapshot = snapshot_beside_own_connection(
            options.db, std::string(k_reason_before_exec), *version, options.backup_progress);
        BELAY_TRY(snapshot);
        report.snapshot = snapshot->path;
        report.snapshot_ms = milliseconds_since(started);
    } else {
        report.notes.push_back("the database is empty: no snapshot is needed");
    }
    auto facts = capture_facts(*db, options.db.history_table, report.notes);
    BELAY_TRY(facts);
    BELAY_TRY(transaction->rollback());
    return facts;
}

// Runs the command on `target`, placeholders replaced and BELAY_DB, BELAY_SNAPSHOT set.
Result<void> run_command(const ExecOptions& options, const std::filesystem::path& target,
                         ExecReport& report) {
    ChildCommand child;
    for (const auto& word : options.command) {
        child.argv.push_back(substituted(word, target.string()));
    }
    child.environment = {{"BELAY_DB", target.string()},
                         {"BELAY_SNAPSHOT", report.snapshot ? report.snapshot->string() : ""}};
    for (const auto& [name, value] : options.environment) {
        child.environment.emplace_back(name, substituted(value, target.string()));
    }
    child.timeout = options.timeout;
    child.kill_grace = options.kill_grace;
    child.stdout_to_stderr = options.command_output_to_stderr;
    report.command.argv = child.argv;
    if (options.on_start) {
        options.on_start(report);
    }
    auto outcome = run_child(child);
    if (!outcome) {
        auto error = outcome.error();
        if (report.snapshot) {
            append(error, said("; the snapshot {} was taken and stays", report.snapshot->string()));
        }
        return std::unexpected(std::move(error));
    }
    report.command.exit_status = outcome->exit_status;
    report.command.signal = outcome->signal;
    report.command.timed_out = outcome->timed_out;
    report.command.stopped_by = outcome->stopped_by;
    report.command.left_processes = outcome->left_processes;
    report.command.duration_ms = outcome->elapsed.count();
    return {};
}

// Opens what the command left at `target` and reads its facts after an integrity check.
Result<DatabaseFacts> inspect_after(const ExecOptions& options, const std::filesystem::path& target,
                                    ExecReport& report) {
    BELAY_TRY(sqlite::refuse_non_database(target));
    auto db = sqlite::Database::open(target, sqlite::OpenMode::read_write, options.db.lock_timeout);
    BELAY_TRY(db);
    auto transaction = sqlite::Transaction::begin_immediate(*db);
    BELAY_TRY(transaction);
    auto problems = sqlite::check_integrity(*db, true);
    BELAY_TRY(problems);
    report.integrity_problems = std::move(*problems);
    auto facts = capture_facts(*db, options.db.history_table, report.notes);
    BELAY_TRY(facts);
    BELAY_TRY(transaction->rollback());
    return facts;
}

// The checks after the command, on what it left at `target`, against `before`.
void check_after(const ExecOptions& options, const std::filesystem::path& target,
                 const DatabaseFacts& before, ExecReport& report) {
    std::error_code ec;
    if (!std::filesystem::exists(target, ec)) {
        if (!before.objects.empty()) {
            report.integrity_problems.push_back(
                fmt::format("{} no longer exists: the command removed it", target.string()));
        }
        return;
    }
    auto after = inspect_after(options, target, report);
    if (!after) {
        report.integrity_problems.push_back(
            fmt::format("{} could not be checked: {}", target.string(), after.error().message));
        return;
    }
    compare_facts(before, *after, options.validation, report);
}

// Why the run failed, when it did (before any restore): the command's end, then the checks.
std::optional<Message> failure_of(const ExecOptions& options, const ExecReport& report) {
    const auto& command = report.command;
    if (command.timed_out) {
        return said("the command ran longer than {} ({} s) and was ended", Option::timeout,
                    fmt::format("{:g}", static_cast<double>(options.timeout->count()) / 1000));
    }
    if (command.signal) {
        return said("the command was ended by {}", signal_name(*command.signal));
    }
    if (command.exit_status && *command.exit_status != 0) {
        return said("the command exited with status {}", *command.exit_status);
    }
    if (!report.integrity_problems.empty()) {
        return said("the command left the database damaged: integrity_check: {}",
                    fmt::join(report.integrity_problems, "; "));
    }
    if (!report.validation_errors.empty()) {
        return said("the command succeeded, but its changes fail validation: {}",
                    fmt::join(report.validation_errors, "; "));
    }
    return std::nullopt;
}

// The command failed or a check did: put the snapshot back, unless another process could have
// written since (refused: its writes would be lost).
Error restore_after_failure(const ExecOptions& options, ExecReport& report, Message failure,
                            const RunLock* lock) {
    const auto undo = restore_call(options.db.database, *report.snapshot);
    if (!report.other_processes.empty() || report.command.left_processes) {
        report.undo = undo;
        const auto who = report.other_processes.empty()
                             ? std::string("processes the command started still run")
                             : describe_others(report.other_processes);
        return error_of(ErrorCode::refused,
                        said("{}. The snapshot was NOT put back: {}, and putting it back would "
                             "lose what they wrote since. Stop them, then restore it: {}",
                             failure, who, undo));
    }
    RestoreOptions restore{.db = options.db,
                           .backup = *report.snapshot,
                           .latest = false,
                           .assume_yes = true,
                           .from_other_database = false,
                           .confirm = nullptr,
                           .progress = options.backup_progress};
    auto restored = run_restore(restore, lock);
    if (!restored) {
        report.undo = undo;
        return error_of(restored.error().code, said("{}; putting the snapshot back failed: {}",
                                                    failure, restored.error()));
    }
    report.restored = std::move(*restored);
    return error_of(ErrorCode::step_failed,
                    said("{}; the snapshot {} was put back{}", failure, report.snapshot->string(),
                         report.restored->safety_snapshot
                             ? fmt::format(" (the state the command left is kept in {})",
                                           report.restored->safety_snapshot->string())
                             : std::string()));
}

// A dry run's database itself changed while the command ran: nothing protected it.
Error original_changed_error(const ExecOptions& options, const std::optional<Message>& failure) {
    const auto database = options.db.database.string();
    auto changed = said(
        "{} itself changed while the command ran, although this was a dry run and no snapshot "
        "was taken: the command did not work on the copy (give it the copy's path as {} in its "
        "arguments, or have it read BELAY_DB), or another process wrote {} meanwhile",
        database, k_database_placeholder, database);
    return error_of(ErrorCode::step_failed, failure ? said("{}; {}", *failure, changed) : changed);
}

// Sets the report's error (and undo, or restores) from how the command and the checks went.
void finish(const ExecOptions& options, ExecReport& report, const RunLock* lock) {
    if (report.command.left_processes) {
        report.notes.push_back(
            "processes the command started were still running when it exited; they may still "
            "change the database");
    }
    if (report.command.stopped_by != 0) {
        Message message("interrupted: the command was stopped");
        if (report.snapshot) {
            report.undo = restore_call(options.db.database, *report.snapshot);
            message +=
                said("; the database is as the command left it. To undo it: {}", *report.undo);
        }
        report.error = error_of(ErrorCode::interrupted, message);
        return;
    }
    auto failure = failure_of(options, report);
    if (report.original_changed) {
        report.error = original_changed_error(options, failure);
        return;
    }
    if (!failure) {
        return;
    }
    if (options.dry_run) {
        report.error = error_of(ErrorCode::step_failed,
                                said("{}; this was a dry run on a copy: {} is unchanged", *failure,
                                     options.db.database.string()));
    } else if (!report.snapshot) {
        report.error = error_of(ErrorCode::step_failed,
                                said("{}; the database held no data before the command, so "
                                     "there is no snapshot to go back to",
                                     *failure));
    } else if (options.restore_on_failure) {
        report.error = restore_after_failure(options, report, *failure, lock);
    } else {
        report.undo = restore_call(options.db.database, *report.snapshot);
        report.error = error_of(ErrorCode::step_failed,
                                said("{}; the database is as the command left it. To undo it, "
                                     "restore the snapshot: {}",
                                     *failure, *report.undo));
    }
}

Result<void> stop_if_cancelled(const ExecReport& report) {
    if (!cancellation_requested()) {
        return {};
    }
    return fail(ErrorCode::interrupted, "interrupted before the command started: nothing ran{}",
                report.snapshot ? fmt::format(" (the snapshot {} was taken and stays)",
                                              report.snapshot->string())
                                : std::string());
}

Result<ExecReport> exec_in_place(const ExecOptions& options, ExecReport report) {
    const auto& path = options.db.database;
    std::error_code ec;
    report.database_existed = std::filesystem::exists(path, ec);
    if (report.database_existed) {
        BELAY_TRY(sqlite::refuse_non_database(path));
        BELAY_TRY(sqlite::refuse_unwritable_database(path));
        BELAY_TRY(sqlite::refuse_hard_links(path));
    } else {
        BELAY_TRY(sqlite::refuse_unwritable_directory_of(path));
        report.notes.push_back(
            fmt::format("{} does not exist yet: there is nothing to snapshot", path.string()));
    }
    auto lock = RunLock::acquire(path, options.db.lock_timeout);
    BELAY_TRY(lock);
    BELAY_TRY(refuse_other_processes(options, report, "before the snapshot"));
    DatabaseFacts before;
    if (report.database_existed) {
        auto facts = snapshot_and_capture(options, report);
        BELAY_TRY(facts);
        before = std::move(*facts);
    }
    BELAY_TRY(refuse_other_processes(options, report, "before the command started"));
    BELAY_TRY(stop_if_cancelled(report));
    BELAY_TRY(run_command(options, path, report));
    note_other_processes(options, report);
    check_after(options, path, before, report);
    finish(options, report, &*lock);
    return report;
}

// The dry run's copy of the database in `scratch` (none when it does not exist), and its facts.
// The copy is closed before the command runs: the command has it to itself.
Result<DatabaseFacts> copy_and_capture(const ExecOptions& options,
                                       const std::filesystem::path& copy,
                                       const std::filesystem::path& scratch, ExecReport& report) {
    const auto& path = options.db.database;
    if (!report.database_existed) {
        report.notes.push_back(fmt::format(
            "{} does not exist yet: the command starts from no database", path.string()));
        return DatabaseFacts{};
    }
    BELAY_TRY(check_room_for_copy(path, scratch));
    auto source =
        sqlite::Database::open(path, sqlite::OpenMode::read_only, options.db.lock_timeout);
    BELAY_TRY(source);
    auto target = sqlite::Database::open(copy, sqlite::OpenMode::read_write_create);
    BELAY_TRY(target);
    if (auto copied = sqlite::copy_database(*source, *target); !copied) {
        auto error = with_context(copied.error(), "cannot make the dry run's copy");
        if (error.code == ErrorCode::step_failed) {
            error.code = ErrorCode::invalid_input;
            append(error, "; free some space, or point TMPDIR elsewhere");
        }
        return std::unexpected(std::move(error));
    }
    BELAY_TRY(source->close());
    return capture_facts(*target, options.db.history_table, report.notes);
}

Result<ExecReport> exec_dry_run(const ExecOptions& options, ExecReport report) {
    const auto& path = options.db.database;
    std::error_code ec;
    report.database_existed = std::filesystem::exists(path, ec);
    if (report.database_existed) {
        BELAY_TRY(sqlite::refuse_non_database(path));
    }
    auto scratch = ScratchDirectory::create("belay-exec");
    BELAY_TRY(scratch);
    const auto copy = scratch->path() / path.filename();
    auto before = copy_and_capture(options, copy, scratch->path(), report);
    BELAY_TRY(before);
    BELAY_TRY(stop_if_cancelled(report));
    // After the copy's source connection is closed: from here on, only the command or another
    // process can change the database's files.
    const auto original = stamp_database_files(path);
    BELAY_TRY(run_command(options, copy, report));
    report.original_changed = stamp_database_files(path) != original;
    check_after(options, copy, *before, report);
    finish(options, report, nullptr);
    return report;
}

}  // namespace

Result<ExecReport> run_exec(const ExecOptions& options) {
    BELAY_TRY(check_exec_options(options));
    // A command that cannot be found is refused before anything is done.
    BELAY_TRY(find_program(options.command.front()));
    ExecReport report;
    report.database = options.db.database;
    report.dry_run = options.dry_run;
    return options.dry_run ? exec_dry_run(options, std::move(report))
                           : exec_in_place(options, std::move(report));
}

}  // namespace belay::engine
