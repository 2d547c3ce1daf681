// History tables other migration tools leave in a database, read so that `db adopt` can turn
// them into belay's history.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/history_edit.hpp"

namespace belay::sqlite {

class Database;

// Finds and reads the first of: goose's goose_db_version, sql-migrate's gorp_migrations,
// golang-migrate's schema_migrations (version, dirty), dbmate's schema_migrations (version),
// pop's (and popx's) schema_migration (version) and diesel's __diesel_schema_migrations
// (version, run_on), or the one `tool` names ("goose", "sql-migrate", "golang-migrate",
// "dbmate", "pop", "diesel"). std::nullopt when there is none. goose: the latest row of each
// version decides whether it is applied; golang-migrate: every version up to the recorded one,
// which is dirty when its flag is set; diesel: its version with any '-' removed (diesel's
// folder 2024-01-01-000000_x is belay's version 20240101000000). Fails with invalid_input for
// an unknown tool or a table whose columns are not that tool's.
Result<std::optional<ForeignHistory>> read_foreign_history(Database& db,
                                                           const std::optional<std::string>& tool);

// Every table in `db` that a migration tool keeps its history in, belay's own excepted:  the tools
// above and Rails (schema_migrations beside ar_internal_metadata), Prisma, Drizzle, sqlx, Flyway
// and Alembic, recognised by table name and columns. Read-only.
Result<std::vector<ToolHistory>> find_tool_histories(Database& db);

// Renames a tool's history table to `new_name` (ALTER TABLE ... RENAME TO), in the caller's
// transaction. SQLite rewrites the views, triggers and foreign keys that name it.
Result<void> rename_tool_table(Database& db, const std::string& table, const std::string& new_name);

}  // namespace belay::sqlite
