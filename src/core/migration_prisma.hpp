// Prisma Migrate's migrations directory (prisma/prisma, prisma/prisma-engines), read as
// `prisma migrate deploy` reads it:
//
//   migration_lock.toml                  provider = "sqlite" (another provider is refused)
//   20240101120000_create_users/         one folder per migration, named by `prisma migrate dev`
//       migration.sql                    <timestamp>_<name>; the whole file is Up. No Down.
//
// Prisma applies the folders in the order of their names; belay in the order of their versions
// (the digits the name starts with). A directory where the two orders differ is refused, so a
// migration never runs in a different order than Prisma ran it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "belay/migration.hpp"
#include "core/error.hpp"

namespace belay {

// The version and name of a Prisma migration folder: the leading digits, and the rest without
// one separating '_' or '-' ("20240101120000_init" -> 20240101120000, "init";
// "20240101120000-baseline" -> "baseline"; "20240101120000_" -> ""). std::nullopt when the name
// does not start with a digit.
std::optional<std::pair<Version, std::string>> prisma_folder_name(std::string_view name);

// True for the file name Prisma keeps beside the folders.
bool is_prisma_lock_file_name(std::string_view name);

// Every migration of `directory` in Prisma's layout, sorted by version; each Migration's path is
// its folder's migration.sql. Fails with invalid_input listing every problem, each naming its
// path: a migration_lock.toml whose provider is not sqlite, a folder whose name does not start
// with digits or that has no migration.sql, any other file, a file that cannot be read or holds
// a NUL byte, two folders of one version, two folders Prisma would apply in the other order.
Result<std::vector<Migration>> load_prisma_folders(const std::filesystem::path& directory);

}  // namespace belay
