// golang-migrate's and pop's pairs of files, and diesel's folders (see migration_layouts.hpp).
#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/checksum.hpp"
#include "core/migration_files.hpp"
#include "core/migration_layouts.hpp"
#include "core/migration_parser.hpp"
#include "core/migration_source.hpp"

namespace belay {

namespace fs = std::filesystem;

namespace {

// Dialects pop and popx name files after; anything else before ".up.sql" is part of the name.
constexpr std::array<std::string_view, 14> k_other_dialects = {
    "postgres", "postgresql", "pg",        "cockroach", "cockroachdb", "crdb",    "mysql",
    "mariadb",  "mssql",      "sqlserver", "oracle",    "clickhouse",  "spanner", "tidb"};

enum class Dialect { generic, sqlite, other };

// One file of a pair: "<version>_<name>[.<dialect>][.autocommit].(up|down).sql".
struct PairFile {
    fs::path path;
    Version version;
    std::string name;
    Direction direction = Direction::up;
    Dialect dialect = Dialect::generic;
    bool autocommit = false;
};

bool strip_suffix(std::string& text, std::string_view suffix) {
    if (!text.ends_with(suffix)) {
        return false;
    }
    text.resize(text.size() - suffix.size());
    return true;
}

std::optional<PairFile> parse_pair_file(const fs::path& path) {
    std::string stem = path.filename().string();
    PairFile file{path, *Version::parse("0"), {}, Direction::up, Dialect::generic, false};
    if (strip_suffix(stem, ".down.sql")) {
        file.direction = Direction::down;
    } else if (!strip_suffix(stem, ".up.sql")) {
        return std::nullopt;
    }
    file.autocommit = strip_suffix(stem, ".autocommit");
    const auto dot = stem.rfind('.');
    if (dot != std::string::npos) {
        const auto dialect = stem.substr(dot + 1);
        if (dialect == "sqlite3" || dialect == "sqlite") {
            file.dialect = Dialect::sqlite;
        } else if (std::ranges::find(k_other_dialects, dialect) != k_other_dialects.end()) {
            file.dialect = Dialect::other;
        }
        if (file.dialect != Dialect::generic) {
            stem.resize(dot);
        }
    }
    auto parsed = parse_migration_file_name(stem + ".sql");
    if (!parsed) {
        return std::nullopt;
    }
    file.version = parsed->first;
    file.name = parsed->second;
    return file;
}

// The variant of one direction a migration runs: a SQLite one wins over a generic one; other
// dialects never run. More than one of the winning kind is a problem.
const PairFile* choose_variant(const std::vector<PairFile>& files, Direction direction,
                               Problems& problems) {
    for (const auto kind : {Dialect::sqlite, Dialect::generic}) {
        std::vector<const PairFile*> matching;
        for (const auto& file : files) {
            if (file.direction == direction && file.dialect == kind) {
                matching.push_back(&file);
            }
        }
        if (matching.size() > 1) {
            problems.add(fmt::format("{} and {} are both the {} file of version {}; keep one",
                                     matching[0]->path.string(), matching[1]->path.string(),
                                     direction == Direction::up ? "up" : "down",
                                     matching[0]->version.text()));
        }
        if (!matching.empty()) {
            return matching.front();
        }
    }
    return nullptr;
}

// Reads one direction's file into `section`; the checksum covers both files.
Result<std::string> read_section(const PairFile& file, SqlSection& section) {
    auto contents = read_whole_file(file.path);
    BELAY_TRY(contents);
    if (auto text = check_no_nul_byte(file.path, *contents); !text) {
        return std::unexpected(std::move(text.error()));
    }
    section = SqlSection{true, crlf_as_lf(*contents), 1, file.path};
    return *contents;
}

std::optional<Migration> assemble_pair(const std::vector<PairFile>& files, Layout layout,
                                       Problems& problems) {
    const auto* up = choose_variant(files, Direction::up, problems);
    const auto* down = choose_variant(files, Direction::down, problems);
    if (up == nullptr) {
        if (down != nullptr) {
            problems.add(down->path,
                         fmt::format("{}: a down file without an up file for version {}; "
                                     "add the up file or remove this one",
                                     down->path.string(), down->version.text()));
        }
        return std::nullopt;  // only other dialects' files: not a migration for SQLite
    }
    Migration migration{up->version,    up->name, up->path,     {}, {},    {},
                        up->autocommit, false,    std::nullopt, {}, layout};
    auto up_text = read_section(*up, migration.up);
    if (!up_text) {
        problems.add(std::move(up_text.error()));
        return std::nullopt;
    }
    std::string both = *up_text;
    if (down != nullptr) {
        migration.down_no_transaction = down->autocommit;
        auto down_text = read_section(*down, migration.down);
        if (!down_text) {
            problems.add(std::move(down_text.error()));
            return std::nullopt;
        }
        both += std::string(1, '\0') + *down_text;
    }
    migration.checksum = migration_checksum(both);
    return migration;
}

}  // namespace

Result<Migration> read_plain_sql_migration(Version version, std::string name, const fs::path& up,
                                           const fs::path& down, Layout layout) {
    std::vector<PairFile> files{
        PairFile{up, version, name, Direction::up, Dialect::generic, false}};
    if (!down.empty()) {
        files.push_back(PairFile{down, version, name, Direction::down, Dialect::generic, false});
    }
    Problems problems;
    auto migration = assemble_pair(files, layout, problems);
    if (!migration) {
        return std::unexpected(problems.error());
    }
    return std::move(*migration);
}

Result<std::vector<Migration>> load_paired_files(const fs::path& directory, Layout layout) {
    const auto entries = sorted_entries(directory);
    BELAY_TRY(entries);
    Problems problems;
    std::map<Version, std::vector<PairFile>> by_version;
    for (const auto& entry : *entries) {
        const auto name = entry.path().filename().string();
        std::error_code ec;
        if (entry.is_directory(ec) || is_ignored_file_name(name)) {
            continue;
        }
        auto file = parse_pair_file(entry.path());
        if (!file) {
            problems.add(
                entry.path(),
                fmt::format(
                    "{}: not a {} migration file name; name them <version>_<name>.up.sql and "
                    "<version>_<name>.down.sql, or move this file out of the migrations directory",
                    entry.path().string(), to_string(layout)));
            continue;
        }
        by_version[file->version].push_back(std::move(*file));
    }
    std::vector<Migration> migrations;
    for (const auto& [version, files] : by_version) {
        if (auto migration = assemble_pair(files, layout, problems)) {
            migrations.push_back(std::move(*migration));
        }
    }
    sort_and_report_duplicates(migrations, problems);
    if (!problems.empty()) {
        return std::unexpected(problems.error());
    }
    return migrations;
}

namespace {

// "run_in_transaction = false" in a diesel migration's metadata.toml.
bool runs_without_transaction(const fs::path& folder) {
    std::error_code ec;
    if (!fs::exists(folder / "metadata.toml", ec)) {
        return false;
    }
    auto text = read_whole_file(folder / "metadata.toml");
    if (!text) {
        return false;
    }
    std::string compact;
    std::ranges::copy_if(*text, std::back_inserter(compact),
                         [](char c) { return c != ' ' && c != '\t'; });
    return compact.find("run_in_transaction=false") != std::string::npos;
}

std::optional<std::pair<Version, std::string>> diesel_folder_name(const std::string& name) {
    // The 14 digits of date and time, joined by '-', '_' or nothing, then "_" and the name.
    std::string digits;
    std::size_t i = 0;
    for (; i < name.size() && digits.size() < 14; ++i) {
        if (name[i] >= '0' && name[i] <= '9') {
            digits += name[i];
        } else if (name[i] != '-' && name[i] != '_') {
            return std::nullopt;
        }
    }
    if (digits.size() != 14 || i >= name.size() || name[i] != '_' || i + 1 >= name.size()) {
        return std::nullopt;
    }
    return std::pair{*Version::parse(digits), name.substr(i + 1)};
}

}  // namespace

bool is_diesel_folder_name(const std::string& name) {
    return diesel_folder_name(name).has_value();
}

Result<std::vector<Migration>> load_diesel_folders(const fs::path& directory) {
    const auto entries = sorted_entries(directory);
    BELAY_TRY(entries);
    Problems problems;
    std::vector<Migration> migrations;
    for (const auto& entry : *entries) {
        const auto name = entry.path().filename().string();
        std::error_code ec;
        if (is_ignored_file_name(name) || (!entry.is_directory(ec) && name == "diesel.toml")) {
            continue;
        }
        auto parsed = entry.is_directory(ec) ? diesel_folder_name(name) : std::nullopt;
        if (!parsed) {
            problems.add(
                entry.path(),
                fmt::format(
                    "{}: not a diesel migration folder; name it <YYYY-MM-DD-HHMMSS>_<name>/ with "
                    "up.sql (and down.sql) inside, or move it out of the migrations directory",
                    entry.path().string()));
            continue;
        }
        std::vector<PairFile> files;
        for (const auto direction : {Direction::up, Direction::down}) {
            const auto path = entry.path() / (direction == Direction::up ? "up.sql" : "down.sql");
            if (fs::exists(path, ec)) {
                const bool own = runs_without_transaction(entry.path());
                files.push_back(PairFile{path, parsed->first, parsed->second, direction,
                                         Dialect::generic, own});
            }
        }
        if (std::ranges::none_of(files,
                                 [](const PairFile& f) { return f.direction == Direction::up; })) {
            problems.add(entry.path(), fmt::format("{}: no up.sql in this diesel migration folder",
                                                   entry.path().string()));
            continue;
        }
        if (auto migration = assemble_pair(files, Layout::diesel, problems)) {
            migrations.push_back(std::move(*migration));
        }
    }
    sort_and_report_duplicates(migrations, problems);
    if (!problems.empty()) {
        return std::unexpected(problems.error());
    }
    return migrations;
}

}  // namespace belay
