#include "engine/step_runner.hpp"

#include <chrono>
#include <utility>

#include <fmt/ranges.h>
#include "core/log.hpp"

#include "core/elapsed.hpp"
#include "core/plan.hpp"
#include "core/statement_rules.hpp"
#include "sqlite/connection_settings.hpp"
#include "sqlite/database.hpp"
#include "sqlite/execution_guard.hpp"
#include "sqlite/history_store.hpp"
#include "sqlite/schema_inspection.hpp"
#include "sqlite/script_runner.hpp"
#include "sqlite/transaction.hpp"
#include "sqlite/validation_probe.hpp"

namespace belay::engine {

namespace {

using Clock = std::chrono::steady_clock;

// Holds the migration's statements to belay's statement rules (core/statement_rules.hpp) for
// the object's lifetime: from the step's first statement to the end of its validation. belay's
// own writes (the history row) come after, with the rules lifted.
class HeldToRules {
  public:
    HeldToRules(sqlite::ExecutionGuard& guard, const std::string& history_table) : m_guard(guard) {
        guard.hold_statements_to(StatementRules{.history_table = history_table});
    }
    ~HeldToRules() { m_guard.release_statements(); }
    HeldToRules(const HeldToRules&) = delete;
    HeldToRules& operator=(const HeldToRules&) = delete;

