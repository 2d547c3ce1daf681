// Flyway's layout (flyway/flyway's SQL migrations), read as Flyway reads its locations:
//
//   V<version>__<description>.sql   a versioned migration, the whole file its Up. The version's
//                                   parts are joined by '.' or '_' (V1_1__x.sql is 1.1) and
//                                   compare part by part as numbers (Version::parse_dotted)
//   U<version>__<description>.sql   the undo migration of that version: its Down
//   <migration>.sql.conf            Flyway's script configuration: executeInTransaction=false
//                                   runs that file without a transaction
//   R__<description>.sql            a repeatable migration (belay/migration.hpp): kept apart
//                                   from the versioned ones, in Flyway's order; one with
//                                   executeInTransaction=false is refused
//
// Subdirectories are read too, as Flyway scans a location recursively. Flyway's placeholders
// (${name}) are refused where they stand: Flyway stops on one it has no value for, and belay has
// none to give.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "belay/migration.hpp"
#include "belay/version.hpp"
#include "core/error.hpp"
#include "core/problems.hpp"

namespace belay {

// A file name in Flyway's terms: prefix 'V', 'U' or 'R', the version (not for 'R'), and the
// description as written (Flyway shows its '_' as spaces).
struct FlywayFileName {
    char prefix = 'V';
    std::optional<Version> version;  // spelled as Flyway shows it: "1_1" becomes "1.1"
    std::string description;
};

// "V1_1__add_users.sql" -> {'V', 1.1, "add_users"}; "V2.sql" -> {'V', 2, ""};
// "R__views.sql" -> {'R', none, "views"}. std::nullopt for any other name, including a version
// Flyway cannot read ("V1a__x.sql", "V1.__x.sql") and a suffix other than ".sql" (the case
// counts, as in Flyway).
std::optional<FlywayFileName> parse_flyway_file_name(std::string_view file_name);

// What a Flyway location holds.
struct FlywayMigrations {
    std::vector<Migration> versioned;              // sorted by version
    std::vector<RepeatableMigration> repeatables;  // in Flyway's order (flyway_description_less)
};

// Every file below `directory` as Flyway scans a location: depth first, each directory's entries
// by name, links to directories followed. A link that leads back into the walk is a problem
// naming it, and is not followed.
std::vector<std::filesystem::path> flyway_tree(const std::filesystem::path& directory,
                                               Problems& problems);

// Every migration of `directory` and its subdirectories. Fails with invalid_input listing every
// problem (misnamed files, an undo file without its versioned migration, two files of one
// version, two repeatable migrations of one description, a repeatable migration configured to
// run without a transaction, a placeholder, a script configuration belay cannot follow), each
// naming the path (and line).
Result<FlywayMigrations> load_flyway_directory(const std::filesystem::path& directory);

// The description Flyway records and compares for a file name's description part: each '_'
// read as a space ("user_views" -> "user views").
std::string flyway_description(std::string_view name);

// Flyway's order of repeatable migrations: by description (flyway_description of each name),
// compared as Java compares strings, by UTF-16 code units: byte order for ASCII ("a b" before
// "a-b" before "ab"), and code point order but for the characters above U+FFFF, which come
// before U+E000..U+FFFF. Bytes that are not UTF-8 compare as themselves.
bool flyway_description_less(std::string_view left_name, std::string_view right_name);

}  // namespace belay
