// File-system helpers shared by the readers of migration directories and other file readers.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "belay/migration.hpp"
#include "core/error.hpp"
#include "core/problems.hpp"

namespace belay {

// The last component of `path` as a view into it: path.filename().string() without the copies
// (a migration directory's listing asks for ten thousand of them).
inline std::string_view file_name_of(const std::filesystem::path& path) {
    const std::string_view native = path.native();
    return native.substr(native.rfind('/') + 1);
}

// The whole file; fails with invalid_input naming the path and the OS's reason.
Result<std::string> read_whole_file(const std::filesystem::path& path);

// `text` with each CRLF read as LF (a lone CR stays): the SQL belay runs from a file, whose line
// numbers stay the file's.
std::string crlf_as_lf(std::string_view text);

// One entry of a directory's listing: its path and the type the listing gave it, as
// std::filesystem::directory_entry keeps them, but movable out of the listing so that the path
// built while listing is the one a Migration keeps.
class ListedEntry {
  public:
    // `type` as readdir() reported it; file_type::none when it did not say.
    ListedEntry(std::filesystem::path path, std::filesystem::file_type type)
        : m_path(std::move(path)), m_type(type) {}

    const std::filesystem::path& path() const { return m_path; }
    std::string_view file_name() const { return file_name_of(m_path); }
    // What the entry names is a directory / a regular file, following a symlink, as
    // directory_entry answers: the file system is asked only for a symlink or an unknown type.
    // An entry that cannot be examined (a broken symlink) is neither, with `ec` set.
    bool is_directory(std::error_code& ec) const;
    bool is_regular_file(std::error_code& ec) const;
    // Hands the path over; the entry is left with an empty one.
    std::filesystem::path take_path() { return std::move(m_path); }

  private:
    std::filesystem::file_type type(std::error_code& ec) const;

    std::filesystem::path m_path;
    std::filesystem::file_type m_type;
};

// The directory's entries (not "." and "..") sorted by file name, so that problems come out in
// a stable order. Fails with invalid_input when the directory cannot be listed.
Result<std::vector<ListedEntry>> sorted_entries(const std::filesystem::path& directory);

// What detecting a directory's layout read (its sorted listing and its files), kept so that
// loading the directory next lists it and reads each file once (in a directory of ten thousand
// files that is most of the I/O). Files are known by their index in entries().
class ReadCache {
  public:
    // sorted_entries(directory), listed on the first call for that directory only (listing
    // another directory forgets what was kept).
    const Result<std::vector<ListedEntry>>& entries(const std::filesystem::path& directory);
    // Keeps the contents of entries()[index], which must exist.
    void keep(std::size_t index, std::string contents);
    // The contents of entries()[index]: what was kept for it (handed over, not copied), else
    // read now (failing as read_whole_file does).
    Result<std::string> take(std::size_t index);
    // Hands over the path of entries()[index] (see ListedEntry::take_path), for the one
    // Migration read from it; nothing may ask for that entry's path afterwards.
    std::filesystem::path take_path(std::size_t index);

  private:
    std::string m_listed_directory;
    std::optional<Result<std::vector<ListedEntry>>> m_listing;
    std::vector<std::optional<std::string>> m_files;  // by index in the listing
};

// Fails with invalid_input unless `directory` exists and is a directory (or a symlink to one).
Result<void> check_is_directory(const std::filesystem::path& directory);

// Sorts `migrations` by version and adds a problem for every two with the same numeric version.
void sort_and_report_duplicates(std::vector<Migration>& migrations, Problems& problems);

}  // namespace belay
