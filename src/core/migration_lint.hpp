// `db lint`: warnings about migration files, each with its file and line. Nothing here runs SQL;
// statements come split by SQLite's own parser (see sqlite/statement_split.hpp).
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "belay/lint.hpp"
#include "belay/migration.hpp"

namespace belay {

// The statements of one migration's sections, split ahead of time.
struct SplitMigration {
    const Migration* migration = nullptr;
    std::vector<SqlStatement> up;
    std::vector<SqlStatement> down;
    std::vector<SqlStatement> verify;
    // A repeatable migration's (step_of): it has no Down to miss, and always runs in a
    // transaction.
    bool repeatable = false;
};

// Per-file rules: no Down section (not for a repeatable migration); an empty or comment-only Up;
// DROP TABLE in Up (unless the same section renames another table to that name: the 12-step
// rebuild); ALTER TABLE ... DROP COLUMN in Up; ADD COLUMN ... NOT NULL without DEFAULT; PRAGMA
// foreign_keys in a section that runs in a transaction (it does nothing there);
// BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE in any section (belay manages the transaction).
std::vector<LintWarning> lint_migration(const SplitMigration& split);

// Gaps in sequential versions (all versions shorter than 10 digits, so not timestamps): one
// warning on line 1 of the file after each gap.
std::vector<LintWarning> lint_versions(std::span<const Migration> migrations);

}  // namespace belay
