// What this process knows of the backup files in directories that many snapshots are written to
// (a fleet run's thousands of tenants in one directory). Each snapshot looks for its database's
// sidecars (to number itself) and for abandoned temporaries (to sweep them). A listing costs time
// in proportion to the whole directory, so a directory of N databases listed once per snapshot
// makes a fleet run grow as N squared. A watched directory is listed once, then kept current from
// the kernel's inotify events (creations, removals and renames by any process): each question
// costs one read of the pending events.
//
// The answers are what a listing made at that moment would give (and a sidecar's source what
// reading it would give). When inotify is not available
// (no instance or watch left to this user), the directory is not watched and callers list it as
// before; when its event queue overflowed, or the directory itself was moved or removed, the next
// question lists it again.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace belay {

// Watches `directories` while it lives. Scopes may overlap (two fleet runs in one process): a
// directory stays watched until the last scope that asked for it ends.
class BackupDirectoryWatch {
  public:
    explicit BackupDirectoryWatch(const std::vector<std::filesystem::path>& directories);
    BackupDirectoryWatch(const BackupDirectoryWatch&) = delete;
    BackupDirectoryWatch& operator=(const BackupDirectoryWatch&) = delete;
    ~BackupDirectoryWatch();

    // How many of the directories are watched (the others are listed as before).
    std::size_t watched() const { return m_keys.size(); }

  private:
    std::vector<std::string> m_keys;
};

// The sidecar names (`*.bak.json`) in `directory` that can be `stem`'s: its automatic names and
// every name chosen by hand; std::nullopt when the directory is not watched.
std::optional<std::vector<std::string>> watched_sidecars(const std::filesystem::path& directory,
                                                         std::string_view stem);

// The names of temporaries (final_name_of_temporary) and of the -journal, -wal and -shm files
// beside them in `directory`; std::nullopt when the directory is not watched.
std::optional<std::vector<std::string>> watched_temporaries(const std::filesystem::path& directory);

// watched_sidecars, or list_sidecars_of_stem when the directory is not watched.
std::vector<std::string> sidecars_of_stem(const std::filesystem::path& directory,
                                          std::string_view stem);
// watched_temporaries, or list_temporaries when the directory is not watched.
std::vector<std::string> temporaries_in(const std::filesystem::path& directory);

// The sidecar names in `directory` whose `source` is `source`, and those that could not be read
// (their reader says why); std::nullopt when the directory is not watched. Each sidecar is read
// once, and again only after it changed (a write, a rename onto it), so that a backup listing
// for each of a directory's databases does not parse every database's sidecars.
std::optional<std::vector<std::string>> watched_sidecars_naming(
    const std::filesystem::path& directory, const std::string& source);

}  // namespace belay
