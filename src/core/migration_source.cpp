#include "core/migration_source.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>
#include <string>
#include <system_error>

#include "core/ascii.hpp"
#include "core/checksum.hpp"
#include "core/migration_drizzle.hpp"
#include "core/migration_files.hpp"
#include "core/migration_flyway.hpp"
#include "core/migration_parser.hpp"
#include "core/migration_prisma.hpp"
#include "core/migration_sqlx.hpp"
#include "core/regular_file.hpp"

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
void classify_entry(const std::vector<ListedEntry>& entries, std::size_t index,
                    std::vector<Candidate>& candidates, Problems& problems) {
    const ListedEntry& entry = entries[index];
    const std::string_view name = entry.file_name();
    std::error_code ignored;
    if (entry.is_directory(ignored) || is_ignored_file_name(name)) {
        return;
    }
    auto parsed_name = parse_migration_file_name(name);
    if (!parsed_name) {
        problems.add(
            entry.path(),
            fmt::format("{}: not a migration file name; name migrations <version>_<name>.sql (e.g. "
                        "0001_create_users.sql), or move this file out of the migrations directory",
                        entry.path().string()));
    } else if (!entry.is_regular_file(ignored)) {
        std::error_code link_ec;
        const auto target = std::filesystem::read_symlink(entry.path(), link_ec);
        problems.add(
            entry.path(),
            fmt::format("{}: {}; replace it with the migration file", entry.path().string(),
                        link_ec ? non_regular_kind(entry.path()) + ", not a regular file"
                                : fmt::format("a symbolic link to {}, which is not a regular file",
                                              target.string())));
    } else {
        candidates.push_back({index, std::move(parsed_name->first)});
    }
}

// A line for every pair of files whose versions are equal as numbers, in version order (stable,
// so in name order among equals).
std::vector<std::string> duplicate_versions(const std::vector<ListedEntry>& entries,
                                            const std::vector<Candidate>& candidates) {
    std::vector<const Candidate*> by_version;
    by_version.reserve(candidates.size());
    for (const Candidate& candidate : candidates) {
        by_version.push_back(&candidate);
    }
    const auto version_of = [](const Candidate* c) -> const Version& { return c->version; };
    if (!std::ranges::is_sorted(by_version, {}, version_of)) {
        std::ranges::stable_sort(by_version, {}, version_of);
    }
    std::vector<std::string> problems;
    for (std::size_t first = 0, i = 1; i < by_version.size(); ++i) {
        const Candidate& one = *by_version[first];
        const Candidate& other = *by_version[i];
        if (other.version != one.version) {
            first = i;
            continue;
        }
        problems.push_back(fmt::format(
            "{} and {} have the same version ({} and {} are both {}); give each migration its "
            "own version",
            entries[one.index].path().string(), entries[other.index].path().string(),
            one.version.text(), other.version.text(), other.version.numeric()));
    }
    return problems;
}

}  // namespace

fs::file_type ListedEntry::type(std::error_code& ec) const {
    if (m_type != fs::file_type::none && m_type != fs::file_type::symlink) {
        ec.clear();
        return m_type;
    }
    return fs::status(m_path, ec).type();
}

bool ListedEntry::is_directory(std::error_code& ec) const {
    return type(ec) == fs::file_type::directory;
}

bool ListedEntry::is_regular_file(std::error_code& ec) const {
    return type(ec) == fs::file_type::regular;
}

const Result<std::vector<ListedEntry>>& ReadCache::entries(const fs::path& directory) {
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
    return read_whole_file((**m_listing).at(index).path());
}

