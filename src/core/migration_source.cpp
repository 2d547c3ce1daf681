#include "core/migration_source.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <system_error>

#include "core/ascii.hpp"
#include "core/checksum.hpp"
#include "core/migration_files.hpp"
#include "core/migration_parser.hpp"

namespace belay {
namespace {

namespace fs = std::filesystem;

// A file that should be a migration, with the version its name gives.
struct Candidate {
    fs::path path;
    Version version;
};

// Adds `entry` to `candidates` when it is a migration file, or a line to `problems` when it is
// neither that nor something to skip.
void classify_entry(const fs::directory_entry& entry, std::vector<Candidate>& candidates,
                    std::vector<std::string>& problems) {
    const std::string path = entry.path().string();
    std::error_code ignored;
    if (entry.is_directory(ignored) || is_ignored_file_name(entry.path().filename().string())) {
        return;
    }
    auto parsed_name = parse_migration_file_name(entry.path().filename().string());
    if (!parsed_name) {
        problems.push_back(
            fmt::format("{}: not a migration file name; name migrations <version>_<name>.sql (e.g. "
                        "0001_create_users.sql), or move this file out of the migrations directory",
                        path));
    } else if (!entry.is_regular_file(ignored)) {
        problems.push_back(fmt::format(
            "{}: not a regular file (a broken symlink?); replace it with the migration file",
            path));
    } else {
        candidates.push_back({entry.path(), std::move(parsed_name->first)});
    }
}

// Reports every pair of files whose versions are equal as numbers. Sorts `candidates` by version.
void find_duplicate_versions(std::vector<Candidate>& candidates,
                             std::vector<std::string>& problems) {
    std::ranges::stable_sort(
        candidates, [](const Candidate& a, const Candidate& b) { return a.version < b.version; });
    for (std::size_t first = 0, i = 1; i < candidates.size(); ++i) {
        if (candidates[i].version != candidates[first].version) {
            first = i;
            continue;
        }
        problems.push_back(fmt::format(
            "{} and {} have the same version ({} and {} are both {}); give each migration its "
            "own version",
            candidates[first].path.string(), candidates[i].path.string(),
            candidates[first].version.text(), candidates[i].version.text(),
            candidates[i].version.numeric()));
    }
}

}  // namespace

namespace {

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

const Result<std::vector<fs::directory_entry>>& ReadCache::entries(const fs::path& directory) {
    if (!m_listing || m_listed_directory != directory.native()) {
        m_listed_directory = directory.native();
        m_listing = sorted_entries(directory);
    }
    return *m_listing;
}

void ReadCache::keep(fs::path path, std::string contents) {
    m_files.insert_or_assign(path.native(), std::move(contents));
}

Result<std::string> ReadCache::take(const fs::path& path) {
    auto node = m_files.extract(path.native());
    if (!node.empty()) {
        return std::move(node.mapped());
    }
    return read_whole_file(path);
}

Result<std::string> read_whole_file(const fs::path& path) {
    errno = 0;
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) {
        return fail(ErrorCode::invalid_input, "{}: cannot open: {}; check its permissions",
                    path.string(), std::generic_category().message(errno));
    }
    std::string contents;
    std::array<char, 64 * 1024> buffer;
    std::size_t count = 0;
    do {
        errno = 0;
        count = std::fread(buffer.data(), 1, buffer.size(), file.get());
        if (std::ferror(file.get())) {
            return fail(ErrorCode::invalid_input, "{}: cannot read: {}", path.string(),
                        std::generic_category().message(errno));
        }
        contents.append(buffer.data(), count);
    } while (count == buffer.size());
    return contents;
}

Result<void> check_is_directory(const fs::path& directory) {
    std::error_code error;
    const auto status = fs::status(directory, error);
    if (status.type() == fs::file_type::not_found) {
        return fail(ErrorCode::invalid_input,
                    "migrations directory {} does not exist; create it or give the right path",
                    directory.string());
    }
    if (error) {
        return fail(ErrorCode::invalid_input, "cannot use migrations directory {}: {}",
                    directory.string(), error.message());
    }
    if (status.type() != fs::file_type::directory) {
        return fail(ErrorCode::invalid_input,
                    "{} is not a directory; give the directory that holds the migration files",
                    directory.string());
    }
    return {};
}

Result<std::vector<fs::directory_entry>> sorted_entries(const fs::path& directory) {
    // Sorted by file name, each name taken out once: comparing whole paths copies them, which
    // in a directory of ten thousand files was half the time of `db status`.
    std::vector<std::pair<std::string, fs::directory_entry>> named;
    std::error_code error;
    fs::directory_iterator iterator(directory, error);
    for (; !error && iterator != fs::directory_iterator(); iterator.increment(error)) {
        named.emplace_back(iterator->path().filename().string(), *iterator);
    }
    if (error) {
        return fail(ErrorCode::invalid_input, "cannot list migrations directory {}: {}",
                    directory.string(), error.message());
    }
    std::ranges::sort(named, {}, &std::pair<std::string, fs::directory_entry>::first);
    std::vector<fs::directory_entry> entries;
    entries.reserve(named.size());
    for (auto& [name, entry] : named) {
        entries.push_back(std::move(entry));
    }
    return entries;
}

bool is_ignored_file_name(std::string_view file_name) {
    if (file_name.starts_with('.')) {
        return true;
    }
    const std::string lower = to_lower_ascii(file_name);
    constexpr std::array<std::string_view, 5> k_doc_prefixes = {"readme", "license", "licence",
                                                                "changelog", "notice"};
    constexpr std::array<std::string_view, 3> k_doc_suffixes = {".md", ".txt", ".rst"};
    return std::ranges::any_of(k_doc_prefixes,
                               [&](std::string_view p) { return lower.starts_with(p); }) ||
           std::ranges::any_of(k_doc_suffixes,
                               [&](std::string_view s) { return lower.ends_with(s); });
}

namespace {

// sql-migrate, goose and dbmate: one <version>_<name>.sql file per migration.
Result<std::vector<Migration>> load_single_files(const std::filesystem::path& directory,
                                                 Layout layout, ReadCache& cache) {
    const auto& entries = cache.entries(directory);
    if (!entries) {
        return std::unexpected(entries.error());
    }
    std::vector<std::string> problems;
    std::vector<Candidate> candidates;
    for (const fs::directory_entry& entry : *entries) {
        classify_entry(entry, candidates, problems);
    }
    std::vector<Migration> migrations;
    for (const Candidate& candidate : candidates) {
        const auto contents = cache.take(candidate.path);
        if (!contents) {
            problems.push_back(contents.error().message);
            continue;
        }
        const bool translated = layout == Layout::goose || layout == Layout::dbmate;
        auto parsed = parse_migration(
            candidate.path, translated ? translate_directives(*contents, layout) : *contents);
        if (parsed) {
            parsed->checksum = migration_checksum(*contents);
            parsed->layout = layout;
            migrations.push_back(std::move(*parsed));
        } else {
            problems.push_back(std::move(parsed.error().message));
        }
    }
    find_duplicate_versions(candidates, problems);
    if (!problems.empty()) {
        return fail(ErrorCode::invalid_input, "{}", fmt::join(problems, "\n"));
    }
    if (!std::ranges::is_sorted(migrations, {}, &Migration::version)) {
        std::ranges::stable_sort(migrations, {}, &Migration::version);
    }
    return migrations;
}

}  // namespace

void sort_and_report_duplicates(std::vector<Migration>& migrations,
                                std::vector<std::string>& problems) {
    std::ranges::stable_sort(migrations, {}, &Migration::version);
    for (std::size_t i = 1; i < migrations.size(); ++i) {
        if (migrations[i].version == migrations[i - 1].version) {
            problems.push_back(fmt::format(
                "{} and {} have the same version ({} and {} are both {}); give each migration "
                "its own version",
                migrations[i - 1].path.string(), migrations[i].path.string(),
                migrations[i - 1].version.text(), migrations[i].version.text(),
                migrations[i].version.numeric()));
        }
    }
}

Result<std::vector<Migration>> load_migrations(const std::filesystem::path& directory,
                                               std::optional<Layout> layout) {
    if (auto usable = check_is_directory(directory); !usable) {
        return std::unexpected(std::move(usable.error()));
    }
    ReadCache cache;
    if (!layout) {
        auto detected = detect_layout(directory, &cache);
        if (!detected) {
            return std::unexpected(detected.error());
        }
        layout = *detected;
    }
    switch (*layout) {
        case Layout::golang_migrate:
        case Layout::pop:
            return load_paired_files(directory, *layout);
        case Layout::diesel:
            return load_diesel_folders(directory);
        default:
            return load_single_files(directory, *layout, cache);
    }
}

}  // namespace belay
