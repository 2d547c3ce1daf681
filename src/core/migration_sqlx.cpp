#include "core/migration_sqlx.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <map>
#include <string>

#include <fmt/format.h>

#include "belay/create.hpp"
#include "core/migration_files.hpp"
#include "core/migration_layouts.hpp"
#include "core/migration_parser.hpp"
#include "core/migration_source.hpp"

namespace belay {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_no_transaction = "-- no-transaction";

// The files of one version: simple or up files (the first is the migration's), down files.
struct VersionFiles {
    std::vector<std::pair<fs::path, std::string>> ups;  // path, name
    std::vector<fs::path> downs;
};

bool strip_suffix(std::string& text, std::string_view suffix) {
    if (!text.ends_with(suffix)) {
        return false;
    }
    text.resize(text.size() - suffix.size());
    return true;
}

// Files one version of `directory` consists of, by version; problems for names that are not
// sqlx's.
std::map<Version, VersionFiles> group_by_version(const std::vector<ListedEntry>& entries,
                                                 Problems& problems) {
    std::map<Version, VersionFiles> by_version;
    for (const auto& entry : entries) {
        std::string name(entry.file_name());
        std::error_code ec;
        if (entry.is_directory(ec) || is_ignored_file_name(name)) {
            continue;
        }
        const bool down = strip_suffix(name, ".down.sql");
        if (!down && !strip_suffix(name, ".up.sql")) {
            strip_suffix(name, ".sql");
        }
        const auto parsed = parse_migration_file_name(name + ".sql");
        if (!parsed) {
            problems.add(entry.path(),
                         fmt::format("{}: not a sqlx migration file name; name it "
                                     "<version>_<description>.sql (or .up.sql and .down.sql for a "
                                     "reversible migration), or move it out of the migrations "
                                     "directory",
                                     entry.path().string()));
            continue;
        }
        auto& files = by_version[parsed->first];
        if (down) {
            files.downs.push_back(entry.path());
        } else {
            files.ups.emplace_back(entry.path(), parsed->second);
        }
    }
    return by_version;
}

std::optional<Migration> read_version(const Version& version, const VersionFiles& files,
                                      Problems& problems) {
    if (files.ups.size() > 1 || files.downs.size() > 1) {
        const bool ups = files.ups.size() > 1;
        problems.add(fmt::format("{} and {} are both the {} file of version {}; keep one",
                                 (ups ? files.ups[0].first : files.downs[0]).string(),
                                 (ups ? files.ups[1].first : files.downs[1]).string(),
                                 ups ? "up (or simple)" : "down", version.text()));
        return std::nullopt;
    }
    if (files.ups.empty()) {
        problems.add(files.downs.front(),
                     fmt::format("{}: a down file without an up file for version {}; add the up "
                                 "file or remove this one",
                                 files.downs.front().string(), version.text()));
        return std::nullopt;
    }
    const auto& [up, name] = files.ups.front();
    auto migration = read_plain_sql_migration(
        version, name, up, files.downs.empty() ? fs::path() : files.downs[0], Layout::sqlx);
    if (!migration) {
        problems.add(std::move(migration.error()));
        return std::nullopt;
    }
    migration->up_no_transaction = starts_with_sqlx_no_transaction(migration->up.sql);
    migration->down_no_transaction =
        migration->down.present && starts_with_sqlx_no_transaction(migration->down.sql);
    return std::move(*migration);
}

}  // namespace

bool starts_with_sqlx_no_transaction(std::string_view contents) {
    return contents.starts_with(k_no_transaction);
}

bool file_starts_with_sqlx_no_transaction(const fs::path& path) {
    // O_NONBLOCK: a FIFO under a migration's name must not hang detection (the loader refuses it).
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        return false;
    }
    std::array<char, k_no_transaction.size()> start{};
    std::size_t have = 0;
    while (have < start.size()) {
        const ssize_t count = ::read(fd, start.data() + have, start.size() - have);
        if (count <= 0) {
            break;
        }
        have += static_cast<std::size_t>(count);
    }
    ::close(fd);
    return starts_with_sqlx_no_transaction(std::string_view(start.data(), have));
}

Result<std::vector<Migration>> load_sqlx_files(const fs::path& directory) {
    const auto entries = sorted_entries(directory);
    BELAY_TRY(entries);
    Problems problems;
    std::vector<Migration> migrations;
    for (const auto& [version, files] : group_by_version(*entries, problems)) {
        if (auto migration = read_version(version, files, problems)) {
            migrations.push_back(std::move(*migration));
        }
    }
    sort_and_report_duplicates(migrations, problems);
    if (!problems.empty()) {
        return std::unexpected(problems.error());
    }
    return migrations;
}

SqlxNaming sqlx_naming(std::span<const Migration> migrations) {
    SqlxNaming naming;
    if (migrations.empty()) {
        return naming;
    }
    const auto& newest = migrations.back();
    naming.reversible = newest.down.present || newest.path.native().ends_with(".up.sql");
    if (naming.reversible) {
        // sqlx lists a pair's up and down files as two migrations of one version: its two newest
        // never differ by 1, so it numbers by timestamp.
        naming.sequential = false;
    } else if (migrations.size() == 1) {
        naming.sequential = newest.version.numeric() == "0" || newest.version.numeric() == "1";
    } else {
        const auto& before = migrations[migrations.size() - 2];
        naming.sequential = increment_version(before.version.numeric()) == newest.version.numeric();
    }
    return naming;
}

}  // namespace belay
