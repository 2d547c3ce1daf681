// `belay db dump-schema`: the schema as SQL, stable enough to commit, ending with the history.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "belay/options.hpp"

namespace belay {

struct DumpSchemaOptions {
    MigrateOptions run;                        // database, migrations, history table, timeouts
    std::optional<std::filesystem::path> out;  // --out: write here (replacing it) instead of stdout
    std::optional<std::filesystem::path> check;  // --check: compare this file with the migrations
};

struct DumpSchemaReport {
    std::string sql;                       // the dump (empty with --check)
    std::vector<std::string> differences;  // --check: what the file has wrong, line by line
    std::vector<std::string> notes;
};

// Without `check`: opens the database read-only and dumps its schema: a header comment, then in
// one transaction every table, index, view and trigger (in that order, each by name, as SQLite
// stores its SQL), then belay's history table and belay_schema with their rows, in version
// order, so a database loaded from the file (`sqlite3 new.db < schema.sql`) is at the same
// version and has no drift. Byte-identical for the same database. With `out`, written durably.
//
// With `check`: builds a scratch database from the migration files (every Up, in order) and
// compares its dump's schema part and versions with the file's; `differences` lists what is
// missing from the file or extra in it. Fails with invalid_input for a missing database or
// file, or migrations that do not apply on a scratch database.
Result<DumpSchemaReport> run_dump_schema(const DumpSchemaOptions& options);

}  // namespace belay
