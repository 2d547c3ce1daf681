#include "engine/migrate.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/log.hpp"
#include "core/migration_parser.hpp"

#include "belay/cancellation.hpp"
#include "core/backup_metadata.hpp"
#include "core/durable_file.hpp"
#include "core/elapsed.hpp"
#include "core/plan.hpp"
#include "engine/backups.hpp"
#include "engine/database_state.hpp"
#include "engine/migration_set.hpp"
#include "engine/run_lock.hpp"
#include "engine/scratch_directory.hpp"
#include "engine/step_runner.hpp"
#include "sqlite/backup.hpp"
#include "sqlite/database.hpp"
#include "sqlite/execution_guard.hpp"
#include "sqlite/history_store.hpp"
#include "sqlite/schema_inspection.hpp"

namespace belay::engine {

namespace {

std::vector<PlannedStep> going(const std::vector<const Migration*>& migrations,
                               Direction direction) {
    std::vector<PlannedStep> steps;
    for (const auto* migration : migrations) {
        steps.push_back(PlannedStep{.migration = migration, .direction = direction});
    }
    return steps;
}

// The steps of this run, in order, or the reason it is refused (before anything is written).
Result<std::vector<PlannedStep>> select_steps(const MigrateOptions& options, const Plan& plan,
                                              const MigrationSet& set) {
    if (options.operation == Operation::migrate) {
        auto up = select_up_steps(plan, UpPolicy{options.target, options.allow_out_of_order});
        return up ? Result<std::vector<PlannedStep>>(going(*up, Direction::up))
                  : std::unexpected(up.error());
    }
    DownPolicy policy{.target = {}, .steps = 1, .allow_missing_down = options.allow_missing_down};
    if (options.operation == Operation::down) {
        policy.target = options.target;
        policy.steps = options.steps;
    } else if (options.operation != Operation::redo) {
        policy.target = Version::parse("0");
    }
    auto down = select_down_steps(plan, policy);
    BELAY_TRY(down);
    auto steps = going(*down, Direction::down);
    if (options.operation == Operation::redo && !down->empty()) {
        steps.push_back(PlannedStep{.migration = down->front(), .direction = Direction::up});
    } else if (options.operation == Operation::refresh) {
        // After the reset nothing is applied: every file is pending, in version order.
        const auto fresh = build_plan(set.migrations, History{});
        auto up = select_up_steps(fresh, UpPolicy{});
        BELAY_TRY(up);
        std::ranges::move(going(*up, Direction::up), std::back_inserter(steps));
    }
    return steps;
}

// Whether a run of `steps` leaves no versioned migration pending: a migrate run that applies
// every pending one, a redo when none was pending, a refresh.
bool leaves_none_pending(Operation operation, const Plan& plan,
                         const std::vector<PlannedStep>& steps) {
    switch (operation) {
        case Operation::migrate:
            return steps.size() == plan.pending().size();
        case Operation::redo:
            return plan.pending().empty();
        case Operation::refresh:
            return true;
        case Operation::down:
        case Operation::reset:
            break;
    }
    return false;
}

// A run that leaves no versioned migration pending ends with the repeatable migrations that are
// due, as Flyway's migrate does: those never applied or changed since, and every one after a run
// that reverts a step (redo, refresh), since a reverted step forgets them all: what they made
// may have gone with what it dropped (HistoryStore::forget_repeatables). A migrate run that stops
// before the newest version (a target) applies none, and says so: a repeatable migration may use
// what a later version creates. down and reset apply none (note_repeatables_due_again).
void add_repeatables(const MigrateOptions& options, const MigrationSet& set, const Plan& plan,
                     const History& history, std::vector<PlannedStep>& steps, RunReport& report) {
    const bool reverts = std::ranges::any_of(
        steps, [](const PlannedStep& step) { return step.direction == Direction::down; });
    std::vector<const RepeatableMigration*> due;
    if (reverts) {
        for (const auto& repeatable : set.repeatables) {
            due.push_back(&repeatable);
        }
    } else {
        due = repeatables_due(set.repeatables, history);
    }
    if (due.empty()) {
        return;
    }
    if (leaves_none_pending(options.operation, plan, steps)) {
        for (const auto* repeatable : due) {
            steps.push_back(PlannedStep{
                .migration = nullptr, .direction = Direction::up, .repeatable = repeatable});
        }
    } else if (options.operation == Operation::migrate) {
        report.notes.push_back(
            said("{} repeatable migration(s) due are not applied: this run stops before the "
                 "newest version ({} {}), and a repeatable migration may use what a later version "
                 "creates; they run with the run that applies the newest",
                 due.size(), Option::target, options.target ? options.target->text() : ""));
    }
}

// After a run that forgot the repeatable migrations (a step it reverted, or a Down without a
// transaction it started: see add_repeatables) and did not apply them again at its end (down,
// reset, or a redo or refresh that failed), a note that they run again; a rehearsal's says they
// would.
void note_repeatables_due_again(const MigrateOptions& options, const MigrationSet& set,
                                RunReport& report) {
    const bool forgot = std::ranges::any_of(report.steps, [](const StepReport& step) {
        const bool failed =
            step.result == StepResult::failed || step.result == StepResult::would_fail;
        return step.direction == Direction::down &&
               (step.result == StepResult::reverted || step.result == StepResult::would_revert ||
                (failed && step.no_transaction));
    });
    const bool reapplied = options.operation != Operation::down &&
                           options.operation != Operation::reset && !report.error;
    if (set.repeatables.empty() || !forgot || reapplied) {
        return;
    }
    report.notes.push_back(
        said("{} repeatable migration(s) {} again with the next `{}` that applies the newest "
             "version: what they made may have gone with what this run reverted or began to "
             "(a table's triggers go with it), so belay {} that they were applied",
             set.repeatables.size(), options.dry_run ? "would run" : "run", run(Command::migrate),
             options.dry_run ? "would forget" : "forgets"));
}

Result<std::vector<PlannedStep>> plan_steps(const MigrateOptions& options, const MigrationSet& set,
                                            const History& history, RunReport& report) {
    const auto plan = build_plan(set.migrations, history);
    report.version_before = plan.current_version;
    report.version_after = plan.current_version;
    auto steps = select_steps(options, plan, set);
    BELAY_TRY(steps);
    add_repeatables(options, set, plan, history, *steps, report);
    return steps;
}

StepResult rehearsed(StepResult result) {
    switch (result) {
        case StepResult::applied:
            return StepResult::would_apply;
        case StepResult::reverted:
            return StepResult::would_revert;
        case StepResult::failed:
            return StepResult::would_fail;
        default:
            return result;
    }
}

// The report of a step the run did not get to.
StepReport not_run(const PlannedStep& step) {
    StepReport skipped;
    if (step.repeatable != nullptr) {
        skipped.name = step.repeatable->name;
        skipped.repeatable = true;
        return skipped;
    }
    skipped.version = step.migration->version.text();
    skipped.name = step.migration->name;
    skipped.direction = step.direction;
    skipped.no_transaction = step.migration->no_transaction(step.direction);
    return skipped;
}

// Runs `steps` in order on `db`, stopping at the first failure, then runs quick_check.
// `on_write_lock`, when set, runs inside the first transactional step right after it took the
// write lock (the snapshot).
void run_steps(sqlite::Database& db, const std::vector<PlannedStep>& steps,
               const MigrateOptions& options, RunReport& report,
               std::function<Result<void>()> on_write_lock = nullptr,
               std::optional<std::chrono::milliseconds> first_wait = std::nullopt) {
    sqlite::HistoryStore history(db, options.db.history_table);
    sqlite::ExecutionGuard guard(db, options.db.lock_timeout, first_wait);
    StepContext context{.db = db,
                        .history = history,
                        .guard = guard,
                        .options = options,
                        .on_write_lock = std::move(on_write_lock)};
    for (const auto& step : steps) {
        if (!report.error && cancellation_requested()) {
            report.error =
                error_of(ErrorCode::interrupted, "interrupted by a signal between steps");
        }
        if (report.error) {
            report.steps.push_back(not_run(step));
            continue;
        }
        auto outcome = step.repeatable != nullptr
                           ? apply_repeatable(context, *step.repeatable)
                           : apply_step(context, *step.migration, step.direction);
        if (options.dry_run) {
            outcome.report.result = rehearsed(outcome.report.result);
        }
        report.steps.push_back(std::move(outcome.report));
        report.error = std::move(outcome.error);
    }
    if (!report.error) {
        const auto check_started = std::chrono::steady_clock::now();
        auto problems = sqlite::check_integrity(db, false);
        report.final_check_ms = milliseconds_since(check_started);
        if (!problems) {
            report.error = problems.error();
        } else if (!problems->empty()) {
            report.error = error_of(ErrorCode::step_failed,
                                    fmt::format("{}: quick_check after the run reports: {}",
                                                db.path().string(), problems->front()));
        }
    }
}

// Takes the snapshot before the run and records it in the report.
Result<void> snapshot_before_run(const MigrateOptions& options, RunReport& report) {
    // The run's connection is open (and, inside the first step, holds the write lock).
    const auto started = std::chrono::steady_clock::now();
    auto snapshot = snapshot_beside_own_connection(
        options.db,
        std::string(options.operation == Operation::migrate ? k_reason_before_migrate
                                                            : k_reason_before_down),
        report.version_before, options.backup_progress);
    BELAY_TRY(snapshot);
    report.snapshot = snapshot->path.string();
    report.undo = snapshot->undo;
    report.snapshot_ms = milliseconds_since(started);
    if (options.on_snapshot) {
        BELAY_TRY(options.on_snapshot(*report.snapshot));
    }
    return {};
}

// --keep N: after a successful run, prune this database's backups as `db prune --keep N`
// would. A failure to prune is a note, never a failed run.
void prune_after_run(const MigrateOptions& options, RunReport& report) {
    PruneOptions prune{.db = options.db,
                       .keep = options.keep,
                       .keep_days = std::nullopt,
                       .dry_run = false,
                       .protect = std::nullopt};
    if (report.snapshot) {
        prune.protect = *report.snapshot;  // never this run's own snapshot, whatever the clock
    }
    auto pruned = run_prune(prune, std::chrono::system_clock::now());
    if (!pruned) {
        report.notes.push_back(said("{}: pruning failed: {}", Option::keep, pruned.error()));
        return;
    }
    for (const auto& entry : pruned->removed) {
        report.pruned.push_back(entry.path.string());
    }
}

// Decides how this run is protected: a snapshot taken under the first step's write lock,
// one taken before a NoTransaction first step, none for an empty database or --no-backup.
// Returns the hook for run_steps (empty when the snapshot was taken here or is not needed).
Result<std::function<Result<void>()>> plan_snapshot(sqlite::Database& db,
                                                    const MigrateOptions& options,
                                                    const std::vector<PlannedStep>& steps,
                                                    RunReport& report) {
    if (!options.backup) {
        const auto warning = said(
            "{}: NO SNAPSHOT is taken; if a step fails, earlier steps stay "
            "applied and there is no backup to restore",
            Option::no_backup);
        if (options.on_warning) {
            options.on_warning(warning);
        } else {
            logger()->warn("{}", warning.text());
        }
        report.notes.push_back(
            said("{}: no snapshot was taken before this run", Option::no_backup));
        return nullptr;
    }
    auto has_objects = sqlite::has_objects(db);
    BELAY_TRY(has_objects);
    if (!*has_objects) {
        report.notes.push_back("the database is new and empty: no snapshot is needed");
        return nullptr;
    }
    const auto* first_migration = steps.front().migration;
    if (first_migration != nullptr && first_migration->no_transaction(steps.front().direction)) {
        const auto& first = *first_migration;
        report.notes.push_back(fmt::format(
            "the first step ({}_{}) runs without a transaction, so the snapshot cannot hold the "
            "write lock into it: another writer could commit between the snapshot and that step",
            first.version.text(), first.name));
        BELAY_TRY(snapshot_before_run(options, report));
        return nullptr;
    }
    return [&options, &report]() -> Result<void> { return snapshot_before_run(options, report); };
}

// reset and refresh revert every applied migration: they need --yes or a confirmation.
Result<void> confirm_destructive_run(const MigrateOptions& options,
                                     const std::vector<PlannedStep>& steps) {
    if (options.operation != Operation::reset && options.operation != Operation::refresh) {
        return {};
    }
    const auto reverts = std::ranges::count_if(
        steps, [](const PlannedStep& step) { return step.direction == Direction::down; });
    if (options.assume_yes || reverts == 0) {
        return {};
    }
    const auto what = said(
        "{} reverts all {} applied migration(s) of {}{}", named(command_of(options.operation)),
        reverts, options.db.database.string(),
        options.operation == Operation::refresh ? " and then applies every migration again" : "");
    if (!options.confirm) {
        return fail(ErrorCode::refused,
                    "{}; without a terminal to confirm on, pass {}. Nothing was changed", what,
                    Option::assume_yes);
    }
    if (!options.confirm(said("{}, after a snapshot. Go ahead?", what))) {
        return fail(ErrorCode::refused, "{} not confirmed; nothing was changed",
                    named(command_of(options.operation)));
    }
    return {};
}

// The database a run works on, opened under the run lock.
struct RunDatabase {
    RunLock lock;  // declared first: released after the connection closes
    sqlite::Database db;
    bool created = false;  // the file did not exist: the run creates it
    // What the run lock's wait left of the lock timeout, for the first step's write lock.
    std::chrono::milliseconds first_wait{1};
};

// With expected_file: the file the connection opened must be that one.
Result<void> refuse_another_file(const MigrateOptions& options, const sqlite::Database& db) {
    if (!options.expected_file) {
        return {};
    }
    const sqlite::FileIdentity expected{options.expected_file->first,
                                        options.expected_file->second};
    auto opened = db.opened_file();
    if (!opened) {  // SQLite's open was not seen: the path, as it stands now
        struct stat st {};
        if (::stat(options.db.database.c_str(), &st) == 0) {
            opened = sqlite::FileIdentity{static_cast<std::uint64_t>(st.st_dev),
                                          static_cast<std::uint64_t>(st.st_ino)};
        }
    }
    std::error_code ec;
    if (opened == expected && std::filesystem::file_size(options.db.database, ec) == 0 && !ec) {
        // Emptied since it was given: not a database any more, and this run creates none.
        return fail(options.db.database, ErrorCode::invalid_input,
                    "{} is empty (0 bytes) now; it was not changed", options.db.database.string());
    }
    if (opened == expected) {
        return {};
    }
    return fail(options.db.database, ErrorCode::invalid_input,
                "{} names another file than the one this run was given (it was replaced or "
                "swapped for a link); it was not changed: run again to look at it afresh",
                options.db.database.string());
}

// Takes the run lock and opens (or creates) the database. A file that is not a database is
// refused before the run lock's file is made beside it; backup_only refuses a missing one.
Result<RunDatabase> open_for_run(const MigrateOptions& options) {
    const auto& path = options.db.database;
    std::error_code ec;
    const bool existed = std::filesystem::exists(path, ec);
    if (options.backup_only && !existed) {
        return fail(path, ErrorCode::invalid_input,
                    "{}: database {} does not exist; there is nothing to back up",
                    Option::backup_only, path.string());
    }
    if (existed) {
        BELAY_TRY(sqlite::refuse_non_database(path));
    }
    // The run lock comes first, so the history the run reads cannot change under it. Waiting
    // for it counts against the lock timeout: the first step's wait for the write lock gets
    // what is left.
    const auto lock_started = std::chrono::steady_clock::now();
    auto lock = RunLock::acquire(path, options.db.lock_timeout);
    BELAY_TRY(lock);
    const auto waited = std::chrono::milliseconds(milliseconds_since(lock_started));
    auto db = sqlite::Database::open(
        path,
        options.create_missing ? sqlite::OpenMode::read_write_create : sqlite::OpenMode::read_write,
        options.db.lock_timeout);
    BELAY_TRY(db);
    BELAY_TRY(refuse_another_file(options, *db));
    return RunDatabase{std::move(*lock), std::move(*db), !existed,
                       std::max(options.db.lock_timeout - waited, std::chrono::milliseconds(1))};
}

Result<RunReport> migrate_in_place(const MigrateOptions& options, const MigrationSet& set,
                                   RunReport report) {
    auto run = open_for_run(options);
    BELAY_TRY(run);
    report.created_database = run->created;
    auto history = read_history(run->db, options.db.history_table);
    BELAY_TRY(history);
    if (options.backup_only) {
        // A backup is always safe to take, even in a state a run would refuse (dirty, ...).
        report.version_before = build_plan(set.migrations, *history).current_version;
        report.version_after = report.version_before;
        BELAY_TRY(snapshot_before_run(options, report));
        return report;
    }
    if (guards_against_foreign_history(options.db)) {
        BELAY_TRY(refuse_foreign_overlap(run->db, *history, set.migrations));
    }
    auto steps = plan_steps(options, set, *history, report);
    BELAY_TRY(steps);
    if (steps->empty()) {
        return report;
    }
    // A read-only file or directory would let the snapshot be taken and then fail the first
    // step half-way through its bookkeeping: refuse before anything is written.
    BELAY_TRY(sqlite::refuse_unwritable_database(options.db.database));
    BELAY_TRY(confirm_destructive_run(options, *steps));
    auto hook = plan_snapshot(run->db, options, *steps, report);
    BELAY_TRY(hook);
    run_steps(run->db, *steps, options, report, std::move(*hook), run->first_wait);
    note_repeatables_due_again(options, set, report);
    report.version_after = read_version_after(run->db, options.db.history_table, set.migrations);
    if (!report.error && options.keep) {
        prune_after_run(options, report);
    }
    return report;
}

// The rehearsal's database in `scratch`: a copy of `source` (closed once copied), or an empty
// one when the database does not exist yet. A dry run writes no backup: a copy that could not
// be written (a full TMPDIR, say) is a problem of where it was written (invalid_input), as
// check_room_for_copy says.
Result<sqlite::Database> copy_for_rehearsal(std::optional<sqlite::Database>& source,
                                            const std::filesystem::path& path,
                                            const std::filesystem::path& scratch) {
    BELAY_TRY(check_room_for_copy(path, scratch));
    auto copy =
        sqlite::Database::open(scratch / path.filename(), sqlite::OpenMode::read_write_create);
    if (!copy || !source) {
        return copy;
    }
    if (auto copied = sqlite::copy_database(*source, *copy); !copied) {
        auto error = with_context(copied.error(), "cannot rehearse");
        if (error.code == ErrorCode::step_failed) {
            error.code = ErrorCode::invalid_input;
            append(error,
                   "; free some space (or raise the file size limit), or point TMPDIR elsewhere");
        }
        return std::unexpected(std::move(error));
    }
    BELAY_TRY(source->close());
    return copy;
}

// The dry run: plan against the real database opened read-only, then run the steps on a copy
// in a scratch directory. The real files are never opened for writing.
Result<RunReport> rehearse(const MigrateOptions& options, const MigrationSet& set,
                           RunReport report) {
    const auto& path = options.db.database;
    std::error_code ec;
    std::optional<sqlite::Database> source;
    History history;
    if (std::filesystem::exists(path, ec)) {
        auto opened =
            sqlite::Database::open(path, sqlite::OpenMode::read_only, options.db.lock_timeout);
        BELAY_TRY(opened);
        auto read = read_history(*opened, options.db.history_table);
        BELAY_TRY(read);
        if (guards_against_foreign_history(options.db)) {
            BELAY_TRY(refuse_foreign_overlap(*opened, *read, set.migrations));
        }
        history = std::move(*read);
        source = std::move(*opened);
    } else {
        report.notes.push_back(fmt::format(
            "{} does not exist yet; the rehearsal starts from an empty database", path.string()));
    }
    auto steps = plan_steps(options, set, history, report);
    if (!steps || steps->empty()) {
        return steps ? Result<RunReport>(std::move(report)) : std::unexpected(steps.error());
    }
    auto scratch = ScratchDirectory::create("belay-dry-run");
    BELAY_TRY(scratch);
    auto copy = copy_for_rehearsal(source, path, scratch->path());
    BELAY_TRY(copy);
    run_steps(*copy, *steps, options, report);
    note_repeatables_due_again(options, set, report);
    // A step that failed only because the copy in TMPDIR had no room to grow would not fail in
    // the real run: a problem of where the rehearsal ran (exit 2), not of the migration.
    if (report.error && sqlite::is_out_of_room(report.error->message)) {
        return fail(scratch->path().parent_path(), ErrorCode::invalid_input,
                    "cannot rehearse: the copy of {} in {} ran out of room ({}); free some space "
                    "(or raise the file size limit), or point TMPDIR elsewhere. Nothing was "
                    "changed",
                    path.string(), scratch->path().parent_path().string(), report.error->message);
    }
    report.version_after = read_version_after(*copy, options.db.history_table, set.migrations);
    return report;
}

}  // namespace

Result<void> check_lock_timeout(const DatabaseOptions& options) {
    if (options.lock_timeout < std::chrono::milliseconds(0) ||
        options.lock_timeout > k_max_timeout) {
        return fail(ErrorCode::invalid_input,
                    "lock_timeout {} ms: give between 0 and {:.0f} s ({})",
                    options.lock_timeout.count(), k_max_timeout_seconds, Option::lock_timeout);
    }
    return {};
}

Result<void> check_step_timeout(std::chrono::milliseconds step_timeout) {
    if (step_timeout < std::chrono::milliseconds(1) || step_timeout > k_max_timeout) {
        return fail(ErrorCode::invalid_input,
                    "step_timeout {} ms: give between 1 ms and {:.0f} s ({})", step_timeout.count(),
                    k_max_timeout_seconds, Option::step_timeout);
    }
    return {};
}

namespace {

// What the CLI checks on its command line, checked again for programs that fill the options
// themselves. Messages name the option fields.
Result<void> check_run_options(const MigrateOptions& options) {
    BELAY_TRY(check_step_timeout(options.step_timeout));
    BELAY_TRY(check_lock_timeout(options.db));
    if (options.keep && *options.keep < 1) {
        return fail(ErrorCode::invalid_input, "keep {}: keep at least 1 backup ({})", *options.keep,
                    Option::keep);
    }
    if (options.operation == Operation::down && !options.target && options.steps < 1) {
        return fail(ErrorCode::invalid_input, "steps {}: revert at least 1 migration ({})",
                    options.steps, Option::steps);
    }
    if (options.backup_only && (!options.backup || options.dry_run)) {
        return fail(ErrorCode::invalid_input,
                    "backup_only with {}: they contradict each other ({})",
                    options.dry_run ? "dry_run" : "backup = false", Option::backup_only);
    }
    return {};
}

// Everything a run checks before it opens the database, shared by run_migrate and plan_run
// so that both refuse the same things in the same order.
Result<std::shared_ptr<const MigrationSet>> prepare_run(const MigrateOptions& options) {
    BELAY_TRY(check_run_options(options));
    Result<std::shared_ptr<const MigrationSet>> loaded = options.migration_set;
    if (!options.migration_set) {
        auto read = load_migration_set(options.db);
        BELAY_TRY(read);
        loaded = std::make_shared<const MigrationSet>(std::move(*read));
    }
    const auto& set = *loaded;
    if (set->migrations.empty() && options.db.embedded_migrations) {
        return fail(ErrorCode::invalid_input,
                    "the program's list of embedded migrations is empty; add one "
                    "(belay::EmbeddedMigration) or load them from a directory instead");
    }
    // A folder of repeatable migrations alone is Flyway's to run (they apply as after the newest
    // version, which is none).
    if (set->migrations.empty() && set->repeatables.empty()) {
        return fail(options.db.migrations_dir, ErrorCode::invalid_input,
                    "{} holds no migration files (<version>_<name>.sql); create one with `{}` or "
                    "point {} at the right directory",
                    options.db.migrations_dir.string(), run(Command::create, {placeholder("NAME")}),
                    Option::migrations_dir);
    }
    // An unknown --to is a usage error: refuse it before the database is created or opened.
    if (options.operation == Operation::migrate && options.target) {
        BELAY_TRY(refuse_unknown_up_target(set->migrations, *options.target));
    }
    std::error_code ec;
    if (!options.create_missing && !std::filesystem::exists(options.db.database, ec)) {
        return fail(options.db.database, ErrorCode::invalid_input,
                    "database {} does not exist, and this run does not create one (check {})",
                    options.db.database.string(), Option::database);
    }
    if (options.operation != Operation::migrate &&
        !std::filesystem::exists(options.db.database, ec)) {
        return fail(options.db.database, ErrorCode::invalid_input,
                    "database {} does not exist; there is nothing to revert (check {})",
                    options.db.database.string(), Option::database);
    }
    return loaded;
}

}  // namespace

Result<RunReport> run_migrate(const MigrateOptions& options) {
    auto set = prepare_run(options);
    BELAY_TRY(set);
    RunReport report;
    report.database = options.db.database.string();
    report.operation = options.operation;
    report.dry_run = options.dry_run;
    report.notes.assign((*set)->notes.begin(), (*set)->notes.end());
    return options.dry_run ? rehearse(options, **set, std::move(report))
                           : migrate_in_place(options, **set, std::move(report));
}

Result<RunPlan> plan_run(const MigrateOptions& options) {
    auto set = prepare_run(options);
    BELAY_TRY(set);
    RunPlan plan{
        .database = options.db.database.string(), .operation = options.operation, .steps = {}};
    // Read as db status reads it: read-only, creating nothing, a missing database is empty.
    auto state = read_database_state(options.db);
    BELAY_TRY(state);
    BELAY_TRY(refuse_foreign_overlap(options.db, state->history, (*set)->migrations));
    const History& history = state->history;
    RunReport versions;
    auto steps = plan_steps(options, **set, history, versions);
    BELAY_TRY(steps);
    plan.version_before = versions.version_before;
    for (const auto& step : *steps) {
        if (step.repeatable != nullptr) {
            plan.steps.push_back(PlannedRunStep{.version = {},
                                                .name = step.repeatable->name,
                                                .direction = Direction::up,
                                                .no_transaction = false,
                                                .repeatable = true});
            continue;
        }
        plan.steps.push_back(
            PlannedRunStep{.version = step.migration->version.text(),
                           .name = step.migration->name,
                           .direction = step.direction,
                           .no_transaction = step.migration->no_transaction(step.direction),
                           .repeatable = false});
    }
    return plan;
}

}  // namespace belay::engine
