// `belay db check`: everything belay can verify about a database without changing it.
#pragma once

#include <string>
#include <vector>

#include "engine/backups.hpp"
#include "engine/options.hpp"

namespace belay {

struct CheckOptions {
    DatabaseOptions db;
    bool backups = false;  // --backups: verify every backup of this database too
};

struct CheckFinding {
    std::string area;     // integrity, foreign_keys, views, triggers, references, history,
                          // drift, backups
    std::string message;  // what is wrong, naming the object, migration or file
};

struct CheckReport {
    std::string database;
    std::string version = "0";
    std::vector<CheckFinding> findings;
    std::vector<BackupEntry> backups;  // with --backups, each with its problems
};

// Opens the database read-only and runs PRAGMA integrity_check and foreign_key_check, the
// per-step validation's checks (views that do not prepare, triggers that do not compile,
// foreign keys to missing tables), history against the files (modified, missing, failed,
// dirty, out of order) and drift: the schema against the one recorded after the last
// migration, listing the objects added, removed or changed outside migrations. Fails (rather
// than reporting findings) only when the database or the files cannot be read at all.
Result<CheckReport> run_check(const CheckOptions& options);

}  // namespace belay
