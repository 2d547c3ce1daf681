// What each migration's status is against a database's history (`db status`, the plan a run
// takes its steps from), as plain data.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "belay/history.hpp"
#include "belay/migration.hpp"

namespace belay {

enum class MigrationStatus {
    applied,   // in the history, file unchanged
    pending,   // file present, not applied
    failed,    // pending, and its last attempt failed (rolled back)
    dirty,     // a NoTransaction step started and did not finish
    modified,  // applied, but the file's checksum differs from the recorded one
    missing,   // applied, but no file has its version any more
};

std::string_view to_string(MigrationStatus status);

struct PlanEntry {
    Version version;
    std::string name;
    MigrationStatus status = MigrationStatus::pending;
    const Migration* migration = nullptr;       // null for missing
    std::optional<AppliedMigration> applied;    // set for applied, modified, missing
    std::optional<FailedAttempt> last_failure;  // the last failed attempt, if recorded
    bool out_of_order = false;                  // pending, yet older than the newest applied
};

struct Plan {
    std::vector<PlanEntry> entries;  // every known version, ascending
    // The newest applied version as written ("0" when none).
    std::string current_version = "0";

    std::vector<const PlanEntry*> pending() const;
    bool has_problems() const;  // dirty, modified, missing, failed or out-of-order entries
};

// Where a repeatable migration (belay/migration.hpp) stands. None of these blocks a run: a
// changed repeatable is expected to change, and runs again.
enum class RepeatableStatus {
    pending,  // never applied: no belay_repeatable row
    applied,  // applied, and the file is as it was then
    changed,  // applied, and the file changed since: the next migrate applies it again
};

std::string_view to_string(RepeatableStatus status);

struct RepeatableEntry {
    const RepeatableMigration* migration = nullptr;  // the file
    RepeatableStatus status = RepeatableStatus::pending;
    std::optional<AppliedRepeatable> applied;  // its row, for applied and changed
};

}  // namespace belay
