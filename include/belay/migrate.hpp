// One run of steps, top to bottom, as one call: `db migrate`, `db down` (`rollback`),
// `db redo`, `db reset` and `db refresh` are the same pipeline with different steps.
#pragma once

#include <string>
#include <vector>

#include "belay/options.hpp"
#include "belay/run_report.hpp"

namespace belay {

// Loads and checks the migration files, opens the database (migrate creates it for a real
// run; the others need it to exist), takes the run lock, plans the steps of
// options.operation, refuses an unsafe plan, asks for confirmation where the operation reverts
// everything, snapshots, and runs each step (in its own transaction, validated, bounded by its
// timeout), then runs quick_check. With dry_run, the same steps run on a temporary copy made with
// the backup API; the database itself is opened read-only and left as it was.
//
// Errors that stop the run before any step (invalid files, unsafe state, busy lock, not a
// database, no confirmation) come back as the unexpected value; once steps have started the
// report is returned with report.error set, so the caller can show what was done before the
// failure.
Result<RunReport> run_migrate(const MigrateOptions& options);

// One step a run would take.
struct PlannedRunStep {
    std::string version;  // as written
    std::string name;
    Direction direction = Direction::up;
    bool no_transaction = false;
};

struct RunPlan {
    std::string database;
    Operation operation = Operation::migrate;
    std::string version_before = "0";
    std::vector<PlannedRunStep> steps;  // in the order they would run; empty: up to date
};

// The steps run_migrate(options) would take now, decided exactly as it decides them, without
// running, copying or writing anything (the database is opened read-only, and a missing one
// counts as empty). Fails as run_migrate does before its first step: invalid_input for bad
// migrations or an unknown target, refused for an unsafe state (dirty, modified, missing, out
// of order, another tool's history), busy when the database stays locked.
Result<RunPlan> plan_run(const MigrateOptions& options);

}  // namespace belay
