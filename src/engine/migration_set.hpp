// Loading the migrations: the engine's side of belay::load_migration_set (belay/api.hpp gives
// the contract; src/api calls these).
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "belay/embedded_migration.hpp"
#include "belay/error.hpp"
#include "belay/migration.hpp"
#include "belay/migrations.hpp"
#include "belay/options.hpp"

namespace belay::engine {

Result<MigrationSet> load_migration_set(const std::filesystem::path& directory,
                                        std::optional<Layout> layout = std::nullopt);
Result<MigrationSet> load_migration_set(const std::vector<EmbeddedMigration>& migrations);
Result<MigrationSet> load_migration_set(const DatabaseOptions& options);

}  // namespace belay::engine
