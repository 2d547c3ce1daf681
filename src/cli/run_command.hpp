// What `db migrate`, `db down`, `db redo`, `db reset` and `db refresh` share: reading their
// options and showing the run's report.
#pragma once

#include "belay/options.hpp"
#include "command.hpp"

namespace belay::cli {

// The options every run takes (--dry-run, --step-timeout, --validate, --no-backup) and those
// of `operation` (migrate: --to, --allow-out-of-order, --backup-only, --keep; down: --to,
// --steps; reset and refresh: --yes). Fails with invalid_input naming the bad option.
Result<MigrateOptions> read_run_options(const ParsedOptions& vm, const CommonOptions& common,
                                        Operation operation);

// Parses `args` for `command`, runs `operation`, prints the report (text or JSON) on stdout
// and, when the run failed, the error on stderr ending with the command that undoes the run.
// Returns the exit code.
int run_command(const std::string& command, Operation operation, const Arguments& args);

}  // namespace belay::cli
