#include "core/migration_source.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <string>
#include <system_error>

#include "core/ascii.hpp"
#include "core/checksum.hpp"
#include "core/migration_files.hpp"
#include "core/migration_parser.hpp"

namespace belay {
namespace {

namespace fs = std::filesystem;

// A file that should be a migration: its place in the directory's listing, and the version
// its name gives.
struct Candidate {
    std::size_t index;
    Version version;
};

// Adds the listing's entry `index` to `candidates` when it is a migration file, or a line to
// `problems` when it is neither that nor something to skip.
void classify_entry(const std::vector<fs::directory_entry>& entries, std::size_t index,
                    std::vector<Candidate>& candidates, std::vector<std::string>& problems) {
    const fs::directory_entry& entry = entries[index];
    const std::string_view name = file_name_of(entry.path());
    std::error_code ignored;
    if (entry.is_directory(ignored) || is_ignored_file_name(name)) {
        return;
    }
    auto parsed_name = parse_migration_file_name(name);
    if (!parsed_name) {
        problems.push_back(
            fmt::format("{}: not a migration file name; name migrations <version>_<name>.sql (e.g. "
                        "0001_create_users.sql), or move this file out of the migrations directory",
                        entry.path().string()));
    } else if (!entry.is_regular_file(ignored)) {
        problems.push_back(fmt::format(
            "{}: not a regular file (a broken symlink?); replace it with the migration file",
            entry.path().string()));
    } else {
        candidates.push_back({index, std::move(parsed_name->first)});
    }
}

// Reports every pair of files whose versions are equal as numbers. Sorts `candidates` by version
// (stably, so that a directory whose names already sort by version, the usual case, is not
// reordered at all).
void find_duplicate_versions(const std::vector<fs::directory_entry>& entries,
                             std::vector<Candidate>& candidates,
                             std::vector<std::string>& problems) {
    if (!std::ranges::is_sorted(candidates, {}, &Candidate::version)) {
        std::ranges::stable_sort(candidates, {}, &Candidate::version);
    }
    for (std::size_t first = 0, i = 1; i < candidates.size(); ++i) {
        if (candidates[i].version != candidates[first].version) {
            first = i;
            continue;
        }
        problems.push_back(fmt::format(
            "{} and {} have the same version ({} and {} are both {}); give each migration its "
            "own version",
            entries[candidates[first].index].path().string(),
            entries[candidates[i].index].path().string(), candidates[first].version.text(),
            candidates[i].version.text(), candidates[i].version.numeric()));
    }
}

}  // namespace

const Result<std::vector<fs::directory_entry>>& ReadCache::entries(const fs::path& directory) {
    if (!m_listing || m_listed_directory != directory.native()) {
        m_listed_directory = directory.native();
        m_listing = sorted_entries(directory);
        m_files.clear();
        m_files.resize(*m_listing ? (*m_listing)->size() : 0);
    }
    return *m_listing;
}

void ReadCache::keep(std::size_t index, std::string contents) {
    m_files.at(index) = std::move(contents);
}

Result<std::string> ReadCache::take(std::size_t index) {
    auto& kept = m_files.at(index);
    if (kept) {
        std::string contents = std::move(*kept);
        kept.reset();
        return contents;
    }
    return read_whole_file((**m_listing)[index].path());
}

namespace {

// Owns a descriptor opened for reading and closes it; a failing close() loses nothing read.
class ReadDescriptor {
  public:
    explicit ReadDescriptor(int fd) : m_fd(fd) {}
    ~ReadDescriptor() { ::close(m_fd); }
    ReadDescriptor(const ReadDescriptor&) = delete;
    ReadDescriptor& operator=(const ReadDescriptor&) = delete;
    int get() const { return m_fd; }

  private:
    int m_fd;
};

}  // namespace

Result<std::string> read_whole_file(const fs::path& path) {
    // open() and read() straight into the string: a FILE* costs two allocations and an fstat()
    // per file, which across a directory of ten thousand small migrations adds up.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return fail(ErrorCode::invalid_input, "{}: cannot open: {}; check its permissions",
                    path.string(), std::generic_category().message(errno));
    }
    const ReadDescriptor file(fd);
    std::string contents;
    std::array<char, 64 * 1024> buffer;
    while (true) {
        const ssize_t count = ::read(file.get(), buffer.data(), buffer.size());
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            return fail(ErrorCode::invalid_input, "{}: cannot read: {}", path.string(),
                        std::generic_category().message(errno));
        }
        if (count == 0) {
            return contents;
        }
        contents.append(buffer.data(), static_cast<std::size_t>(count));
    }
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
    std::vector<fs::directory_entry> listed;
    std::error_code error;
    fs::directory_iterator iterator(directory, error);
    for (; !error && iterator != fs::directory_iterator(); iterator.increment(error)) {
        listed.push_back(*iterator);
    }
    if (error) {
        return fail(ErrorCode::invalid_input, "cannot list migrations directory {}: {}",
                    directory.string(), error.message());
    }
    // Sorted by file name through (name, position) pairs of views: comparing whole paths, or
    // moving entries and copying names as the sort goes, was half the time of `db status` in a
    // directory of ten thousand files. Names in one directory are unique, so the order is total.
    std::vector<std::pair<std::string_view, std::size_t>> order;
    order.reserve(listed.size());
    for (std::size_t i = 0; i < listed.size(); ++i) {
        order.emplace_back(file_name_of(listed[i].path()), i);
    }
    std::ranges::sort(order);
    std::vector<fs::directory_entry> entries;
    entries.reserve(listed.size());
    for (const auto& [name, i] : order) {
        entries.push_back(std::move(listed[i]));
    }
    return entries;
}

bool is_ignored_file_name(std::string_view file_name) {
    if (file_name.starts_with('.')) {
        return true;
    }
    constexpr std::array<std::string_view, 5> k_doc_prefixes = {"readme", "license", "licence",
                                                                "changelog", "notice"};
    constexpr std::array<std::string_view, 3> k_doc_suffixes = {".md", ".txt", ".rst"};
    const auto ends_with_nocase = [&](std::string_view suffix) {
        return file_name.size() >= suffix.size() &&
               iequals_ascii(file_name.substr(file_name.size() - suffix.size()), suffix);
    };
    return std::ranges::any_of(
               k_doc_prefixes,
               [&](std::string_view p) { return starts_with_ascii_nocase(file_name, p); }) ||
           std::ranges::any_of(k_doc_suffixes, ends_with_nocase);
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
    for (std::size_t index = 0; index < entries->size(); ++index) {
        classify_entry(*entries, index, candidates, problems);
    }
    std::vector<Migration> migrations;
    migrations.reserve(candidates.size());
    const bool translated = layout == Layout::goose || layout == Layout::dbmate;
    for (const Candidate& candidate : candidates) {
        const auto contents = cache.take(candidate.index);
        if (!contents) {
            problems.push_back(contents.error().message);
            continue;
        }
        const fs::path& path = (*entries)[candidate.index].path();
        // goose and dbmate files are parsed translated, and checksummed as written.
        auto parsed = translated ? parse_translated_migration(
                                       path, translate_directives(*contents, layout), *contents)
                                 : parse_migration(path, *contents);
        if (parsed) {
            parsed->layout = layout;
            migrations.push_back(std::move(*parsed));
        } else {
            problems.push_back(std::move(parsed.error().message));
        }
    }
    find_duplicate_versions(*entries, candidates, problems);
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
