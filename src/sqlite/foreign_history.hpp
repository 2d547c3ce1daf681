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
// (version, run_on) and Flyway's flyway_schema_history (sqlite/flyway_history.hpp), or the one
// `tool` names ("goose", "sql-migrate", "golang-migrate", "dbmate", "pop", "diesel",
// "flyway"). std::nullopt when there is none. goose: the latest row of each
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

// The entries `tool`'s history table records, in that tool's terms, for telling what a run of the
// tool recorded: applied versions (goose: the latest row of each version decides; golang-migrate:
// its one version, "<version> (dirty)" when dirty), sql-migrate's migration ids, Prisma's
// migration names ("<name> (failed)", "<name> (rolled back)"), Drizzle's `created_at` (its
// journal's `when`), sqlx's and Flyway's versions ("<version> (failed)"; Flyway's repeatable
// migrations as "R <description>"), Alembic's revision. In the table's order where it has one
// that means something, else sorted. Fails when the table lacks a column its tool keeps there.
Result<std::vector<std::string>> read_tool_records(Database& db, const ToolHistory& tool);

// Renames a tool's history table to `new_name` (ALTER TABLE ... RENAME TO), in the caller's
// transaction. SQLite rewrites the views, triggers and foreign keys that name it.
Result<void> rename_tool_table(Database& db, const std::string& table, const std::string& new_name);

}  // namespace belay::sqlite