fs::path ReadCache::take_path(std::size_t index) {
    return (**m_listing).at(index).take_path();
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
    // O_NONBLOCK: open() of a FIFO would otherwise wait for a writer for ever. Only a regular
    // file (a symlink to one is fine) of a bounded size is read: a link to /dev/zero must not
    // read until memory runs out.
    constexpr std::uintmax_t k_max_bytes = 512ull * 1024 * 1024;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        const int error = errno;
        return fail(path, ErrorCode::invalid_input, "{}: cannot open: {}{}", path.string(),
                    std::generic_category().message(error),
                    error == EACCES || error == EPERM ? "; check its permissions" : "");
    }
    const ReadDescriptor file(fd);
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        return fail(path, ErrorCode::invalid_input,
                    "{}: not a regular file (a FIFO, a device or a directory); a migration must "
                    "be a file: replace it, or move it out of the migrations directory",
                    path.string());
    }
    if (static_cast<std::uintmax_t>(info.st_size) > k_max_bytes) {
        return fail(path, ErrorCode::invalid_input,
                    "{}: {} bytes, more than a migration file may hold ({} MiB); split it",
                    path.string(), info.st_size, k_max_bytes / (1024 * 1024));
    }
    std::string contents;
    std::array<char, 64 * 1024> buffer;
    while (true) {
        const ssize_t count = ::read(file.get(), buffer.data(), buffer.size());
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            return fail(path, ErrorCode::invalid_input, "{}: cannot read: {}", path.string(),
                        std::generic_category().message(errno));
        }
        if (count == 0) {
            return contents;
        }
        contents.append(buffer.data(), static_cast<std::size_t>(count));
        if (contents.size() > k_max_bytes) {
            return fail(path, ErrorCode::invalid_input,
                        "{}: grew past {} MiB while being read; split it, or stop what writes it",
                        path.string(), k_max_bytes / (1024 * 1024));
        }
    }
}

std::string crlf_as_lf(std::string_view text) {
    std::string result;
    result.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
            result += text[i];
        }
    }
    return result;
}

Result<void> check_is_directory(const fs::path& directory) {
    std::error_code error;
    const auto status = fs::status(directory, error);
    if (status.type() == fs::file_type::not_found) {
        return fail(directory, ErrorCode::invalid_input,
                    "migrations directory {} does not exist; create it or give the right path "
                    "({})",
                    directory.string(), Option::migrations_dir);
    }
    if (error) {
        return fail(directory, ErrorCode::invalid_input, "cannot use migrations directory {}: {}",
                    directory.string(), error.message());
    }
    if (status.type() != fs::file_type::directory) {
        return fail(directory, ErrorCode::invalid_input,
                    "{} is not a directory; give the directory that holds the migration files "
                    "({})",
                    directory.string(), Option::migrations_dir);
    }
    return {};
}

namespace {

struct DirectoryCloser {
    void operator()(DIR* directory) const { ::closedir(directory); }
};

// The type readdir() gives, as std::filesystem's directory_iterator reads it.
fs::file_type type_of(const dirent& entry) {
    switch (entry.d_type) {
        case DT_REG:
            return fs::file_type::regular;
        case DT_DIR:
            return fs::file_type::directory;
        case DT_LNK:
            return fs::file_type::symlink;
        case DT_BLK:
            return fs::file_type::block;
        case DT_CHR:
            return fs::file_type::character;
        case DT_FIFO:
            return fs::file_type::fifo;
        case DT_SOCK:
            return fs::file_type::socket;
        default:
            return fs::file_type::none;  // unknown: asked of the file system when needed
    }
}

Result<void> cannot_list(const fs::path& directory, int error_number) {
    return fail(directory, ErrorCode::invalid_input, "cannot list migrations directory {}: {}",
                directory.string(), std::generic_category().message(error_number));
}

}  // namespace

