// Loading and checking migrations, from a directory or compiled into the program, before any
// database is touched.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "belay/embedded_migration.hpp"
#include "belay/error.hpp"
#include "belay/migration.hpp"
#include "belay/options.hpp"

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

// The same for migrations compiled into the program, sorted by version. Each becomes a
// Migration whose path reads "(embedded) <version>_<name>" (so messages name it), whose
// sections start at line 1 of their own string and whose checksum is the SHA-256 of its Up,
// Down and Verify SQL and flags: changing an applied one's SQL makes it "modified", as editing
// a file does. Fails with invalid_input, listing every problem with the migration it concerns,
// for a version that is not digits, a missing or unusable name, two migrations with the same
// version, or a statement that cannot run inside a transaction.
Result<MigrationSet> load_migration_set(const std::vector<EmbeddedMigration>& migrations);

// The migrations `options` names: its embedded_migrations when set, else the files of
// migrations_dir in its layout.
Result<MigrationSet> load_migration_set(const DatabaseOptions& options);

}  // namespace belay
