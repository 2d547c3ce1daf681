// `db check --roundtrip`: does each migration's Down give back the schema its Up started from?
#pragma once

#include <string>
#include <vector>

#include "belay/check.hpp"
#include "belay/options.hpp"

namespace belay::engine {

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

}  // namespace belay::engine
