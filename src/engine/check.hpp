// `belay db check`: everything belay can verify about a database without changing it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/backups.hpp"
#include "engine/options.hpp"
#include "engine/roundtrip.hpp"

namespace belay {

struct CheckOptions {
    DatabaseOptions db;
    bool backups = false;  // --backups: verify every backup of this database too
    // --roundtrip: check each migration's Up then Down on a scratch database (see
    // engine/roundtrip.hpp); the database itself may then be missing.
    bool roundtrip = false;
    std::chrono::milliseconds step_timeout{30000};  // for the round trip's steps
};

struct CheckFinding {
    std::string area;     // integrity, foreign_keys, views, triggers, references, history,
                          // drift, backups, roundtrip
    std::string message;  // what is wrong, naming the object, migration or file
};

struct CheckReport {
    std::string database;
    std::string version = "0";
    std::vector<CheckFinding> findings;
    std::vector<BackupEntry> backups;          // with --backups, each with its problems
    std::optional<RoundtripReport> roundtrip;  // with --roundtrip
};

// Opens the database read-only and runs PRAGMA integrity_check and foreign_key_check, the
// per-step validation's checks (views that do not prepare, triggers that do not compile,
// foreign keys to missing tables), history against the files (modified, missing, failed,
// dirty, out of order) and drift: the schema against the one recorded after the last
// migration, listing the objects added, removed or changed outside migrations. Fails (rather
// than reporting findings) only when the database or the files cannot be read at all. With
// roundtrip, each migration's round trip adds its problems as "roundtrip" findings; a database
// that does not exist then means the round trip alone is checked.
Result<CheckReport> run_check(const CheckOptions& options);

}  // namespace belay
