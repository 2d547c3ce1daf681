// Other tools' migration layouts, read as they are, so a team can switch to belay without
// rewriting its migrations. Each layout yields the same Migration values as belay's own format.
//
//   sql-migrate     <version>_<name>.sql with -- +migrate Up / Down (belay's own format)
//   goose           <version>_<name>.sql with -- +goose Up / Down, StatementBegin/End,
//                   -- +goose NO TRANSACTION
//   dbmate          <version>_<name>.sql with -- migrate:up / -- migrate:down [transaction:false]
//   golang-migrate  <version>_<name>.up.sql and <version>_<name>.down.sql
//   pop             <version>_<name>[.<dialect>][.autocommit].(up|down).sql (gobuffalo/pop,
//                   ory/popx): sqlite3 and sqlite win over a file with no dialect, other
//                   dialects are ignored, .autocommit means NoTransaction; chosen separately
//                   for up and down
//   diesel          a folder <YYYY-MM-DD-HHMMSS>_<name>/ (or with _ or no separators) holding
//                   up.sql and down.sql; metadata.toml's run_in_transaction = false means
//                   NoTransaction
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

// True for "2018-04-27-155151_create_users" and the same with '_' or no separators.
bool is_diesel_folder_name(const std::string& name);

// Translates a goose or dbmate file's directives into sql-migrate's, line for line, so that
// belay's parser reads it with the same line numbers; other lines are kept as they are.
std::string translate_directives(std::string_view contents, Layout layout);

}  // namespace belay