  private:
    sqlite::ExecutionGuard& m_guard;
};

// How messages name the step: "0007_add_x", or "R__views" for a repeatable migration.
std::string label_of(const Migration& migration, const RepeatableMigration* repeatable) {
    return repeatable != nullptr ? fmt::format("R__{}", repeatable->name)
                                 : fmt::format("{}_{}", migration.version.text(), migration.name);
}

std::chrono::milliseconds step_budget(const StepContext& context, const Migration& migration) {
    return migration.timeout.value_or(context.options.step_timeout);
}

// The validation state before a step: the one the previous step ended with when no other
// connection has committed since (data_version counts only other connections' commits; this
// connection's own history rows touch no table with foreign keys, views or triggers), else
// captured now.
Result<sqlite::ValidationState> state_before_step(StepContext& context, std::int64_t data_version) {
    auto carried = std::exchange(context.carried, std::nullopt);
    if (carried && carried->data_version == data_version) {
        return std::move(carried->state);
    }
    if (auto ok = context.catalog.refresh(context.db, context.history.table()); !ok) {
        return std::unexpected(with_context(ok.error(), "validation query failed"));
    }
    return sqlite::capture_validation_state(context.db, context.catalog, &context.guard);
}

// How to give a step that ran past its timeout more time: the migration's own timeout when it
// has one (raising step_timeout would change nothing for it), else step_timeout or a timeout of
// the migration's own.
Message timeout_advice(const Migration& migration) {
    const bool embedded = migration.layout == Layout::embedded;
    // Pairs of up and down files (golang-migrate, pop, diesel) are plain SQL: no directive of
    // belay's is read there, so step_timeout is the only knob.
    const bool reads_directives = migration.layout == Layout::sql_migrate ||
                                  migration.layout == Layout::goose ||
                                  migration.layout == Layout::dbmate;
    if (!embedded && !reads_directives) {
        return said("raise {}", Option::step_timeout);
    }
    if (migration.timeout) {
        const auto ms = migration.timeout->count();
        return embedded ? Message(fmt::format("raise the migration's own timeout, {} ms now", ms))
                        : Message(fmt::format("raise the file's '-- +migrate Timeout', {} s now",
                                              static_cast<double>(ms) / 1000.0));
    }
    return embedded
               ? said("raise {}, or give the migration a timeout of its own", Option::step_timeout)
               : said("raise it with '-- +migrate Timeout <seconds>' or {}", Option::step_timeout);
}

// What a stop that came while belay checked or recorded the step (not in one of its
// statements, whose errors say so themselves) means: SQLite reports only SQLITE_INTERRUPT, the
// guard knows whether the deadline or a signal asked for it.
Error stopped_after_statements(const StepContext& context, const Migration& migration,
                               const std::filesystem::path& file, Error error) {
    if (error.code != ErrorCode::interrupted) {
        return error;
    }
    switch (context.guard.stop_reason()) {
        case sqlite::StopReason::deadline:
            return error_of(ErrorCode::step_failed,
                            said("{}: the step ran past its timeout and was stopped while belay "
                                 "validated it ({})",
                                 file.string(), timeout_advice(migration)));
        case sqlite::StopReason::cancelled:
            return error_of(ErrorCode::interrupted,
                            fmt::format("{}: interrupted by a signal while belay checked the step",
                                        file.string()));
        default:
            return error;
    }
}

// Whether `version` has a history row, asked inside the step's transaction (another run may
// have applied it since the plan was made). The versions are read once and kept while no other
// connection commits, so that a run of many steps does not scan the history at each one.
Result<bool> history_has(StepContext& context, const Version& version) {
    auto data_version = context.db.data_version();
    BELAY_TRY(data_version);
    if (!context.known_history || context.known_history->data_version != *data_version) {
        context.known_history.reset();
        auto versions = context.history.applied_versions();
        BELAY_TRY(versions);
        context.known_history = KnownHistory{*data_version, std::move(*versions)};
    }
    return context.known_history->versions.contains(version.numeric());
}

// A NoTransaction section that began a transaction (BEGIN, SAVEPOINT) and did not end it: what
// the transaction held is rolled back, and the step fails saying so (had its statements run, it
// fails for the open transaction; had one failed, for that statement). belay's own bookkeeping
// could not begin its transactions inside the section's.
Result<void> end_open_transaction(sqlite::Database& db, const std::filesystem::path& file,
                                  Result<void> ran) {
    const auto rolled_back = sqlite::roll_back_open_transaction(db);
    const auto what = rolled_back ? std::string("belay rolled back what it held")
                                  : "rolling it back failed too: " + rolled_back.error().message;
    if (!ran) {
        auto error = ran.error();
        append(
            error,
            fmt::format(
                "\n{}: the transaction the section began (BEGIN or SAVEPOINT) was still open; {}",
                file.string(), what));
        return std::unexpected(std::move(error));
    }
    return fail(file, ErrorCode::step_failed,
                "{}: the section began a transaction (BEGIN or SAVEPOINT) and did not end it; {}. "
                "End it in the migration (COMMIT, or RELEASE for a SAVEPOINT)",
                file.string(), what);
}

// The section's statements and, after Up, its Verify section. A NoTransaction section that left
// a transaction open is rolled back and fails (end_open_transaction).
Result<void> run_statements(StepContext& context, const Migration& migration, Direction direction) {
    const auto& file = migration.file_of(migration.section(direction));
    auto ran = sqlite::run_section(context.db, context.guard, migration.section(direction), file);
    if (migration.no_transaction(direction) && context.db.in_transaction()) {
        ran = end_open_transaction(context.db, file, std::move(ran));
    }
    // Verify checks what Up built; after Down there is nothing of it to check.
    if (ran && direction == Direction::up && migration.verify.present) {
        ran = sqlite::run_verify_section(context.db, context.guard, migration.verify,
                                         migration.file_of(migration.verify));
    }
    if (!ran && context.guard.stop_reason() == sqlite::StopReason::deadline) {
        append(ran.error(), said(" ({})", timeout_advice(migration)));
    }
    return ran;
}

// What the step left in the connection's temp schema is gone before anything looks at the
// database: a temporary table would otherwise shadow the real one in the checks (and in belay's
// history writes after), and the database has none of it for the next reader. The rules hold
// again for the checks.
Result<void> clear_what_the_statements_left(StepContext& context) {
    context.guard.release_statements();
    if (auto dropped = sqlite::drop_temporary_objects(context.db); !dropped) {
        return dropped;
    }
    // query_only is the one setting the rules allow that would refuse belay's own writes.
    if (auto ok = sqlite::allow_writes(context.db); !ok) {
        return ok;
    }
    context.guard.hold_statements_to(StatementRules{.history_table = context.history.table()});
    return {};
}

// What the step changed that validation finds (compare_validation_states), with the rules'
// refusal in a trigger's body and, above validation normal, quick_check's problems as errors.
Result<sqlite::ValidationFindings> validation_findings(StepContext& context,
                                                       const Migration& migration,
                                                       const std::filesystem::path& file,
                                                       const sqlite::ValidationState& before,
                                                       const sqlite::ValidationState& after) {
    const bool strict = context.options.validation == ValidationLevel::strict;
    auto findings = sqlite::compare_validation_states(before, after, strict);
    if (!findings.errors.empty() && context.guard.stop_reason() == sqlite::StopReason::refused) {
        // SQLite says only "not authorized" for what the rules refused in a trigger's body.
        findings.errors.push_back("belay refuses: " + context.guard.refusal());
    }
    if (context.options.validation != ValidationLevel::normal) {
        auto problems = sqlite::check_integrity(context.db, false);
        if (!problems) {
            return std::unexpected(
                stopped_after_statements(context, migration, file, problems.error()));
        }
        for (const auto& problem : *problems) {
            findings.errors.push_back("quick_check: " + problem);
        }
    }
    return findings;
}

// Runs the statements, the Verify section and the validation comparison; the part of a step
// that is the same with and without a transaction. The catalog is read once after the step,
// for both the validation state and the schema the step records. Returns the warnings.
Result<std::vector<std::string>> run_checked(StepContext& context, const Migration& migration,
                                             Direction direction) {
    auto data_version = context.db.data_version();
    BELAY_TRY(data_version);
    // The state before is compiled under the same rules as the state after, so that what the
    // rules refuse in a trigger that was already there is an old finding, not a new one.
    HeldToRules rules(context.guard, context.history.table());
    const auto& file = migration.file_of(migration.section(direction));
    // The deadline covers the checks too: they can cost more than the statements (a view over
    // views that takes a second to prepare, used by forty others).
    context.guard.start_step(step_budget(context, migration));
    auto before = state_before_step(context, *data_version);
    if (!before) {
        return std::unexpected(stopped_after_statements(context, migration, file, before.error()));
    }
    BELAY_TRY(run_statements(context, migration, direction));
    BELAY_TRY(clear_what_the_statements_left(context));
    if (auto ok = context.catalog.refresh(context.db, context.history.table()); !ok) {
        return std::unexpected(with_context(ok.error(), "validation query failed"));
    }
    auto after = sqlite::capture_validation_state(context.db, context.catalog, &context.guard);
    if (!after) {
        return std::unexpected(stopped_after_statements(context, migration, file, after.error()));
    }
    auto findings = validation_findings(context, migration, file, *before, *after);
    BELAY_TRY(findings);
    if (!findings->errors.empty()) {
        return fail(ErrorCode::step_failed, "{}: validation failed after the {} section:\n  {}",
                    file.string(), direction == Direction::up ? "Up" : "Down",
                    fmt::join(findings->errors, "\n  "));
    }
    // A step whose checks ended past its deadline ran past its timeout too.
    if (auto ok = sqlite::stop_if_asked(&context.guard); !ok) {
        return std::unexpected(stopped_after_statements(context, migration, file, ok.error()));
    }
    context.carried = CarriedValidation{*data_version, std::move(*after)};
    return std::move(findings->warnings);
}

// Records the schema as it now is, in the caller's transaction: as the step's check read it
// when the step ran in this same transaction, else read again (a NoTransaction step records in
// a transaction of its own).
Result<void> record_schema_after_step(StepContext& context, bool same_transaction) {
    const auto refreshes_before = context.catalog.refreshes();
    if (!same_transaction) {
        if (auto ok = context.catalog.refresh(context.db, context.history.table()); !ok) {
            return ok;
        }
    }
    auto data_version = context.db.data_version();
    BELAY_TRY(data_version);
    // What the previous step recorded is what belay_schema holds, unless another connection
    // committed since (it might have changed belay_schema too) or the catalog was read again in
    // between: then belay_schema is read and compared whole.
    auto previous = std::exchange(context.recorded_schema, std::nullopt);
    const bool changes_suffice = same_transaction && previous &&
                                 previous->data_version == *data_version &&
                                 previous->catalog_refreshes + 1 == refreshes_before;
    const auto& objects = context.catalog.user_objects();
    if (auto ok = changes_suffice
                      ? context.history.record_schema_changes(context.catalog.last_changes())
                      : context.history.record_schema(objects, nullptr);
        !ok) {
        return ok;
    }
    context.recorded_schema = RecordedSchema{*data_version, context.catalog.refreshes()};
    return {};
}

// Records a finished step in the caller's transaction: the schema as it now is
// (record_schema_after_step), and the history row added (Up) or removed (Down). A Down in the
// step's own transaction also forgets which repeatable migrations were applied
// (HistoryStore::forget_repeatables); one without a transaction did so when it was marked dirty.
Result<void> record_success(StepContext& context, const Migration& migration, Direction direction,
                            std::int64_t duration_ms, bool same_transaction) {
    BELAY_TRY(record_schema_after_step(context, same_transaction));
    const auto& objects = context.catalog.user_objects();
    if (direction == Direction::down) {
        if (same_transaction) {
            BELAY_TRY(context.history.forget_repeatables());
        }
        return context.history.record_reverted(migration.version.text());
    }
    return context.history.record_applied(
        AppliedMigration{migration.version.text(), migration.name, migration.checksum,
                         sqlite::utc_now_iso8601(), duration_ms, sqlite::fingerprint_of(objects)});
}

// Records a failed attempt in its own transaction, after the step's rollback. Best effort:
// a failure to record is logged, never hides the step's own error.
void record_failure(StepContext& context, const Migration& migration, const Error& error) {
    context.guard.clear_deadline();
    // A failed NoTransaction step may have left temporary objects or settings (query_only, a
    // temporary belay_failures) that would swallow or refuse the record.
    (void)sqlite::drop_temporary_objects(context.db);
    (void)sqlite::restore_connection_settings(context.db);
    auto transaction = sqlite::Transaction::begin_immediate(context.db);
    auto ok = transaction ? context.history.create_tables() : Result<void>();
    if (transaction && ok) {
        const auto& words = context.options.record_words;
        ok = context.history.record_failure(
            FailedAttempt{migration.version.text(), migration.name, sqlite::utc_now_iso8601(),
                          words ? words(error.what()) : error.message});
    }
    if (transaction && ok) {
        ok = transaction->commit();
    }
    if (!transaction || !ok) {
        logger()->warn("could not record the failure of {}: {}", migration.path.string(),
                       (!transaction ? transaction.error() : ok.error()).message);
    }
}

// Ends a step that failed: the outcome says so, and a failed Up of a pending migration is
// recorded. The validation state and the recorded schema the step left are forgotten: its
// transaction was rolled back (or, without one, its records were not written), so they are not
// what the database holds. A repeatable migration's failure is not recorded: belay_failures is
// for versioned ones, and the repeatable stays pending or changed, so the next run applies it
// again anyway.
StepOutcome finish_failed(StepContext& context, const Migration& migration, Direction direction,
                          StepOutcome outcome, Error error, bool started = true,
                          const RepeatableMigration* repeatable = nullptr) {
    // A step that never got the write lock did not run at all.
    outcome.report.result = started ? StepResult::failed : StepResult::not_run;
    outcome.report.error = error.what();
    error.subject.migration = label_of(migration, repeatable);
    if (error.subject.path.empty()) {
        error.subject.path = migration.path;
    }
    context.carried.reset();
    context.recorded_schema.reset();
    // An interruption or a lock that never came is not the migration's failure (and recording
    // it would wait for the same lock again). belay_failures holds failed Up attempts of
    // pending migrations; a failed Down leaves its migration applied and is only reported.
    if (direction == Direction::up && repeatable == nullptr &&
        error.code != ErrorCode::interrupted && error.code != ErrorCode::busy) {
        record_failure(context, migration, error);
    }
    outcome.error = std::move(error);
    return outcome;
}

// The warning of a step another run took meanwhile.
std::string skipped_meanwhile(Direction direction) {
    return direction == Direction::up ? "already applied by another run meanwhile; skipped"
                                      : "already reverted by another run meanwhile; skipped";
}

// BEGIN IMMEDIATE for the step `label` names. A failure says why the step did not start: a
// signal came while it waited, or another connection held the write lock past the lock timeout.
Result<sqlite::Transaction> begin_step_transaction(StepContext& context, const std::string& label) {
    context.guard.clear_deadline();
    auto transaction = sqlite::Transaction::begin_immediate(context.db);
    if (transaction) {
        return transaction;
    }
    auto error = transaction.error();
    if (context.guard.stop_reason() == sqlite::StopReason::cancelled) {
        error = error_of(ErrorCode::interrupted,
                         fmt::format("interrupted by a signal while waiting for the write lock; "
                                     "{} did not start",
                                     label));
    } else if (error.code == ErrorCode::busy) {
        error = error_of(
            error.code,
            said("{}: another connection held a write lock on the database for longer than the "
                 "lock timeout ({} ms); {} did not start. Wait for it, or raise {}",
                 context.db.path().string(), context.guard.lock_timeout().count(), label,
                 Option::lock_timeout));
    }
    return std::unexpected(std::move(error));
}

// Records a repeatable migration's step in the caller's transaction: the schema as it now is,
// and its belay_repeatable row with the checksum it was applied with.
Result<void> record_repeatable_success(StepContext& context,
                                       const RepeatableMigration& repeatable) {
    BELAY_TRY(record_schema_after_step(context, true));
    return context.history.record_repeatable(
        AppliedRepeatable{repeatable.name, repeatable.checksum, sqlite::utc_now_iso8601()});
}

// Whether the step is still to be done, asked under its write lock (another run may have done it
// since the plan was made), after creating belay's tables if missing: the version still pending
// (up) or still applied (down); a repeatable migration still without a row of its checksum.
Result<bool> still_due(StepContext& context, const Migration& migration, Direction direction,
                       const RepeatableMigration* repeatable) {
    BELAY_TRY(context.history.create_tables());
    if (repeatable != nullptr) {
        BELAY_TRY(context.history.create_repeatable_table());
        auto recorded = context.history.repeatable_checksum(repeatable->name);
        BELAY_TRY(recorded);
        return *recorded != repeatable->checksum;
    }
    auto applied = history_has(context, migration.version);
    BELAY_TRY(applied);
    return *applied == (direction == Direction::down);
}

// Runs the checked step inside `transaction`, records it and commits. Returns the step's
// warnings; on failure the transaction is rolled back.
Result<std::vector<std::string>> run_and_commit(StepContext& context, const Migration& migration,
                                                Direction direction,
                                                sqlite::Transaction& transaction,
                                                Clock::time_point start,
                                                const RepeatableMigration* repeatable) {
    auto checked = run_checked(context, migration, direction);
    // The step's work ended within its deadline; belay's own records are not part of it (a
    // signal still stops them).
    context.guard.clear_deadline();
    auto recorded = !checked                ? Result<void>(std::unexpected(checked.error()))
                    : repeatable != nullptr ? record_repeatable_success(context, *repeatable)
                                            : record_success(context, migration, direction,
                                                             milliseconds_since(start), true);
    if (checked && !recorded) {
        recorded = std::unexpected(stopped_after_statements(
            context, migration, migration.file_of(migration.section(direction)), recorded.error()));
    }
    context.guard.clear_deadline();
    // A signal that came while the last statements, the checks or the history row ran still
    // wins: an interrupted step never commits.
    if (recorded && context.guard.poll() == sqlite::StopReason::cancelled) {
        recorded = fail(ErrorCode::interrupted,
                        "interrupted by a signal before {} committed; it was rolled back",
                        label_of(migration, repeatable));
    }
    auto committed = recorded ? transaction.commit() : recorded;
    if (!committed) {
        (void)transaction.rollback();
        return std::unexpected(committed.error());
    }
    return std::move(*checked);
}

// Keeps the known history as the committed step left it.
void note_committed(StepContext& context, const Migration& migration, Direction direction) {
    if (!context.known_history) {
        return;
    }
    const auto& version = migration.version.numeric();
    if (direction == Direction::up) {
        context.known_history->versions.insert(version);
    } else {
        context.known_history->versions.erase(version);
    }
}

StepOutcome apply_transactional(StepContext& context, const Migration& migration,
                                Direction direction, StepOutcome outcome,
                                const RepeatableMigration* repeatable = nullptr) {
    const auto start = Clock::now();
    auto transaction = begin_step_transaction(context, label_of(migration, repeatable));
    if (!transaction) {
        return finish_failed(context, migration, direction, std::move(outcome), transaction.error(),
                             false, repeatable);
    }
    if (auto hook = std::exchange(context.on_write_lock, nullptr)) {
        if (auto ok = hook(); !ok) {
            (void)transaction->rollback();
            outcome.error = ok.error();
            return outcome;
        }
    }
    auto due = still_due(context, migration, direction, repeatable);
    if (!due) {
        (void)transaction->rollback();
        return finish_failed(context, migration, direction, std::move(outcome), due.error(), true,
                             repeatable);
    }
    if (!*due) {
        outcome.report.warnings.push_back(skipped_meanwhile(direction));
        return outcome;
    }
    auto warnings = run_and_commit(context, migration, direction, *transaction, start, repeatable);
    if (!warnings) {
        context.known_history.reset();
        return finish_failed(context, migration, direction, std::move(outcome), warnings.error(),
                             true, repeatable);
    }
    if (repeatable == nullptr) {
        note_committed(context, migration, direction);
    }
    outcome.report.result = direction == Direction::up ? StepResult::applied : StepResult::reverted;
    outcome.report.warnings = std::move(*warnings);
    return outcome;
}

// Runs `work` in its own short transaction (history bookkeeping around a NoTransaction step).
template <typename Work>
Result<void> in_transaction(sqlite::Database& db, Work work) {
    auto transaction = sqlite::Transaction::begin_immediate(db);
    BELAY_TRY(transaction);
    if (auto ok = work(); !ok) {
        return ok;
    }
    return transaction->commit();
}

StepOutcome apply_without_transaction(StepContext& context, const Migration& migration,
                                      Direction direction, StepOutcome outcome) {
    const auto start = Clock::now();
    context.guard.clear_deadline();
    bool still_due = true;
    auto marked = in_transaction(context.db, [&]() -> Result<void> {
        if (auto ok = context.history.create_tables(); !ok) {
            return ok;
        }
        // As a transactional step does under its write lock: another run may have taken the
        // step meanwhile, and a NoTransaction step run twice is not rolled back.
        auto applied = history_has(context, migration.version);
        BELAY_TRY(applied);
        still_due = *applied == (direction == Direction::down);
        if (!still_due) {
            return {};
        }
        // What the repeatable migrations made may go with the first statement, and a step
        // without a transaction may stop anywhere: they are forgotten before it starts.
        if (direction == Direction::down) {
            BELAY_TRY(context.history.forget_repeatables());
        }
        return context.history.mark_dirty(
            DirtyMark{migration.version.text(), migration.name, sqlite::utc_now_iso8601()});
    });
    if (!marked) {
        return finish_failed(context, migration, direction, std::move(outcome),
                             with_context(marked.error(), "cannot mark the step dirty"));
    }
    if (!still_due) {
        outcome.report.warnings.push_back(skipped_meanwhile(direction));
        return outcome;
    }
    auto checked = run_checked(context, migration, direction);
    context.guard.clear_deadline();
    auto recorded =
        checked ? in_transaction(context.db,
                                 [&]() {
                                     return record_success(context, migration, direction,
                                                           milliseconds_since(start), false);
                                 })
                : std::unexpected(checked.error());
    if (!recorded) {
        auto error = recorded.error();
        append(error, fmt::format("\nThis NoTransaction step was not rolled back: the database may "
                                  "hold part of it, and "
                                  "{} is marked dirty until that is resolved.",
                                  migration.version.text()));
        return finish_failed(context, migration, direction, std::move(outcome), std::move(error));
    }
    // This connection's own commits leave data_version as it was: what the history now holds
    // is noted, or the next step (redo's Up of this version) would take it for still applied.
    note_committed(context, migration, direction);
    outcome.report.result = direction == Direction::up ? StepResult::applied : StepResult::reverted;
    outcome.report.warnings = std::move(*checked);
    return outcome;
}

// Puts back the connection settings a previous step may have changed. False, with the outcome
// saying why, when they cannot even be checked: the step does not run.
bool settings_restored(StepContext& context, const std::string& label, StepOutcome& outcome) {
    auto restored = sqlite::restore_connection_settings(context.db);
    if (!restored) {
        outcome.report.result = StepResult::not_run;
        outcome.report.error = restored.error().what();
        outcome.error = with_context(restored.error(), "cannot check the connection's settings");
        return false;
    }
    if (!restored->empty()) {
        logger()->warn("before {}: put back {}", label, fmt::join(*restored, ", "));
    }
    return true;
}

}  // namespace

StepOutcome apply_step(StepContext& context, const Migration& migration, Direction direction) {
    StepOutcome outcome;
    outcome.report.version = migration.version.text();
    outcome.report.name = migration.name;
    outcome.report.direction = direction;
    outcome.report.no_transaction = migration.no_transaction(direction);
    const auto label = label_of(migration, nullptr);
    logger()->info("{} {}", direction == Direction::up ? "applying" : "reverting", label);
    if (!settings_restored(context, label, outcome)) {
        return outcome;
    }
    sqlite::ForeignKeysOff foreign_keys_off(context.db);
    const auto start = Clock::now();
    if (migration.no_transaction(direction)) {
        // It records in transactions of its own; the next step reads the history again.
        context.known_history.reset();
        outcome = apply_without_transaction(context, migration, direction, std::move(outcome));
    } else {
        outcome = apply_transactional(context, migration, direction, std::move(outcome));
    }
    if (direction == Direction::down && !migration.down.present &&
        outcome.report.result == StepResult::reverted) {
        // Only allow_missing_down lets such a step through (select_down_steps).
        outcome.report.warnings.push_back(
            "no Down section: reverted as a no-op, as goose does; what its Up did stays in the "
            "database");
    }
    outcome.report.duration_ms = milliseconds_since(start);
    return outcome;
}

StepOutcome apply_repeatable(StepContext& context, const RepeatableMigration& repeatable) {
    StepOutcome outcome;
    outcome.report.name = repeatable.name;
    outcome.report.repeatable = true;
    const auto step = step_of(repeatable);
    const auto label = label_of(step, &repeatable);
    logger()->info("applying {}", label);
    if (!settings_restored(context, label, outcome)) {
        return outcome;
    }
    sqlite::ForeignKeysOff foreign_keys_off(context.db);
    const auto start = Clock::now();
    outcome = apply_transactional(context, step, Direction::up, std::move(outcome), &repeatable);
    outcome.report.duration_ms = milliseconds_since(start);
    return outcome;
}

}  // namespace belay::engine
