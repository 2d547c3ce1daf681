// sqlx's migrations (launchbadge/sqlx), read as sqlx reads them:
//
//   <version>_<description>.sql           a simple migration: the whole file runs, there is no Down
//   <version>_<description>.up.sql        a reversible one, with
//   <version>_<description>.down.sql      its revert (optional here, as for golang-migrate's pairs)
//
// A file that starts with the bytes "-- no-transaction" runs without a transaction (sqlx looks
// at the start of the file only: a BOM or a blank line first turns it into a plain comment).
// Simple files and pairs may stand side by side in one directory, as sqlx allows.
#pragma once

#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "belay/migration.hpp"
#include "core/error.hpp"

namespace belay {

// True when `contents` starts with sqlx's "-- no-transaction".
bool starts_with_sqlx_no_transaction(std::string_view contents);

// The same for the file at `path`, reading only its first bytes; false when it cannot be read
// (the loader reports that).
bool file_starts_with_sqlx_no_transaction(const std::filesystem::path& path);

// Every migration of `directory` in sqlx's layout, sorted by version. A simple file is read like
// the up file of a pair (so a directory read as golang-migrate's pairs before gives the same
// checksums). Fails with invalid_input listing every problem, each naming its path: a name that
// is not a sqlx migration's, two up files (or a simple and an up file) of one version, a down
// file without its up file, a file that cannot be read or holds a NUL byte, duplicate versions.
Result<std::vector<Migration>> load_sqlx_files(const std::filesystem::path& directory);

// How sqlx-cli's `migrate add` would shape the next migration after `migrations` (sorted by
// version): numbered sequentially (at least four digits) when the two newest versions are
// consecutive numbers (or the only one is 0 or 1) and the newest is one file, else by UTC
// timestamp; a pair when the newest migration is one (an up file, with or without its down
// file), which sqlx always numbers by timestamp.
struct SqlxNaming {
    bool sequential = false;
    bool reversible = false;
};
SqlxNaming sqlx_naming(std::span<const Migration> migrations);

}  // namespace belay
