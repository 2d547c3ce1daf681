// What `db exec` records of a database before the command runs and compares after it: the
// schema's objects, the validation state (foreign-key violations, views and triggers that do
// not compile) and what each migration tool's history table records.
#pragma once

#include <string>
#include <vector>

#include "belay/exec.hpp"
#include "belay/options.hpp"
#include "sqlite/schema_catalog.hpp"
#include "sqlite/schema_inspection.hpp"

namespace belay::sqlite {
class Database;
}

namespace belay::engine {

// One migration tool's history table and what it records (sqlite::read_tool_records).
struct ToolRecords {
    std::string tool;
    std::string table;
    std::vector<std::string> entries;
};

struct DatabaseFacts {
    std::vector<std::string> integrity;  // PRAGMA integrity_check's findings; empty when "ok"
    // Every object but SQLite's internal ones and belay's belay_* tables.
    std::vector<sqlite::SchemaObject> objects;
    sqlite::ValidationState validation;
    std::vector<ToolRecords> tools;
};

// Reads the facts of `db` (in the caller's transaction, if any), integrity_check first. belay's own
// history table
// (`history_table`, when belay made it) counts as the tool "belay". A tool's table that cannot
// be read (a table of a tool's name whose columns are not the tool's) is left out, with a note.
Result<DatabaseFacts> capture_facts(sqlite::Database& db, const std::string& history_table,
                                    std::vector<Message>& notes);

// What changed from `before` to `after`, into `report`: schema changes, tool records, and the
// integrity and validation findings that are new (errors and warnings as `level` says); a
// note when the database failed integrity_check before the command already.
void compare_facts(const DatabaseFacts& before, const DatabaseFacts& after, ValidationLevel level,
                   ExecReport& report);

}  // namespace belay::engine
