#include "engine/exec.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <fstream>
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

// What a file is now, to tell whether anything wrote it since: its identity, size and times.
struct FileStamp {
    bool exists = false;
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    std::pair<std::int64_t, std::int64_t> modified{};
    std::pair<std::int64_t, std::int64_t> changed{};
    bool operator==(const FileStamp&) const = default;
};

FileStamp stamp_of(const std::filesystem::path& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) {
        return {};
    }
    return FileStamp{true,
                     status.st_dev,
                     status.st_ino,
                     status.st_size,
                     {status.st_mtim.tv_sec, status.st_mtim.tv_nsec},
                     {status.st_ctim.tv_sec, status.st_ctim.tv_nsec}};
}

// The database's files whose bytes are its data: the file, its -wal and its -journal (the -shm
// is SQLite's shared memory index, which every reader may rebuild). Only stat(2): closing a
// descriptor of the database would drop the POSIX locks another connection of this process
// holds on it.
std::vector<FileStamp> data_stamps(const std::filesystem::path& database) {
    const auto name = database.string();
    auto wal = stamp_of(name + "-wal");
    if (wal.exists && wal.size == 0) {
        wal = FileStamp{};  // a reader of a WAL database makes one without writing anything
    }
    return {stamp_of(database), wal, stamp_of(name + "-journal")};
}

// Whether `database` has a hot journal: a -journal that starts with SQLite's journal header (a
// writer died in a transaction, or one is in one now). Opening the database rolls it back.
bool has_hot_journal(const std::filesystem::path& database) {
    constexpr std::array<unsigned char, 8> k_magic{0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7};
    std::ifstream journal(database.string() + "-journal", std::ios::binary);
    std::array<char, 8> header{};
    if (!journal.read(header.data(), header.size())) {
        return false;
    }
    return std::equal(header.begin(), header.end(), k_magic.begin(),
                      [](char a, unsigned char b) { return static_cast<unsigned char>(a) == b; });
}

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
        if (name == "BELAY_DB" || name == "BELAY_SNAPSHOT") {
            return fail(ErrorCode::invalid_input,
                        "{} {}: belay sets {} itself, to the path the command must use; use "
                        "another name (nothing was run)",
                        Option::environment, name, name);
        }
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

// " (the snapshot X was taken and stays)" when a snapshot was taken, for a run that stops
// before the command runs; "" otherwise.
std::string snapshot_stays(const ExecReport& report) {
    return report.snapshot
               ? fmt::format(" (the snapshot {} was taken and stays)", report.snapshot->string())
               : std::string();
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
                "{}: {}, {}. Putting the snapshot back after a failure would lose what is written "
                "meanwhile, so nothing was run{}. Stop the application first (an upgrade needs "
                "the database to itself), or run without {}",
                Option::restore_on_failure, describe_others(report.other_processes), when,
                snapshot_stays(report), Option::restore_on_failure);
}

// Takes the snapshot under the write lock and reads the facts in the same transaction: nothing
// can commit between the two. An empty file (0 bytes) needs no snapshot: it holds nothing, not
// even a header (a database with no tables may still hold its user_version).
Result<DatabaseFacts> snapshot_and_capture(const ExecOptions& options, ExecReport& report) {
    const auto& path = options.db.database;
    auto version = read_version_for_backup(options.db);
    BELAY_TRY(version);
    auto db = sqlite::Database::open(path, sqlite::OpenMode::read_write, options.db.lock_timeout);
    BELAY_TRY(db);
    auto transaction = sqlite::Transaction::begin_immediate(*db);
    BELAY_TRY(transaction);
    std::error_code ec;
    if (std::filesystem::file_size(path, ec) > 0 || ec) {
        const auto started = Clock::now();
        auto snapshot = snapshot_beside_own_connection(
            options.db, std::string(k_reason_before_exec), *version, options.backup_progress);
        BELAY_TRY(snapshot);
        report.snapshot = snapshot->path;
        report.snapshot_ms = milliseconds_since(started);
    } else {
        report.notes.push_back("the database file is empty: no snapshot is needed");
    }
    auto facts = capture_facts(*db, options.db.history_table, report.notes);
    BELAY_TRY(facts);
    BELAY_TRY(transaction->rollback());
    return facts;
}

// `path` as the command is given it: a relative path starting with '-' gets "./", so that the
// command does not read it as an option of its own.
std::string path_for_command(const std::filesystem::path& path) {
    const auto text = path.string();
    return text.starts_with('-') ? "./" + text : text;
}

