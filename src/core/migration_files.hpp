// File-system helpers shared by the readers of migration directories and other file readers.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/migration.hpp"

namespace belay {

// The last component of `path` as a view into it: path.filename().string() without the copies
// (a migration directory's listing asks for ten thousand of them).
inline std::string_view file_name_of(const std::filesystem::path& path) {
    const std::string_view native = path.native();
    return native.substr(native.rfind('/') + 1);
}

// The whole file; fails with invalid_input naming the path and the OS's reason.
Result<std::string> read_whole_file(const std::filesystem::path& path);

// The directory's entries sorted by path, so that problems come out in a stable order.
Result<std::vector<std::filesystem::directory_entry>> sorted_entries(
    const std::filesystem::path& directory);

// What detecting a directory's layout read (its sorted listing and its files), kept so that
// loading the directory next lists it and reads each file once (in a directory of ten thousand
// files that is most of the I/O). Files are known by their index in entries().
class ReadCache {
  public:
    // sorted_entries(directory), listed on the first call for that directory only (listing
    // another directory forgets what was kept).
    const Result<std::vector<std::filesystem::directory_entry>>& entries(
        const std::filesystem::path& directory);
    // Keeps the contents of entries()[index], which must exist.
    void keep(std::size_t index, std::string contents);
    // The contents of entries()[index]: what was kept for it (handed over, not copied), else
    // read now (failing as read_whole_file does).
    Result<std::string> take(std::size_t index);

  private:
    std::string m_listed_directory;
    std::optional<Result<std::vector<std::filesystem::directory_entry>>> m_listing;
    std::vector<std::optional<std::string>> m_files;  // by index in the listing
};

// Fails with invalid_input unless `directory` exists and is a directory (or a symlink to one).
Result<void> check_is_directory(const std::filesystem::path& directory);

// Sorts `migrations` by version and adds a problem for every two with the same numeric version.
void sort_and_report_duplicates(std::vector<Migration>& migrations,
                                std::vector<std::string>& problems);

}  // namespace belay
