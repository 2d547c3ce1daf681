// Loading and checking a migrations directory before any database is touched.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/migration.hpp"
#include "core/migration_layouts.hpp"

namespace belay {

struct MigrationSet {
    std::vector<Migration> migrations;  // ascending by version
    std::vector<std::string> notes;     // harmless oddities worth telling the operator
};

// Reads and parses every migration file in `directory`, then checks each transactional
// section (Up, Down, Verify) for statements that cannot work inside a transaction. Fails with
// invalid_input listing every problem with its file and line. Touches no database.
Result<MigrationSet> load_migration_set(const std::filesystem::path& directory,
                                        std::optional<Layout> layout = std::nullopt);

}  // namespace belay
