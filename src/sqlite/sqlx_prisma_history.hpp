// sqlx's _sqlx_migrations and Prisma's _prisma_migrations, read for `db adopt` (see
// foreign_history.hpp, which finds them and checks their columns first).
#pragma once

#include "core/error.hpp"
#include "core/history_edit.hpp"

namespace belay::sqlite {

class Database;

// sqlx: a row per version; success = true is applied (its installed_on kept as the time, its
// checksum, a SHA-384 blob, kept as hex for db adopt's check), success = false a failed
// attempt (sqlx refuses to run while one stands: "dirty").
Result<ForeignHistory> read_sqlx_history(Database& db);

// Prisma: any number of rows per migration folder. A folder is applied when a row of it has
// finished_at set and rolled_back_at NULL (its finished_at kept as the time: Prisma writes
// milliseconds since 1970 or text), and has a failed attempt when a row of it has neither
// (Prisma refuses to deploy while one stands, P3009); rolled-back rows count for nothing.
// Each row's version is the digits its folder name starts with (prisma_folder_name).
Result<ForeignHistory> read_prisma_history(Database& db);

}  // namespace belay::sqlite
