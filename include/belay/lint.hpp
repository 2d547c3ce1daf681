// `belay db lint`: warnings about the migration files, each with file and line.
#pragma once

#include <vector>

#include <filesystem>
#include <string>

#include "belay/options.hpp"

namespace belay {

struct LintWarning {
    std::string rule;  // gap, no-down, empty-up, drop-table, drop-column, lost-column,
                       // not-null-without-default, no-effect-in-transaction, explicit-transaction,
                       // refused-statement
    std::filesystem::path file;
    int line = 1;  // 1-based; 1 for what concerns the file as a whole
    std::string message;
};

struct LintReport {
    std::vector<LintWarning> warnings;  // in file order
    std::vector<std::string> notes;     // what could not be checked, and why
};

// Reads the files (without refusing statements that cannot run in a transaction: those become
// warnings), applies the per-file and version rules (LintWarning::rule lists them), then applies
// the migrations in order to a scratch database to find Up sections that lose a column of a
// table that stays (a table rebuild that leaves one out). Touches no database of the user's.
// Fails with invalid_input only when the files cannot be read or parsed.
Result<LintReport> run_lint(const MigrateOptions& options);

}  // namespace belay
