// What a migrate run did, as data: the engine fills it, the CLI renders it as text or JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "belay/error.hpp"
#include "belay/migration.hpp"

namespace belay {

enum class StepResult {
    applied,       // Up committed with its history row
    reverted,      // Down committed, its history row removed
    failed,        // rolled back (or, for a NoTransaction step, left dirty)
    would_apply,   // dry run: Up succeeded on the rehearsal copy
    would_revert,  // dry run: Down succeeded on the rehearsal copy
    would_fail,    // dry run: failed on the rehearsal copy
    not_run,       // after a failure, or skipped because another run did it meanwhile
};

std::string_view to_string(StepResult result);

// What a run does: each is one pipeline of steps (see belay/migrate.hpp).
enum class Operation {
    migrate,  // apply pending migrations
    down,     // revert the newest applied migrations (alias rollback)
    redo,     // revert the newest applied migration, then apply it again
    reset,    // revert every applied migration
    refresh,  // reset, then migrate
};

std::string_view to_string(Operation operation);

struct StepReport {
    std::string version;  // as written in the file name; empty for a repeatable migration
    std::string name;     // a repeatable migration's: its description as the file spells it
    Direction direction = Direction::up;
    StepResult result = StepResult::not_run;
    std::int64_t duration_ms = 0;
    bool no_transaction = false;
    bool repeatable = false;  // a repeatable migration's step (Flyway's R__<name>.sql)
    Message error;            // why it failed (empty otherwise)
    std::vector<std::string>
        warnings;  // e.g. new dangling foreign keys at the normal validation level
};

struct RunReport {
    std::string database;  // the path as given
    Operation operation = Operation::migrate;
    bool dry_run = false;
    bool created_database = false;  // migrate created the file (a fresh install)
    std::string version_before = "0";
    // Unset when the history could not be read after the run (the reason is logged); the run's
    // outcome (`error`, the steps) stands either way.
    std::optional<std::string> version_after = "0";
    std::vector<StepReport> steps;
    std::vector<Message> notes;           // things the operator should know (printed as notes)
    std::vector<std::string> pruned;      // backups removed by keep after the run
    std::optional<std::string> snapshot;  // the backup taken before the first step
    std::optional<Call> undo;             // the call that undoes this run, with snapshot
    // How long the snapshot took (inside the first step, under its write lock: that step's
    // duration_ms includes it) and the quick_check after the last step; unset when not done.
    std::optional<std::int64_t> snapshot_ms;
    std::optional<std::int64_t> final_check_ms;
    std::optional<Error> error;  // set when the run failed; decides the exit code

    bool succeeded() const { return !error.has_value(); }
};

}  // namespace belay
