// What every public call on a database checks of its DatabaseOptions before it opens, creates or
// locks anything, so that a program filling them in itself gets the refusals the CLI gives.
#pragma once

#include "belay/options.hpp"
#include "core/error.hpp"

namespace belay {

// Fails with invalid_input, naming the option as a term: a lock_timeout below 0 or past the
// library's longest wait; a database path (as given, or the full path a sidecar records) or
// backup_dir that is not valid UTF-8; a history_table that history_table_problem() refuses.
Result<void> check_database_options(const DatabaseOptions& options);

}  // namespace belay
