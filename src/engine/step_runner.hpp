// Applying one migration step with all of belay's guarantees.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "belay/migration.hpp"
#include "belay/options.hpp"
#include "belay/run_report.hpp"
#include "sqlite/schema_inspection.hpp"

namespace belay::sqlite {
class Database;
class ExecutionGuard;
class HistoryStore;
}  // namespace belay::sqlite

namespace belay::engine {

// The validation state after the last step that finished, with the connection's data_version
// then. While no other connection has committed since, it is the next step's "before" state.
struct CarriedValidation {
    std::int64_t data_version = 0;
    sqlite::ValidationState state;
};

// The versions the history table held (leading zeros trimmed: versions compare as numbers),
// with the connection's data_version when they were read. While no other connection has
// committed since, a step need not scan the history again to see whether another run did it.
struct KnownHistory {
    std::int64_t data_version = 0;
    std::set<std::string> versions;
};

struct RecordedSchema {
    std::int64_t data_version = 0;
    std::uint64_t catalog_refreshes = 0;
};

// What the steps of one run share. A run names the connection, the history store, the guard and
// its options (and on_write_lock when it has one) with designated initialisers; the rest is what
// its steps carry from one to the next, and starts empty.
struct StepContext {
    sqlite::Database& db;
    sqlite::HistoryStore& history;
    sqlite::ExecutionGuard& guard;
    const MigrateOptions& options;
    // Runs once, right after the next transactional step took the write lock and before it
    // does anything else (the snapshot before a run); cleared after use. A failure ends the
    // step unrun: rolled back, not recorded as the migration's failure.
    std::function<Result<void>()> on_write_lock = nullptr;
    // Set by each step that finishes, cleared by one that fails; saves capturing the same state
    // twice between two steps (half the validation work of a run of many small steps).
    std::optional<CarriedValidation> carried = std::nullopt;
    // When the last finished step recorded belay_schema: the data_version then, and the
    // catalog's refreshes(). While no other connection has committed since, belay_schema holds
    // that refresh's user objects, so the next refresh's last_changes() is all there is to write.
    std::optional<RecordedSchema> recorded_schema = std::nullopt;
    // What the history held after the last transactional step that committed.
    std::optional<KnownHistory> known_history = std::nullopt;
    // sqlite_schema as the last step read it (each step reads it once, after its statements).
    sqlite::SchemaCatalog catalog = {};
};

struct StepOutcome {
    StepReport report;
    std::optional<Error> error;  // set when the step failed; the run stops there
};

// Applies `migration`'s Up section (direction up) or its Down section (direction down).
//
// Transactional steps run inside one BEGIN IMMEDIATE transaction with foreign-key enforcement
// off: re-check that the version is still pending (up) or still applied (down), capture the
// validation state, run the statements (and, for Up, the Verify section) under the step's
// deadline, compare the validation state, insert (up) or delete (down) the history row,
// COMMIT. Any failure rolls the whole step back; a failed Up is recorded in belay_failures
// (not for an interruption or a busy lock). A step another run did meanwhile is reported as
// not_run, without error.
//
// NoTransaction steps are marked dirty in their own transaction first; the mark is removed
// with the history change when the step succeeds, and stays when it fails.
StepOutcome apply_step(StepContext& context, const Migration& migration, Direction direction);

// Applies a repeatable migration: a transactional Up step as above, whose record is the
// repeatable's belay_repeatable row (its checksum) instead of a history row. Under the write
// lock it re-checks that the row does not hold the file's checksum already (another run applied
// it meanwhile: not_run, without error). A failure is rolled back and not recorded in
// belay_failures (the repeatable stays due, so the next run applies it again).
StepOutcome apply_repeatable(StepContext& context, const RepeatableMigration& repeatable);

}  // namespace belay::engine
