// Loading the migrations: the engine's side of belay::load_migration_set (belay/api.hpp gives
// the contract; src/api calls these).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "belay/embedded_migration.hpp"
#include "belay/error.hpp"
#include "belay/migration.hpp"
#include "belay/migrations.hpp"
#include "belay/options.hpp"

namespace belay::engine {

// A name is recorded in the history and written into JSON reports, which hold UTF-8 only: one
// that is not UTF-8 (the version and the layouts' suffixes are ASCII, so it holds the file
// name's bad bytes) could be applied but not reported. The problem, naming the file with its
// bad bytes escaped, or std::nullopt for a good name.
std::optional<std::string> name_problem(const Migration& migration);

Result<MigrationSet> load_migration_set(const std::filesystem::path& directory,
                                        std::optional<Layout> layout = std::nullopt);
Result<MigrationSet> load_migration_set(const std::vector<EmbeddedMigration>& migrations);
Result<MigrationSet> load_migration_set(const DatabaseOptions& options);

}  // namespace belay::engine
