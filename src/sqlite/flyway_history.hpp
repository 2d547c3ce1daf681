// Flyway's flyway_schema_history, read for `db adopt` (see foreign_history.hpp).
#pragma once

#include "core/error.hpp"
#include "core/history_edit.hpp"

namespace belay::sqlite {

class Database;

// What flyway_schema_history says, row by row in installed_rank order, the latest row of a
// version deciding: a successful versioned row applies it (with its installed_on and its
// checksum), a failed one (success = 0) leaves it failed, a successful undo (UNDO_SQL and the
// other UNDO_ types) or a DELETE row (flyway repair's) takes it back; the latest BASELINE row is
// the baseline. The latest row of each repeatable migration (no version) is kept by its
// description, for plan_adopt to match with the files; the rows belay does not carry over become
// notes. Fails with invalid_input when a versioned row's version is not one Flyway could have
// written. Read-only.
Result<ForeignHistory> read_flyway(Database& db);

}  // namespace belay::sqlite
