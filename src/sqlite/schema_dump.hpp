// The schema of a database as an SQL script: what `sqlite3 new.db < schema.sql` loads into a
// new database at the same version (its objects, belay's history rows and recorded schema), and
// the script read back into the lines a comparison needs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace belay::sqlite {

class Database;

// The script for `db`: a header comment naming `version` and `written_by`, then in one
// transaction the user's tables, indexes, views and triggers (in that order, each group by name;
// not belay's tables, nor the shadow tables SQLite makes itself), then belay's history table and
// belay_schema with their rows when belay has run here. History rows get the loading time and
// 0 ms, so the script is the same for every database migrated from the same files.
Result<std::string> dump_schema(Database& db, const std::string& history_table,
                                std::string_view written_by, const std::string& version);

// A script made by dump_schema, as text lines: the schema part (between BEGIN and the history
// part) and the versions of its history rows.
struct DumpParts {
    std::vector<std::string> schema;
    std::vector<std::string> versions;
};

DumpParts split_dump(std::string_view dump, const std::string& history_table);

}  // namespace belay::sqlite
