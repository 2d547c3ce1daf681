// One migration as read from disk: what the parser produces and every later stage consumes.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "belay/version.hpp"

namespace belay {

// One section of a migration file (Up, Down or Verify).
struct SqlSection {
    bool present = false;  // the file has this section's marker
    std::string sql;       // the section's text; directive lines are replaced by empty lines
    int first_line = 0;    // 1-based line in the file of sql's first line (0 when !present)
    // The file the text comes from, where that is not the migration's own file (the down file
    // of golang-migrate's pairs, diesel's down.sql); empty otherwise.
    std::filesystem::path file;
};

enum class Direction { up, down };

// Where a migration was read from: a directory in one tool's layout (sql-migrate is belay's
// own format; the others are read as they are, see docs/file-format.md), or compiled into the
// program (embedded, see belay/migrations.hpp).
enum class Layout {
    sql_migrate,
    goose,
    dbmate,
    golang_migrate,
    pop,
    diesel,
    sqlx,
    prisma,
    drizzle,
    flyway,
    embedded
};

// "sql-migrate", "goose", "dbmate", "golang-migrate", "pop", "diesel", "sqlx", "prisma",
// "drizzle", "flyway" (as --format spells them), "embedded".
std::string_view to_string(Layout layout);

std::optional<Layout> parse_layout(std::string_view name);

// How a file of `layout` says "run this without a transaction", for messages.
std::string_view no_transaction_hint(Layout layout);

struct Migration {
    Version version;                 // from the file name, spelled as written there
    std::string name;                // the file name's part after "<version>_", without ".sql"
    std::filesystem::path path;      // the file it was read from
    SqlSection up;                   // required; an empty or comment-only Up is a deliberate no-op
    SqlSection down;                 // optional
    SqlSection verify;               // optional: belay's own post-step checks
    bool up_no_transaction = false;  // "-- +migrate NoTransaction" or "Up notransaction"
    bool down_no_transaction = false;  // "-- +migrate NoTransaction" or "Down notransaction"
    std::optional<std::chrono::milliseconds> timeout;  // "-- +migrate Timeout <seconds>"
    std::string checksum;                 // lowercase hex SHA-256 of the file, CRLF read as LF
    Layout layout = Layout::sql_migrate;  // the layout it was read in
    // Drizzle: its journal entry's "when" (milliseconds since the epoch), which Drizzle records
    // as created_at in __drizzle_migrations; 0 for the other layouts.
    std::int64_t journal_when = 0;

    const SqlSection& section(Direction d) const { return d == Direction::up ? up : down; }
    // The file `section` (one of this migration's) was read from, for messages.
    const std::filesystem::path& file_of(const SqlSection& section) const {
        return section.file.empty() ? path : section.file;
    }
    bool no_transaction(Direction d) const {
        return d == Direction::up ? up_no_transaction : down_no_transaction;
    }
};

// A migration without a version that runs again whenever its file changes: Flyway's repeatable
// migration, R__<description>.sql (docs/file-format.md#flyway). belay keeps them apart from the
// versioned migrations: `db migrate` applies each one whose checksum differs from the one
// belay_repeatable recorded, after the last versioned step of a run that leaves none pending, in
// Flyway's order (flyway_description_less). A repeatable always runs in a transaction: one
// configured to run without (executeInTransaction=false) is refused when it is read, since a
// repeatable that half-applied and is then run again is nothing belay could make safe.
struct RepeatableMigration {
    std::string name;            // the description as the file spells it: "user_views"
    std::filesystem::path path;  // the file it was read from
    SqlSection up;               // the whole file, which is what runs
    std::string checksum;        // lowercase hex SHA-256 of the file, CRLF read as LF
    Layout layout = Layout::flyway;
};

// One statement of a section, found before anything runs (for lint and error positions).
struct SqlStatement {
    std::string text;  // the statement, including its terminating ';' when present
    int line = 0;      // 1-based line in the file where the statement's first token stands
};

}  // namespace belay