// Runs the command on `target`, placeholders replaced and BELAY_DB, BELAY_SNAPSHOT set.
Result<void> run_command(const ExecOptions& options, const std::filesystem::path& target,
                         ExecReport& report) {
    ChildCommand child;
    const auto path = path_for_command(target);
    for (const auto& word : options.command) {
        child.argv.push_back(substituted(word, path));
    }
    child.environment = {
        {"BELAY_DB", path},
        {"BELAY_SNAPSHOT", report.snapshot ? path_for_command(*report.snapshot) : ""}};
    for (const auto& [name, value] : options.environment) {
        child.environment.emplace_back(name, substituted(value, path));
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
            append(error, said("{}", snapshot_stays(report)));
        }
        return std::unexpected(std::move(error));
    }
    report.command.exit_status = outcome->exit_status;
    report.command.signal = outcome->signal;
    report.command.timed_out = outcome->timed_out;
    report.command.stopped_by = outcome->stopped_by;
    report.command.left_processes = outcome->left_processes;
    report.command.left_pids = outcome->left_pids;
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
        report.unchecked = after.error();
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
    if (report.unchecked) {
        return said("the checks after the command could not be made: {}", *report.unchecked);
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
// The file the database's path leads to, symlinks followed ("" when it cannot be told).
std::filesystem::path resolved(const std::filesystem::path& path) {
    std::error_code ec;
    auto file = std::filesystem::weakly_canonical(path, ec);
    return ec ? std::filesystem::path() : file;
}

Error restore_after_failure(const ExecOptions& options, ExecReport& report, Message failure,
                            const RunLock* lock, const std::filesystem::path& resolved_before) {
    const auto undo = restore_call(options.db.database, *report.snapshot);
    report.undo = undo;
    if (!report.other_processes.empty() || report.command.left_processes) {
        // Both are named when both hold: which one a scan sees first is a race.
        std::vector<std::string> holders;
        if (!report.other_processes.empty()) {
            holders.push_back(describe_others(report.other_processes));
        }
        if (report.command.left_processes) {
            holders.push_back(fmt::format("processes the command started still run (pid {})",
                                          fmt::join(report.command.left_pids, ", ")));
        }
        const auto who = fmt::format("{}", fmt::join(holders, "; "));
        return error_of(ErrorCode::refused,
                        said("{}. The snapshot was NOT put back: {}, and putting it back would "
                             "lose what was written since. Stop them, then restore it: {}",
                             failure, who, undo));
    }
    if (const auto now = resolved(options.db.database); now != resolved_before) {
        return error_of(ErrorCode::refused,
                        said("{}. The snapshot was NOT put back: {} led to {} before the "
                             "command and leads to {} now (the command replaced it with a "
                             "symlink, or moved a directory), and a restore there would write "
                             "over another file. See what the command did; to restore the "
                             "snapshot anyway: {}",
                             failure, options.db.database.string(), resolved_before.string(),
                             now.string(), undo));
    }
    report.undo.reset();
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

// Sets the report's error (and undo, or restores) from how the command and the checks went.
void finish(const ExecOptions& options, ExecReport& report, const RunLock* lock,
            const std::filesystem::path& resolved_before) {
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
    if (!failure && !report.database_changed) {
        return;
    }
    if (options.dry_run && report.database_changed) {
        report.error = error_of(
            ErrorCode::step_failed,
            said("the command wrote to {} itself, although this was a dry run: it did not take "
                 "the copy's path from {} or BELAY_DB, but found the database on its own (a "
                 "config file, an environment variable such as DATABASE_URL). {} is NOT as it "
                 "was, and a dry run takes no snapshot: copy it now, see what changed, and make "
                 "the command take its path from belay",
                 options.db.database.string(), k_database_placeholder,
                 options.db.database.string()));
    } else if (options.dry_run) {
        report.error = error_of(ErrorCode::step_failed,
                                said("{}; this was a dry run on a copy: {} is unchanged", *failure,
                                     options.db.database.string()));
    } else if (!report.snapshot) {
        report.error = error_of(ErrorCode::step_failed,
                                said("{}; the database held no data before the command, so "
                                     "there is no snapshot to go back to",
                                     *failure));
    } else if (options.restore_on_failure) {
        report.error = restore_after_failure(options, report, *failure, lock, resolved_before);
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
                snapshot_stays(report));
}

Result<ExecReport> exec_in_place(const ExecOptions& options, ExecReport report) {
    const auto& path = options.db.database;
    if (report.database_existed) {
        BELAY_TRY(sqlite::refuse_unwritable_database(path));
        BELAY_TRY(sqlite::refuse_hard_links(path));
    } else {
        BELAY_TRY(sqlite::refuse_unwritable_directory_of(path));
        report.notes.push_back(
            fmt::format("{} does not exist yet: there is nothing to snapshot", path.string()));
    }
    auto lock = RunLock::acquire(path, options.db.lock_timeout);
    BELAY_TRY(lock);
    const auto resolved_before = resolved(path);
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
    finish(options, report, &*lock, resolved_before);
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
    if (report.database_existed) {
        if (has_hot_journal(path)) {
            return fail(path, ErrorCode::refused,
                        "{} has a hot journal ({}-journal): a writer died in a transaction, or "
                        "is in one now. Reading the database rolls that back, which would "
                        "change it, and a dry run changes nothing: run it again once no "
                        "writer is active, or after `{}`, which rolls it back",
                        path.string(), path.string(), run(Command::check));
        }
    }
    auto scratch = ScratchDirectory::create("belay-exec");
    BELAY_TRY(scratch);
    const auto copy = scratch->path() / path.filename();
    auto before = copy_and_capture(options, copy, scratch->path(), report);
    BELAY_TRY(before);
    // After belay's own read: what the command does to the database itself shows from here.
    const auto stamps = data_stamps(path);
    BELAY_TRY(stop_if_cancelled(report));
    BELAY_TRY(run_command(options, copy, report));
    report.database_changed = data_stamps(path) != stamps;
    check_after(options, copy, *before, report);
    finish(options, report, nullptr, {});
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
    std::error_code ec;
    report.database_existed = std::filesystem::exists(options.db.database, ec);
    if (report.database_existed) {
        BELAY_TRY(sqlite::refuse_non_database(options.db.database));
    }
    return options.dry_run ? exec_dry_run(options, std::move(report))
                           : exec_in_place(options, std::move(report));
}

}  // namespace belay::engine
