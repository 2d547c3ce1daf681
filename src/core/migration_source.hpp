// Collecting the migrations of a directory: every file read, parsed and checked together.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "belay/migration.hpp"
#include "core/error.hpp"
#include "core/migration_layouts.hpp"

namespace belay {

// Returns every migration in `directory` (not recursive; subdirectories are skipped), sorted
// ascending by version. An empty directory gives an empty vector: the caller decides whether that
// is an error.
//
// Each directory entry that is not ignored (is_ignored_file_name) must be a regular file named
// "<version>_<name>.sql" (symlinks to such files are fine) and parse with parse_migration.
// Fails with ErrorCode::invalid_input when the directory is missing, not a directory or cannot be
// listed, or when any file is misnamed, unreadable or does not parse, or two files have the same
// numeric version ("0001_a.sql" and "1_b.sql"). All problems are reported together, one per line,
// each naming the path(s) and what to do.
//
// `layout` forces one of the layouts in core/migration_layouts.hpp; without it the layout is
// detected (detect_layout). goose and dbmate files are read with their own directives
// (parse_migration with their layout).
//
// A Flyway directory's repeatable migrations (R__) are read and checked too, and left out of the
// result: callers that run them use load_migration_files.
Result<std::vector<Migration>> load_migrations(const std::filesystem::path& directory,
                                               std::optional<Layout> layout = std::nullopt);

// Every migration of a directory: the versioned ones, as load_migrations returns them, and the
// repeatable ones (only Flyway's layout has them), in the order a run applies them.
struct MigrationFiles {
    std::vector<Migration> migrations;
    std::vector<RepeatableMigration> repeatables;
};

// As load_migrations, with the repeatable migrations.
Result<MigrationFiles> load_migration_files(const std::filesystem::path& directory,
                                            std::optional<Layout> layout = std::nullopt);

// True for a file name that is clearly not meant as a migration, so load_migrations skips it:
//   - hidden files: the name starts with '.' (".gitkeep", ".DS_Store", editor swap files);
//   - documentation: the name starts with "README", "LICENSE", "LICENCE", "CHANGELOG" or
//     "NOTICE", or ends in ".md", ".txt" or ".rst" (all case-insensitive).
// Anything else that is not a valid migration name, including a misnamed "*.sql", is an error:
// a migration silently skipped is worse than a complaint.
bool is_ignored_file_name(std::string_view file_name);

}  // namespace belay