Result<std::vector<ListedEntry>> sorted_entries(const fs::path& directory) {
    // readdir() rather than directory_iterator: the iterator's entries can only be copied out,
    // and each copy of a path is several allocations; here each path is built once.
    const std::unique_ptr<DIR, DirectoryCloser> listing(::opendir(directory.c_str()));
    if (!listing) {
        return std::unexpected(cannot_list(directory, errno).error());
    }
    std::vector<ListedEntry> listed;
    while (true) {
        errno = 0;
        const dirent* entry = ::readdir(listing.get());
        if (entry == nullptr) {
            if (errno != 0) {
                return std::unexpected(cannot_list(directory, errno).error());
            }
            break;
        }
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") {
            listed.emplace_back(directory / name, type_of(*entry));
        }
    }
    // Sorted by file name through (name, position) pairs of views: comparing whole paths, or
    // copying names as the sort goes, was half the time of `db status` in a directory of ten
    // thousand files. Names in one directory are unique, so the order is total.
    std::vector<std::pair<std::string_view, std::size_t>> order;
    order.reserve(listed.size());
    for (std::size_t i = 0; i < listed.size(); ++i) {
        order.emplace_back(listed[i].file_name(), i);
    }
    std::ranges::sort(order);
    std::vector<ListedEntry> entries;
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
    BELAY_TRY(entries);
    Problems problems;
    std::vector<Candidate> candidates;
    candidates.reserve(entries->size());
    for (std::size_t index = 0; index < entries->size(); ++index) {
        classify_entry(*entries, index, candidates, problems);
    }
    // Found before the files are read: reading hands each file's path over to its migration.
    const std::vector<std::string> duplicates = duplicate_versions(*entries, candidates);
    std::vector<Migration> migrations;
    migrations.reserve(candidates.size());
    for (const Candidate& candidate : candidates) {
        const auto contents = cache.take(candidate.index);
        if (!contents) {
            problems.add(contents.error());
            continue;
        }
        auto parsed = parse_migration(cache.take_path(candidate.index), *contents, layout);
        if (parsed) {
            migrations.push_back(std::move(*parsed));
        } else {
            problems.add(std::move(parsed.error()));
        }
    }
    for (const auto& duplicate : duplicates) {
        problems.add(duplicate);
    }
    if (!problems.empty()) {
        return std::unexpected(problems.error());
    }
    if (!std::ranges::is_sorted(migrations, {}, &Migration::version)) {
        std::ranges::stable_sort(migrations, {}, &Migration::version);
    }
    return migrations;
}

}  // namespace

void sort_and_report_duplicates(std::vector<Migration>& migrations, Problems& problems) {
    std::ranges::stable_sort(migrations, {}, &Migration::version);
    for (std::size_t i = 1; i < migrations.size(); ++i) {
        if (migrations[i].version == migrations[i - 1].version) {
            problems.add(fmt::format(
                "{} and {} have the same version ({} and {} are both {}); give each migration "
                "its own version",
                migrations[i - 1].path.string(), migrations[i].path.string(),
                migrations[i - 1].version.text(), migrations[i].version.text(),
                migrations[i].version.numeric()));
        }
    }
}

namespace {

// The migrations of every layout but Flyway's, which has repeatable ones too.
Result<std::vector<Migration>> load_versioned(const std::filesystem::path& directory, Layout layout,
                                              ReadCache& cache) {
    switch (layout) {
        case Layout::golang_migrate:
        case Layout::pop:
            return load_paired_files(directory, layout);
        case Layout::diesel:
            return load_diesel_folders(directory);
        case Layout::sqlx:
            return load_sqlx_files(directory);
        case Layout::prisma:
            return load_prisma_folders(directory);
        case Layout::drizzle:
            return load_drizzle_folder(directory);
        default:
            return load_single_files(directory, layout, cache);
    }
}

}  // namespace

Result<MigrationFiles> load_migration_files(const std::filesystem::path& directory,
                                            std::optional<Layout> layout) {
    if (auto usable = check_is_directory(directory); !usable) {
        return std::unexpected(std::move(usable.error()));
    }
    ReadCache cache;
    if (!layout) {
        auto detected = detect_layout(directory, &cache);
        BELAY_TRY(detected);
        layout = *detected;
    }
    if (*layout == Layout::flyway) {
        auto flyway = load_flyway_directory(directory);
        BELAY_TRY(flyway);
        return MigrationFiles{std::move(flyway->versioned), std::move(flyway->repeatables)};
    }
    auto migrations = load_versioned(directory, *layout, cache);
    BELAY_TRY(migrations);
    return MigrationFiles{std::move(*migrations), {}};
}

Result<std::vector<Migration>> load_migrations(const std::filesystem::path& directory,
                                               std::optional<Layout> layout) {
    auto files = load_migration_files(directory, layout);
    BELAY_TRY(files);
    return std::move(files->migrations);
}

}  // namespace belay
