// `belay db check`: everything belay can verify about a database without changing it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "belay/backup.hpp"
#include "belay/history.hpp"
#include "belay/message.hpp"
#include "belay/options.hpp"

namespace belay {

// The roundtrip check: does each migration's Down give back the schema its Up started from?
struct RoundtripResult {
    std::string version;  // as written in the file name
    std::string name;
    std::string outcome;                // "ok", "no Down section", "differs", "failed"
    std::vector<std::string> problems;  // for differs and failed: what, line by line
};

struct RoundtripReport {
    std::vector<RoundtripResult> migrations;  // in version order, up to where it could go
    bool complete = true;  // false when an Up failed and the later ones could not be checked
    // When the database exists: its pending migrations, round-tripped on a copy of it (with its
    // data), in version order up to where they could go.
    std::vector<RoundtripResult> on_copy;
    // Empty when the copy was round-tripped (or there is no database); else why not, e.g. its
    // history table is another tool's, so belay cannot tell which migrations are pending there.
    Message on_copy_skipped;
};

struct CheckOptions {
    DatabaseOptions db;
    bool backups = false;  // verify every backup of this database too
    // check each migration's Up then Down on a scratch database (RoundtripReport
    // above); the database itself may then be missing.
    bool roundtrip = false;
    std::chrono::milliseconds step_timeout{30000};  // for the round trip's steps
};

struct CheckFinding {
    std::string area;     // integrity, foreign_keys, views, triggers, references, history,
                          // drift, backups, roundtrip, belay_tables (an object under the name
                          // of one of belay's own tables that belay did not make)
    std::string message;  // what is wrong, naming the object, migration or file
};

struct CheckReport {
    std::string database;
    std::string version = "0";  // "-" when the history table's name is another tool's table
    std::vector<CheckFinding> findings;
    // Every other migration tool's history table in the database: named, never a finding.
    std::vector<ToolHistory> other_histories;
    // Empty when the history and drift checks ran; else why not, e.g. "schema_migrations is
    // dbmate's history table, not belay's" (every other check still ran).
    std::string history_skipped;
    std::vector<BackupEntry> backups;          // with backups set, each with its problems
    std::optional<RoundtripReport> roundtrip;  // with roundtrip set
};

}  // namespace belay
