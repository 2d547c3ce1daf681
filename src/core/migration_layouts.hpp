// Other tools' migration layouts, read as they are, so a team can switch to belay without
// rewriting its migrations. Each layout yields the same Migration values as belay's own format.
//
//   sql-migrate     <version>_<name>.sql with -- +migrate Up / Down (belay's own format)
//   goose           <version>_<name>.sql with -- +goose Up / Down, StatementBegin/End,
//                   -- +goose NO TRANSACTION, ENVSUB ON/OFF (read by parse_migration)
//   dbmate          <version>_<name>.sql with -- migrate:up / -- migrate:down
//                   [transaction:false], in one or more pairs (read by parse_migration)
//   golang-migrate  <version>_<name>.up.sql and <version>_<name>.down.sql
//   pop             <version>_<name>[.<dialect>][.autocommit].(up|down).sql (gobuffalo/pop,
//                   ory/popx): sqlite3 and sqlite win over a file with no dialect, other
//                   dialects are ignored, .autocommit means NoTransaction; chosen separately
//                   for up and down
//   diesel          a folder <YYYY-MM-DD-HHMMSS>_<name>/ (or with _ or no separators) holding
//                   up.sql and down.sql; metadata.toml's run_in_transaction = false means
//                   NoTransaction
//   sqlx            <version>_<name>.sql (the whole file is Up), or .up.sql/.down.sql pairs;
//                   "-- no-transaction" at the start of a file (core/migration_sqlx.hpp)
//   prisma          folders <timestamp>_<name>/migration.sql beside migration_lock.toml; no
//                   Down (core/migration_prisma.hpp)
//   flyway          V<version>__<description>.sql with U<version>__... undo files
//                   (core/migration_flyway.hpp)
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "belay/migration.hpp"
#include "core/error.hpp"

namespace belay {

class ReadCache;

// Which layout `directory` holds, judged by its file and folder names and, for single .sql
// files, by their directives. Fails with invalid_input when it holds more than one layout,
// naming a file of each. The files it reads are kept in `cache` when one is given.
Result<Layout> detect_layout(const std::filesystem::path& directory, ReadCache* cache = nullptr);

// golang-migrate's and pop's pairs of files, and diesel's folders: every migration of
// `directory`, sorted by version. Fail with invalid_input listing every problem (misnamed
// files, files that cannot be read, duplicate versions, a down file without its up file), each
// naming the path. (sql-migrate, goose and dbmate files are read by load_migrations.)
Result<std::vector<Migration>> load_paired_files(const std::filesystem::path& directory,
                                                 Layout layout);
Result<std::vector<Migration>> load_diesel_folders(const std::filesystem::path& directory);

// One migration read from plain SQL files, as golang-migrate's pairs are: `up` (required) and
// `down` (optional: an empty path for none) become its Up and Down sections, CRLF read as LF,
// and its checksum covers both files. Fails with invalid_input naming the file when one cannot
// be read or holds a NUL byte.
Result<Migration> read_plain_sql_migration(Version version, std::string name,
                                           const std::filesystem::path& up,
                                           const std::filesystem::path& down, Layout layout);

// True for "2018-04-27-155151_create_users" and the same with '_' or no separators.
bool is_diesel_folder_name(const std::string& name);

}  // namespace belay
