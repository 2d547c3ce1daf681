// The history belay keeps inside the user's database.
//
// Tables: the history table (`schema_migrations` unless --table says otherwise; one row per
// applied migration), `belay_failures` (the last failed attempt per version) and `belay_dirty`
// (NoTransaction steps in progress) and `belay_schema` (the schema after the latest step); and,
// in a database whose migrations include repeatable ones, `belay_repeatable` (the checksum each
// was last applied with). belay creates no other object in the user's database.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "belay/history.hpp"
#include "core/error.hpp"
#include "sqlite/schema_inspection.hpp"

namespace belay::sqlite {

class Database;

class HistoryStore {
  public:
    HistoryStore(Database& db, std::string table);

    const std::string& table() const { return m_table; }

    // Fails with ErrorCode::refused when a table of the history table's name exists but was
    // not made by belay (the message names the tool it looks like and says belay left it as it
    // was), or when an object under the name of one of belay's own tables (belay_failures,
    // belay_dirty, belay_schema, belay_repeatable) is not that table (find_foreign_belay_objects).
    // Succeeds when every one is belay's or absent.
    Result<void> check_ownership();

    // Reads everything (an empty History when the tables do not exist yet). Read-only.
    Result<History> read();

    // Creates the tables if they are missing. Must run inside the caller's write transaction.
    Result<void> create_tables();

    // Creates belay_repeatable if it is missing, in the caller's write transaction. Only a
    // repeatable migration's step (or adopting one) creates it: a database without repeatable
    // migrations stays without the table.
    Result<void> create_repeatable_table();

    // The checksum belay_repeatable holds for the repeatable migration `name`, std::nullopt when
    // it has no row (or the table does not exist). For the re-check inside a step's transaction.
    Result<std::optional<std::string>> repeatable_checksum(const std::string& name);

    // Inserts or replaces the repeatable migration's row, in the caller's transaction (the step
    // and its record commit together). The table must exist (create_repeatable_table).
    Result<void> record_repeatable(const AppliedRepeatable& row);

    // Removes every row of belay_repeatable that belongs to this history table, in the caller's
    // transaction, so that every repeatable migration is due again. A reverted step does this:
    // what a repeatable migration made may have gone with what the step dropped (SQLite drops a
    // table's triggers with the table). Does nothing when the table does not exist.
    Result<void> forget_repeatables();

    // Every version with a history row, as Version::numeric() spells it (versions compare as
    // numbers: "0001" and "1" are the same). For the re-check inside a step's transaction.
    Result<std::set<std::string>> applied_versions();

    // Inserts the history row and removes the version's failure record and dirty mark, all in
    // the caller's transaction, so the step and its record commit together.
    Result<void> record_applied(const AppliedMigration& row);

    // Removes the version's history row, failure record and dirty mark, in the caller's
    // transaction (a reverted step and its record commit together).
    Result<void> record_reverted(const std::string& version);

    // Replaces the version's failure record (its own statement; call outside a step's
    // transaction, after the rollback).
    Result<void> record_failure(const FailedAttempt& failure);

    Result<void> mark_dirty(const DirtyMark& mark);

    // Replaces the recorded schema (belay_schema) with `objects`: the schema right after the
    // latest step, kept so that `db check` can list what changed outside migrations. In the
    // caller's transaction. Writes only what differs from what is recorded: `recorded`, when
    // the caller knows it (the previous step's objects), else read from the table.
    Result<void> record_schema(const std::vector<SchemaObject>& objects,
                               const std::vector<SchemaObject>* recorded = nullptr);

    // Writes `changes` to belay_schema, in the caller's transaction: for a caller that knows
    // what changed since the schema it recorded last (SchemaCatalog::last_changes()).
    Result<void> record_schema_changes(const SchemaChanges& changes);

    // The recorded schema, std::nullopt when none was recorded (belay_schema missing or empty).
    Result<std::optional<std::vector<SchemaObject>>> read_recorded_schema();

    // The fingerprint recorded by the most recently applied step, std::nullopt without history.
    Result<std::optional<std::string>> last_recorded_fingerprint();

    // Removes the version's failure record and dirty mark, in the caller's transaction.
    Result<void> clear_marks(const std::string& version);

    // Re-records the checksum of the version's history row (db repair), in the caller's
    // transaction.
    Result<void> update_checksum(const std::string& version, const std::string& checksum);

  private:
    Result<void> check_history_table();
    Result<bool> table_exists(const std::string& name);
    std::string quoted_table() const;

    Database& m_db;
    std::string m_table;
};

// One sentence per object under the name of one of belay's own tables (belay_failures,
// belay_dirty, belay_schema, belay_repeatable, compared without case) that is not the table belay
// makes there: a view, index or trigger, or a table with other columns. Each names the object and
// says to rename it; empty when there is none. Read-only.
Result<std::vector<std::string>> find_foreign_belay_objects(Database& db);

// The current UTC time as ISO-8601 with a trailing Z, e.g. 2026-11-23T10:15:00Z.
std::string utc_now_iso8601();

}  // namespace belay::sqlite
