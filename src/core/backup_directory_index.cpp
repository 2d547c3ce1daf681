#include "core/backup_directory_index.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "core/backup_metadata.hpp"
#include "core/durable_file.hpp"
#include "core/log.hpp"

namespace belay {

namespace {

// What the index keeps of one directory: only the names its questions are about, and the
// source each sidecar names, read once and forgotten when the file changes.
struct Names {
    std::map<std::string, std::set<std::string>, std::less<>> automatic;  // sidecars, by stem
    std::set<std::string> chosen;       // sidecars whose names were chosen by hand
    std::set<std::string> temporaries;  // and their companions
    std::map<std::string, std::set<std::string>, std::less<>> by_source;  // sidecars read
    std::map<std::string, std::string> source_of;                         // the other way
    std::set<std::string> unread;      // sidecars not read since they last changed
    std::set<std::string> unreadable;  // sidecars that could not be read when last tried

    void add(const std::string& name) {
        if (name.ends_with(".bak.json")) {
            const auto stems = automatic_backup_stems(name);
            if (stems.empty()) {
                chosen.insert(name);
            }
            for (const auto& stem : stems) {
                automatic[stem].insert(name);
            }
            changed(name);
        } else if (is_temporary_name(name)) {
            temporaries.insert(name);
        }
    }
    void remove(const std::string& name) {
        chosen.erase(name);
        temporaries.erase(name);
        for (const auto& stem : automatic_backup_stems(name)) {
            if (auto found = automatic.find(stem); found != automatic.end()) {
                found->second.erase(name);
                if (found->second.empty()) {
                    automatic.erase(found);
                }
            }
        }
        forget_source(name);
        unread.erase(name);
    }
    // Written to: what it names must be read again.
    void changed(const std::string& name) {
        if (name.ends_with(".bak.json")) {
            forget_source(name);
            unread.insert(name);
        }
    }
    void forget_source(const std::string& name) {
        unreadable.erase(name);
        const auto found = source_of.find(name);
        if (found == source_of.end()) {
            return;
        }
        if (auto names = by_source.find(found->second); names != by_source.end()) {
            names->second.erase(name);
            if (names->second.empty()) {
                by_source.erase(names);
            }
        }
        source_of.erase(found);
    }
    // Reads the source of every sidecar not read since it changed.
    void read_sources(const std::filesystem::path& directory) {
        for (const auto& name : unread) {
            auto metadata = read_backup_metadata(directory / name);
            if (metadata) {
                source_of[name] = metadata->source;
                by_source[metadata->source].insert(name);
            } else {
                unreadable.insert(name);
            }
        }
        unread.clear();
    }
};

struct Watched {
    std::filesystem::path path;
    int descriptor = -1;  // inotify's watch descriptor
    int scopes = 0;
    bool stale = true;  // list it before the next answer
    Names names;
};

// A directory as the kernel knows it, whatever path names it.
std::optional<std::string> key_of(const std::filesystem::path& directory) {
    struct stat status {};
    const auto path = directory.empty() ? std::filesystem::path(".") : directory;
    if (::stat(path.c_str(), &status) != 0 || !S_ISDIR(status.st_mode)) {
        return std::nullopt;
    }
    return fmt::format("{}:{}", status.st_dev, status.st_ino);
}

constexpr std::uint32_t k_events =
    IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY | IN_DELETE_SELF | IN_ONLYDIR;

class Index {
  public:
    static Index& instance() {
        static Index index;
        return index;
    }

