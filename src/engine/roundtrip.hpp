// `db check --roundtrip`: does each migration's Down give back the schema its Up started from?
#pragma once

#include <string>
#include <vector>

#include "engine/options.hpp"

namespace belay {

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
};

// Builds a scratch database from the migration files alone (never touching the user's
// database): for each migration in version order, Up, then Down, comparing the logical schema
// (tables, columns, indexes, foreign keys, views, triggers) with the one before Up, then Up
// again, comparing with the first Up's. Every step runs as in a real run (one transaction,
// validation, the step timeout). Then, when options.db.database exists, the same for its
// pending migrations on a copy of it, so that what only real data shows is found too (the
// database itself is only read). Fails only when the files cannot be loaded, the scratch
// database cannot be made or the database cannot be copied; what the migrations do wrong is
// in the report.
Result<RoundtripReport> run_roundtrip(const MigrateOptions& options);

}  // namespace belay
