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
    // Repeatable migrations (Flyway's R__ files), in the order a run applies them.
    std::vector<RepeatableMigration> repeatables;
};

}  // namespace belay
