// `belay db migrate`: the whole run, top to bottom, as one engine call.
#pragma once

#include "core/run_report.hpp"
#include "engine/options.hpp"

namespace belay {

// Loads and checks the migration files, opens (creating it for a real run) the database, takes
// the run lock, plans, and applies each pending step (see apply_up_step), then runs
// quick_check. With dry_run, the same steps run on a temporary copy made with the backup API;
// the database itself is opened read-only and left as it was.
//
// Errors that stop the run before any step (invalid files, unsafe state, busy lock, not a
// database) come back as the unexpected value; once steps have started the report is returned
// with report.error set, so the caller can show what was applied before the failure.
Result<RunReport> run_migrate(const MigrateOptions& options);

}  // namespace belay
