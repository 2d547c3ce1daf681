// `belay db status` and `belay db version`: read-only views of files x history.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "belay/history.hpp"
#include "belay/migrations.hpp"
#include "belay/options.hpp"
#include "belay/plan.hpp"

namespace belay {

struct DatabaseState {
    bool exists = false;            // false: the file is not there yet (nothing applied)
    std::uintmax_t size_bytes = 0;  // main file size
    History history;
};

struct StatusReport {
    std::string database;
    DatabaseState state;
    MigrationSet set;  // owns the migrations that plan's entries point into
    Plan plan;

    bool needs_attention() const { return !plan.pending().empty() || plan.has_problems(); }
};

// Loads the files, reads the database read-only (creating nothing) and builds the plan.
// Fails like load_migration_set for bad files, and with refused for another tool's history
// table. A missing database is not an error: everything is pending.
Result<std::unique_ptr<StatusReport>> build_status(const DatabaseOptions& options);

// The newest applied version as written in its file name, "0" when none (also for a database
// that does not exist). Needs no migration files: it reads the history alone, read-only. Fails
// with invalid_input for a file that is not a readable SQLite database, refused for another
// tool's history table under history_table's name, busy when the database stays locked.
Result<std::string> read_current_version(const DatabaseOptions& options);

}  // namespace belay
