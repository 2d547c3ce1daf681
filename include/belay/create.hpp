// `belay db create NAME`: a new, empty migration file with Up and Down sections.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "belay/error.hpp"
#include "belay/migration.hpp"

namespace belay {

struct CreateOptions {
    std::filesystem::path migrations_dir = "migrations";
    std::string name;
    bool timestamp = false;        // UTC YYYYMMDDHHMMSS instead of the next sequential number
    std::optional<Layout> layout;  // empty: the directory's (sql-migrate when empty)
};

// "Add Users-Table" -> "add_users_table": lowercase ASCII letters and digits joined by single
// underscores. Empty when nothing usable remains.
std::string normalise_migration_name(std::string_view name);

// The decimal number one greater than `digits`, keeping at least `digits`' width
// ("0009" -> "0010", "99" -> "100"); works for any length.
std::string increment_version(std::string_view digits);

}  // namespace belay
