// Drizzle's history table, __drizzle_migrations, mapped onto the migrations of its folder for
// `db adopt`.
//
// Drizzle records a row (hash, created_at) for each migration it runs: created_at is the journal
// entry's "when", hash the SHA-256 of the file. It keeps no version, name or time of application.
#pragma once

#include <span>

#include "belay/migration.hpp"
#include "core/error.hpp"
#include "core/history_edit.hpp"

namespace belay {

// `drizzle` (read by sqlite::read_foreign_history: each row's version its created_at) with each
// row's version replaced by the version of the migration it stands for: the one whose journal
// entry's "when" is the row's created_at and whose file has the row's hash
// (drizzle_hash_matches). Drizzle keeps no time of application, so applied_at stays empty.
// Refuses, naming every row concerned and what to do: a row no entry of the journal has the
// "when" of (invalid_input, as for a missing file), and a row whose hash is not the file's, or
// a second row for one migration (refused).
Result<ForeignHistory> drizzle_rows_as_versions(std::span<const Migration> migrations,
                                                const ForeignHistory& drizzle);

}  // namespace belay
