// The schema as a reader of it sees it: tables and their columns, indexes, foreign keys, views
// and triggers, without the incidental details a rebuild changes (how a table's name is quoted
// in its CREATE statement, the names SQLite gives its own indexes).
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"

namespace belay::sqlite {

class Database;

// One sorted line per fact ("column users#1 email TEXT notnull=0 default=NULL pk=0 hidden=0",
// "foreign key releases (package_id) -> packages (id) on update NO ACTION on delete CASCADE
// match NONE", ...), leaving out SQLite's internal objects, `history_table` and belay's own
// tables. Two databases whose lines are equal have the same logical schema.
Result<std::vector<std::string>> logical_schema(Database& db, const std::string& history_table);

// What `after` lacks of `before` ("missing: ...") and has on top ("extra: ..."), line by line.
std::vector<std::string> logical_differences(const std::vector<std::string>& before,
                                             const std::vector<std::string>& after);

}  // namespace belay::sqlite
