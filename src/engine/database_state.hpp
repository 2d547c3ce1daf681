// The read-only view of a database that status, version and planning share.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "belay/history.hpp"
#include "belay/migrations.hpp"
#include "belay/options.hpp"
#include "belay/status.hpp"
#include "core/plan.hpp"
#include "sqlite/database.hpp"

namespace belay::engine {

// Opens the database read-only (creating nothing), checks that any history table is belay's
// and reads the history. A database that does not exist yields exists = false.
Result<DatabaseState> read_database_state(const DatabaseOptions& options);

// read_database_state, then refuse_foreign_overlap for `migrations` on the same connection (one
// open of the database: status, a fleet's status).
Result<DatabaseState> read_checked_state(const DatabaseOptions& options,
                                         std::span<const Migration> migrations);

// The state for the commands that need no history (backup, backups, restore, prune, check):
// as read_database_state reads it, except that a table under the history table's name that
// belay did not make is no error. The history is then empty and `not_belays` holds the refusal
// the history commands give (naming the table and the tool it looks like).
struct AnyDatabaseState {
    DatabaseState state;
    std::optional<Message> not_belays;
};
Result<AnyDatabaseState> read_any_database_state(const DatabaseOptions& options);

// belay's current version of the database, "0" without belay history; std::nullopt when the
// history table's name is another tool's table (a backup or a restore needs no history).
Result<std::optional<std::string>> read_any_version(const DatabaseOptions& options);

// The version a backup's sidecar records: read_any_version's, "-" for another tool's table.
Result<std::string> read_version_for_backup(const DatabaseOptions& options);

// The version `db` is at for `migrations` (build_plan's current_version), read after a change
// was made for the change's report: std::nullopt when the history cannot be read then, with the
// reason logged as a warning, since the change stands either way.
std::optional<std::string> read_version_after(sqlite::Database& db,
                                              const std::string& history_table,
                                              std::span<const Migration> migrations);

// Whether runs on this database guard against another tool's history: with belay's default
// history table. Given a table of its own (--table), belay runs beside that tool.
bool guards_against_foreign_history(const DatabaseOptions& options);

// Reads the history of an open connection, refusing another tool's history table under
// `history_table`'s name.
Result<History> read_history(sqlite::Database& db, const std::string& history_table);

// Refuses (refused) when another tool's history table (goose's, sql-migrate's,
// golang-migrate's, dbmate's, pop's, diesel's, sqlx's or Prisma's) says some of `migrations` are
// applied (or, sqlx and Prisma, were attempted and failed) that
// belay's `history` does not record: belay would apply them again, and its status would be
// wrong. The message names the tool and its table and points at `db adopt`. (Callers skip it
// when guards_against_foreign_history is false: then the two tools run side by side.)
Result<void> refuse_foreign_overlap(sqlite::Database& db, const History& history,
                                    std::span<const Migration> migrations);

// refuse_foreign_overlap for a database that is not open (status, plan): opens it read-only
// when it exists and guards_against_foreign_history(options).
Result<void> refuse_foreign_overlap(const DatabaseOptions& options, const History& history,
                                    std::span<const Migration> migrations);

}  // namespace belay::engine
