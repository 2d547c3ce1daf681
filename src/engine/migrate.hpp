// One run of steps, top to bottom, as one engine call: `db migrate`, `db down` (`rollback`),
// `db redo`, `db reset` and `db refresh` are the same pipeline with different steps.
#pragma once

#include "core/run_report.hpp"
#include "engine/options.hpp"

namespace belay {

// Loads and checks the migration files, opens the database (migrate creates it for a real
// run; the others need it to exist), takes the run lock, plans the steps of
// options.operation, refuses an unsafe plan, asks for confirmation where the operation reverts
// everything, snapshots, and runs each step (see apply_step), then runs quick_check. With
// dry_run, the same steps run on a temporary copy made with the backup API; the database
// itself is opened read-only and left as it was.
//
// Errors that stop the run before any step (invalid files, unsafe state, busy lock, not a
// database, no confirmation) come back as the unexpected value; once steps have started the
// report is returned with report.error set, so the caller can show what was done before the
// failure.
Result<RunReport> run_migrate(const MigrateOptions& options);

}  // namespace belay
