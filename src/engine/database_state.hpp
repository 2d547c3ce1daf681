// The read-only view of a database that status, version and planning share.
#pragma once

#include <optional>
#include <span>

#include "belay/history.hpp"
#include "belay/migrations.hpp"
#include "belay/options.hpp"
#include "belay/status.hpp"
#include "core/plan.hpp"
#include "sqlite/database.hpp"

namespace belay {

// Opens the database read-only (creating nothing), checks that any history table is belay's
// and reads the history. A database that does not exist yields exists = false.
Result<DatabaseState> read_database_state(const DatabaseOptions& options);

// Reads the history of an open connection, refusing another tool's history table under
// `history_table`'s name.
Result<History> read_history(sqlite::Database& db, const std::string& history_table);

// Refuses (refused) a run when belay has no history here but another tool's history table
// (goose's, sql-migrate's, golang-migrate's, dbmate's under another name) says some of
// `migrations` are applied: belay would apply them again. The message points at `db adopt`.
// (The caller skips it when belay was given a history table of its own with --table: then the
// two tools run side by side.)
Result<void> refuse_foreign_overlap(sqlite::Database& db, const History& history,
                                    std::span<const Migration> migrations);

}  // namespace belay