    std::optional<std::string> watch(const std::filesystem::path& directory) {
        const std::scoped_lock lock(m_mutex);
        const auto key = key_of(directory);
        if (!key) {
            return std::nullopt;
        }
        if (auto found = m_watched.find(*key); found != m_watched.end()) {
            ++found->second.scopes;
            return key;
        }
        if (m_inotify < 0 && (m_inotify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
            logger()->debug("{} is listed for each snapshot: no inotify instance ({})",
                            directory.string(), std::strerror(errno));
            return std::nullopt;
        }
        const int descriptor = ::inotify_add_watch(m_inotify, directory.c_str(), k_events);
        // The path may have been swapped for another directory between the two looks.
        if (descriptor < 0 || key_of(directory) != key) {
            logger()->debug("{} is listed for each snapshot: it cannot be watched",
                            directory.string());
            forget_descriptor(descriptor);
            return std::nullopt;
        }
        m_watched[*key] = Watched{directory, descriptor, 1, true, {}};
        m_keys_by_descriptor[descriptor] = *key;
        return key;
    }

    void unwatch(const std::string& key) {
        const std::scoped_lock lock(m_mutex);
        auto found = m_watched.find(key);
        if (found == m_watched.end() || --found->second.scopes > 0) {
            return;
        }
        forget_descriptor(found->second.descriptor);
        m_watched.erase(found);
    }

    // `answer` of the directory's names, or std::nullopt when it is not watched.
    template <typename Answer>
    auto ask(const std::filesystem::path& directory, const Answer& answer)
        -> std::optional<decltype(answer(std::declval<Names&>()))> {
        const std::scoped_lock lock(m_mutex);
        if (m_watched.empty()) {
            return std::nullopt;
        }
        // Looked at before the events are read: a directory removed and made again (the same
        // inode number, maybe) has its removal's event read below.
        const auto key = key_of(directory);
        drain();
        const auto found = key ? m_watched.find(*key) : m_watched.end();
        if (found == m_watched.end() || (found->second.stale && !relist(found->second, *key))) {
            return std::nullopt;
        }
        return answer(found->second.names);
    }

  private:
    Index() = default;

    void forget_descriptor(int descriptor) {
        if (descriptor >= 0) {
            ::inotify_rm_watch(m_inotify, descriptor);
            m_keys_by_descriptor.erase(descriptor);
        }
        if (m_keys_by_descriptor.empty() && m_inotify >= 0) {
            ::close(m_inotify);
            m_inotify = -1;
        }
    }

    // Applies every pending event.
    void drain() {
        alignas(inotify_event) std::array<char, 64 * 1024> buffer{};
        for (;;) {
            const auto got = ::read(m_inotify, buffer.data(), buffer.size());
            if (got <= 0) {
                return;  // EAGAIN: nothing more (an error would show again on the next read)
            }
            for (std::size_t at = 0; at < static_cast<std::size_t>(got);) {
                const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
                apply(*event);
                at += sizeof(inotify_event) + event->len;
            }
        }
    }

    void apply(const inotify_event& event) {
        if ((event.mask & IN_Q_OVERFLOW) != 0) {
            for (auto& [key, watched] : m_watched) {
                watched.stale = true;  // events were lost: list every directory again
            }
            return;
        }
        const auto key = m_keys_by_descriptor.find(event.wd);
        if (key == m_keys_by_descriptor.end()) {
            return;
        }
        auto& watched = m_watched.at(key->second);
        if ((event.mask & (IN_DELETE_SELF | IN_IGNORED)) != 0) {
            watched.stale = true;  // gone: a new directory at that path is not this one
            watched.names = {};
            m_keys_by_descriptor.erase(key);
            watched.descriptor = -1;
            return;
        }
        const std::string name = event.len > 0 ? event.name : "";
        if ((event.mask & (IN_CREATE | IN_MOVED_TO)) != 0) {
            watched.names.add(name);
        } else if ((event.mask & (IN_DELETE | IN_MOVED_FROM)) != 0) {
            watched.names.remove(name);
        } else if ((event.mask & IN_MODIFY) != 0) {
            watched.names.changed(name);
        }
    }

    // Lists the directory afresh; false when it is no longer the directory watched.
    bool relist(Watched& watched, const std::string& key) {
        if (watched.descriptor < 0) {
            return false;
        }
        DIR* listing = ::opendir(watched.path.c_str());
        if (listing == nullptr) {
            return false;
        }
        struct stat status {};
        if (::fstat(::dirfd(listing), &status) != 0 ||
            fmt::format("{}:{}", status.st_dev, status.st_ino) != key) {
            ::closedir(listing);
            return false;
        }
        watched.names = {};
        while (const auto* entry = ::readdir(listing)) {
            watched.names.add(entry->d_name);
        }
        ::closedir(listing);
        watched.stale = false;
        return true;
    }

    std::mutex m_mutex;
    int m_inotify = -1;
    std::map<std::string, Watched> m_watched;
    std::map<int, std::string> m_keys_by_descriptor;
};

template <typename Set>
void append(std::vector<std::string>& to, const Set& names) {
    to.insert(to.end(), names.begin(), names.end());
}

}  // namespace

BackupDirectoryWatch::BackupDirectoryWatch(const std::vector<std::filesystem::path>& directories) {
    for (const auto& directory : directories) {
        if (auto key = Index::instance().watch(directory)) {
            m_keys.push_back(std::move(*key));
        }
    }
}

BackupDirectoryWatch::~BackupDirectoryWatch() {
    for (const auto& key : m_keys) {
        Index::instance().unwatch(key);
    }
}

std::optional<std::vector<std::string>> watched_sidecars(const std::filesystem::path& directory,
                                                         std::string_view stem) {
    return Index::instance().ask(directory, [&](Names& names) {
        std::vector<std::string> sidecars;
        if (const auto found = names.automatic.find(stem); found != names.automatic.end()) {
            append(sidecars, found->second);
        }
        append(sidecars, names.chosen);
        return sidecars;
    });
}

std::optional<std::vector<std::string>> watched_temporaries(
    const std::filesystem::path& directory) {
    return Index::instance().ask(directory, [](Names& names) {
        return std::vector<std::string>(names.temporaries.begin(), names.temporaries.end());
    });
}

std::vector<std::string> sidecars_of_stem(const std::filesystem::path& directory,
                                          std::string_view stem) {
    auto watched = watched_sidecars(directory, stem);
    return watched ? std::move(*watched) : list_sidecars_of_stem(directory, stem);
}

std::vector<std::string> temporaries_in(const std::filesystem::path& directory) {
    auto watched = watched_temporaries(directory);
    return watched ? std::move(*watched) : list_temporaries(directory);
}

std::optional<std::vector<std::string>> watched_sidecars_naming(
    const std::filesystem::path& directory, const std::string& source) {
    const auto where = directory.empty() ? std::filesystem::path(".") : directory;
    return Index::instance().ask(directory, [&](Names& names) {
        names.read_sources(where);
        std::vector<std::string> sidecars;
        if (const auto found = names.by_source.find(source); found != names.by_source.end()) {
            append(sidecars, found->second);
        }
        append(sidecars, names.unreadable);
        return sidecars;
    });
}

}  // namespace belay
