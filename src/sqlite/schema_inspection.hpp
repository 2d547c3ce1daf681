// Read-only questions about a database's schema: its fingerprint and the validation state that
// each migration step is compared against.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "sqlite/schema_catalog.hpp"

namespace belay::sqlite {

class Database;

// Runs a query and collects the text of each row's columns ("" for NULL).
Result<std::vector<std::vector<std::string>>> query_rows(Database& db, std::string_view sql);

// SHA-256 (hex) over the schema's user objects (type, name, table, SQL), in a stable order,
// leaving out SQLite's internal objects, `history_table` and belay's own `belay_*` tables.
// Equal fingerprints mean equal schemas; any DDL change alters it.
Result<std::string> schema_fingerprint(Database& db, const std::string& history_table);

// The same fingerprint for objects already read.
std::string fingerprint_of(const std::vector<SchemaObject>& objects);

// Everything the per-step validation looks at, each finding keyed so that a before/after
// comparison can tell new findings from old ones.
struct ValidationState {
    // "child -> parent" -> number of rows of child whose key finds no parent row.
    std::map<std::string, std::int64_t> foreign_key_violations;
    // table -> SQLite's "foreign key mismatch" error (a parent key that is not unique).
    std::map<std::string, std::string> foreign_key_mismatches;
    std::map<std::string, std::string> broken_views;         // view -> SQLite's error
    std::map<std::string, std::string> broken_triggers;      // "table (EVENT)" -> error
    std::map<std::string, std::string> dangling_references;  // "child -> parent" -> detail
    // table -> SQLite's error reading its columns (a generated column calling a function this
    // SQLite lacks): integrity checks, and so every backup's verification, fail on it too.
    std::map<std::string, std::string> unreadable_tables;
};

// Captures the state. Cheap: foreign_key_check and foreign_key_list for the tables that have
// foreign keys, one prepare per view, three per table with triggers; everything else comes
// from `catalog` (refreshed: as the database is now). Statements are prepared, never run.
Result<ValidationState> capture_validation_state(Database& db, const SchemaCatalog& catalog);

// The same, reading the catalog first.
Result<ValidationState> capture_validation_state(Database& db);

struct ValidationFindings {
    std::vector<std::string> errors;    // fail the step
    std::vector<std::string> warnings;  // reported; fatal only when `strict`
};

// What `after` has that `before` did not. With `strict`, new dangling references are errors.
ValidationFindings compare_validation_states(const ValidationState& before,
                                             const ValidationState& after, bool strict);

// Drops every object in the connection's temp schema (tables, views, triggers). They live on the
// connection, not in the database, and would shadow the database's own tables and views (SQLite
// looks in temp first) in every later unqualified statement of the connection: a temporary
// "schema_migrations" would receive belay's own history rows.
Result<void> drop_temporary_objects(Database& db);

// PRAGMA quick_check (or integrity_check when `full`); the findings, empty when "ok".
Result<std::vector<std::string>> check_integrity(Database& db, bool full);

}  // namespace belay::sqlite
