// The read-only view of a database that status, version and planning share.
#pragma once

#include <optional>

#include "core/history.hpp"
#include "core/plan.hpp"
#include "engine/migration_set.hpp"
#include "engine/options.hpp"
#include "sqlite/database.hpp"

namespace belay {

struct DatabaseState {
    bool exists = false;            // false: the file is not there yet (nothing applied)
    std::uintmax_t size_bytes = 0;  // main file size
    History history;
};

// Opens the database read-only (creating nothing), checks that any history table is belay's
// and reads the history. A database that does not exist yields exists = false.
Result<DatabaseState> read_database_state(const DatabaseOptions& options);

// Reads the history of an open connection, refusing another tool's history table.
Result<History> read_history(sqlite::Database& db, const std::string& history_table);

}  // namespace belay
