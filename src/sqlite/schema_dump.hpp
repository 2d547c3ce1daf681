// The schema of a database as an SQL script: what `sqlite3 new.db < schema.sql` loads into a
// new database at the same version (its objects, belay's history rows, recorded schema and the
// repeatable migrations applied), and the script read back into the lines a comparison needs.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace belay::sqlite {

class Database;

// The script for `db`: a header comment naming `version` and `written_by`, then in one
// transaction the user's tables, indexes, views and triggers (in that order, each group by name;
// not belay's tables, nor the shadow tables SQLite makes itself), then belay's history table,
// belay_schema and belay_repeatable (when there is one) with their rows when belay has run here.
// History rows and repeatable migrations' rows get the loading time (and 0 ms), so the script is
// the same for every database migrated from the same files.
Result<std::string> dump_schema(Database& db, const std::string& history_table,
                                std::string_view written_by, const std::string& version);

// A script like dump_schema's, as text lines (blank ones too): the schema part (between BEGIN
// and the history part); the rows of the history table by version; and every other line but
// the comments above BEGIN. A line is read as a history row only when it is exactly one such
// INSERT of literal values.
struct DumpParts {
    std::vector<std::string> schema;
    std::map<std::string, std::string> history;  // version -> the row's line
    std::vector<std::string> other;
};

DumpParts split_dump(std::string_view dump, const std::string& history_table);

}  // namespace belay::sqlite
