// Read-only questions about a database's schema: its fingerprint and the validation state that
// each migration step is compared against.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "sqlite/schema_catalog.hpp"

namespace belay::sqlite {

class Database;
class ExecutionGuard;

// Runs a query and collects the text of each row's columns ("" for NULL).
Result<std::vector<std::vector<std::string>>> query_rows(Database& db, std::string_view sql);

// The column names of every table but SQLite's and belay's own (sqlite_*, belay_*), by table.
Result<std::map<std::string, std::set<std::string>>> table_columns(Database& db);

// SHA-256 (hex) over the schema's user objects (type, name, table, SQL), in a stable order,
// leaving out SQLite's internal objects, `history_table` and belay's own `belay_*` tables.
// Equal fingerprints mean equal schemas; any DDL change alters it.
Result<std::string> schema_fingerprint(Database& db, const std::string& history_table);

// The same fingerprint for objects already read.
std::string fingerprint_of(const std::vector<SchemaObject>& objects);

// Everything the per-step validation looks at, each finding keyed so that a before/after
// comparison can tell new findings from old ones.
// The rows of one child table whose foreign key to one parent table finds no parent row.
struct ForeignKeyViolations {
    std::string table;   // the child
    std::string parent;  // the parent table as the foreign key names it
    std::int64_t count = 0;
    // (rowid, foreign key id) of every violating row, sorted. A WITHOUT ROWID child has no
    // rowid to tell its rows apart: then `rowids` is false and only the count is compared.
    std::vector<std::pair<std::int64_t, std::int64_t>> rows;
    bool rowids = true;
};

// A trigger that no longer compiles. `name` is empty when no single trigger of the table fails
// on its own for that event (the failure shows only with all of them together).
struct BrokenTrigger {
    std::string name;
    std::string table;
    std::string event;  // INSERT, UPDATE or DELETE
    std::string error;  // SQLite's
};

// "trigger t on table (EVENT)", or "a trigger on table (EVENT)" for an unnamed one.
std::string describe(const BrokenTrigger& trigger);

struct ValidationState {
    // "child -> parent" -> the rows of child whose key finds no parent row.
    std::map<std::string, ForeignKeyViolations> foreign_key_violations;
    // table -> SQLite's "foreign key mismatch" error (a parent key that is not unique).
    std::map<std::string, std::string> foreign_key_mismatches;
    std::map<std::string, std::string> broken_views;  // view -> SQLite's error
    // The trigger's name, or "table (EVENT)" for an unnamed one -> the finding.
    std::map<std::string, BrokenTrigger> broken_triggers;
    std::map<std::string, std::string> dangling_references;  // "child -> parent" -> detail
    // table -> SQLite's error reading its columns (a generated column calling a function this
    // SQLite lacks): integrity checks, and so every backup's verification, fail on it too.
    std::map<std::string, std::string> unreadable_tables;
};

// Captures the state. Cheap: foreign_key_check and foreign_key_list for the tables that have
// foreign keys, one prepare per view, three per table with triggers (and, for a table whose
// triggers fail to compile, three per trigger of it, to name the broken ones); everything else
// comes from `catalog` (refreshed: as the database is now). Statements are prepared, never
// run; what it creates to name broken triggers lives in a savepoint that is always rolled back.
//
// With a `guard`, each check first asks guard->poll(): when it says stop (the step's deadline,
// a signal), or a statement is interrupted, the capture fails with ErrorCode::interrupted and
// guard->stop_reason() tells why.
Result<ValidationState> capture_validation_state(Database& db, const SchemaCatalog& catalog,
                                                 ExecutionGuard* guard = nullptr);

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
