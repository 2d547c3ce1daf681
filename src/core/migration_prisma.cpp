#include "core/migration_prisma.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/migration_files.hpp"
#include "core/migration_layouts.hpp"
#include "core/migration_source.hpp"

namespace belay {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_lock_file = "migration_lock.toml";

// The provider migration_lock.toml names ("sqlite"), as Prisma reads it: the first line that
// starts with "provider", its value without quotes. std::nullopt when no line does.
std::optional<std::string> provider_of(std::string_view lock_file) {
    std::size_t start = 0;
    while (start < lock_file.size()) {
        const auto end = std::min(lock_file.find('\n', start), lock_file.size());
        const auto line = trim_blanks(lock_file.substr(start, end - start));
        start = end + 1;
        const auto equals = line.find('=');
        if (!line.starts_with("provider") || equals == std::string_view::npos) {
            continue;
        }
        auto value = trim_blanks(line.substr(equals + 1));
        while (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
            value.remove_prefix(1);
        }
        while (!value.empty() && (value.back() == '"' || value.back() == '\'')) {
            value.remove_suffix(1);
        }
        return std::string(value);
    }
    return std::nullopt;
}

void check_lock_file(const fs::path& path, Problems& problems) {
    const auto text = read_whole_file(path);
    if (!text) {
        problems.add(text.error());
        return;
    }
    const auto provider = provider_of(*text);
    if (!provider) {
        problems.add(path, fmt::format("{}: no 'provider = ...' line; Prisma writes one (provider "
                                       "= \"sqlite\" for a SQLite project): restore it",
                                       path.string()));
    } else if (*provider != "sqlite") {
        problems.add(
            path, fmt::format("{}: provider = \"{}\": these are Prisma migrations for {}, written "
                              "in its SQL dialect, and belay migrates SQLite databases only; point "
                              "belay at the migrations of a project whose provider is sqlite",
                              path.string(), *provider, *provider));
    }
}

std::optional<Migration> read_folder(const fs::path& folder, Problems& problems) {
    const auto parsed = prisma_folder_name(file_name_of(folder));
    if (!parsed) {
        problems.add(folder, fmt::format("{}: a Prisma migration folder whose name does not start "
                                         "with its timestamp (<timestamp>_<name>), so belay "
                                         "cannot order it; rename it, or move it out of the "
                                         "migrations directory",
                                         folder.string()));
        return std::nullopt;
    }
    const auto file = folder / "migration.sql";
    std::error_code ec;
    if (!fs::exists(file, ec)) {
        problems.add(folder, fmt::format("{}: no migration.sql in this Prisma migration folder; "
                                         "restore it, or remove the folder",
                                         folder.string()));
        return std::nullopt;
    }
    auto migration =
        read_plain_sql_migration(parsed->first, parsed->second, file, fs::path(), Layout::prisma);
    if (!migration) {
        problems.add(std::move(migration.error()));
        return std::nullopt;
    }
    return std::move(*migration);
}

// Prisma sorts folder names as text (with '_' and '-' before digits): by versions, that is the
// order of their digits as text, "9" after "10". Each neighbour in belay's order must agree.
void refuse_other_order(const std::vector<Migration>& migrations, Problems& problems) {
    for (std::size_t i = 1; i < migrations.size(); ++i) {
        const auto& first = migrations[i - 1];
        const auto& second = migrations[i];
        if (first.version != second.version && second.version.text() < first.version.text()) {
            problems.add(fmt::format(
                "{} and {}: Prisma applies migration folders in the order of their names, which "
                "puts {} first, and belay in the order of their versions as numbers, which puts "
                "{} first; belay refuses to apply them in another order than Prisma did. Give "
                "the versions the same number of digits (rename the folders that no database "
                "has applied yet)",
                first.path.parent_path().string(), second.path.parent_path().string(),
                file_name_of(second.path.parent_path()), file_name_of(first.path.parent_path())));
        }
    }
}

}  // namespace

std::optional<std::pair<Version, std::string>> prisma_folder_name(std::string_view name) {
    const auto digits = std::ranges::find_if(name, [](char c) { return c < '0' || c > '9'; });
    const auto length = static_cast<std::size_t>(digits - name.begin());
    auto version = Version::parse(name.substr(0, length));
    if (!version) {
        return std::nullopt;
    }
    auto rest = name.substr(length);
    if (!rest.empty() && (rest.front() == '_' || rest.front() == '-')) {
        rest.remove_prefix(1);
    }
    return std::pair{std::move(*version), std::string(rest)};
}

bool is_prisma_lock_file_name(std::string_view name) {
    return name == k_lock_file;
}

Result<std::vector<Migration>> load_prisma_folders(const fs::path& directory) {
    const auto entries = sorted_entries(directory);
    BELAY_TRY(entries);
    Problems problems;
    std::vector<Migration> migrations;
    for (const auto& entry : *entries) {
        const auto name = entry.file_name();
        std::error_code ec;
        if (is_ignored_file_name(name)) {
            continue;
        }
        if (is_prisma_lock_file_name(name)) {
            check_lock_file(entry.path(), problems);  // a directory by that name too: not a file
        } else if (entry.is_directory(ec)) {
            if (auto migration = read_folder(entry.path(), problems)) {
                migrations.push_back(std::move(*migration));
            }
        } else {
            problems.add(entry.path(),
                         fmt::format("{}: not a Prisma migration folder; Prisma keeps each "
                                     "migration in a folder <timestamp>_<name>/migration.sql: "
                                     "move this file out of the migrations directory",
                                     entry.path().string()));
        }
    }
    sort_and_report_duplicates(migrations, problems);
    refuse_other_order(migrations, problems);
    if (!problems.empty()) {
        return std::unexpected(problems.error());
    }
    return migrations;
}

}  // namespace belay
