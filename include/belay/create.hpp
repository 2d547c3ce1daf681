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
    std::optional<Layout> layout;  // --format; empty: the directory's (sql-migrate when empty)
};

// "Add Users-Table" -> "add_users_table": lowercase ASCII letters and digits joined by single
// underscores. Empty when nothing usable remains.
std::string normalise_migration_name(std::string_view name);

// The decimal number one greater than `digits`, keeping at least `digits`' width
// ("0009" -> "0010", "99" -> "100"); works for any length.
std::string increment_version(std::string_view digits);

// Writes the migration in the directory's layout (creating the directory if needed) and returns
// the files it wrote: one file for sql-migrate, goose and dbmate (with that tool's Up and Down
// markers), an .up.sql and a .down.sql for golang-migrate and pop, a folder's up.sql and
// down.sql for diesel (whose versions are always timestamps). Never overwrites: fails with
// invalid_input if the name normalises to nothing, or a file with that version or path exists.
// The version is sequential after the newest existing migration (same width; 4 digits when
// there is none) or, with `timestamp`, the UTC time `now`.
Result<std::vector<std::filesystem::path>> create_migration(
    const CreateOptions& options, std::chrono::system_clock::time_point now);

}  // namespace belay
