// What the database remembers about migrations, as plain data (read by the sqlite layer).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace belay {

// One row of the history table (schema_migrations by default).
struct AppliedMigration {
    std::string version;             // as written in the file name when it was applied
    std::string name;                // the file name's name part
    std::string checksum;            // SHA-256 of the file as applied
    std::string applied_at;          // UTC ISO-8601, e.g. 2026-11-23T10:15:00Z
    std::int64_t execution_ms = 0;   // wall time of the step
    std::string schema_fingerprint;  // SHA-256 of the schema right after the step
};

// The last failed attempt at a migration (belay_failures); cleared when it later succeeds.
struct FailedAttempt {
    std::string version;
    std::string name;
    std::string failed_at;  // UTC ISO-8601
    std::string error;      // the message shown when it failed
};

// A NoTransaction step that started and never finished (belay_dirty). While one stands, belay
// refuses to run: the database may hold half of that step.
struct DirtyMark {
    std::string version;
    std::string name;
    std::string started_at;  // UTC ISO-8601
};

// The last application of a repeatable migration (belay_repeatable): one row per name.
struct AppliedRepeatable {
    std::string name;        // the description as its file spells it
    std::string checksum;    // SHA-256 of the file as applied
    std::string applied_at;  // UTC ISO-8601
};

// A history table another migration tool keeps in the database (db check names it).
struct ToolHistory {
    std::string tool;        // "goose", "dbmate", "Rails", "Prisma", "Alembic", ...
    std::string table;       // its table, e.g. goose_db_version
    bool adoptable = false;  // `db adopt` reads it (goose, sql-migrate, golang-migrate, dbmate,
                             // Rails, pop, diesel, sqlx, Prisma, Drizzle, Flyway)
};

struct History {
    bool table_exists = false;  // false for a database belay has never migrated
    std::vector<AppliedMigration> applied;
    std::vector<FailedAttempt> failures;
    std::vector<DirtyMark> dirty;
    std::vector<AppliedRepeatable> repeatables;  // by name; empty without belay_repeatable
};

}  // namespace belay
