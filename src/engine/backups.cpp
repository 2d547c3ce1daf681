#include "engine/backups.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <regex>
#include <thread>
#include <tuple>

#include "core/log.hpp"

#include "belay/cancellation.hpp"
#include "core/backup_directory_index.hpp"
#include "core/durable_file.hpp"
#include "core/regular_file.hpp"
#include "engine/database_state.hpp"
#include "engine/status.hpp"

namespace belay::engine {

namespace {

std::filesystem::path listing_directory(const DatabaseOptions& options) {
    const auto directory = options.backup_directory();
    return directory.empty() ? std::filesystem::path(".") : directory;
}

// Fills entry.problems: empty when the backup verifies intact.
void verify_entry(BackupEntry& entry) {
    auto problems = verify_backup(entry.path, entry.metadata);
    entry.problems =
        problems ? std::move(*problems) : std::vector<std::string>{problems.error().message};
}

// Entries of the backup directory that are named like a backup or sidecar but are not regular
// files (a FIFO, a directory, a symlink) are never read (a FIFO would block the read for ever),
// never listed and never removed: a warning names them.
void warn_not_regular(const std::filesystem::path& path, const std::string& kind) {
    logger()->warn(
        "skipping {}: it is {}, not a regular file; belay reads only regular files as backups "
        "and sidecars, and leaves it alone (remove or rename it if it is not yours)",
        path.string(), kind);
}

std::optional<BackupEntry> read_entry(const std::filesystem::path& sidecar,
                                      const std::string& source) {
    if (const auto kind = non_regular_kind(sidecar); !kind.empty()) {
        warn_not_regular(sidecar, kind);
        return std::nullopt;
    }
    auto metadata = read_backup_metadata(sidecar);
    std::error_code ec;
    if (!metadata && !std::filesystem::exists(std::filesystem::symlink_status(sidecar, ec))) {
        return std::nullopt;  // removed since the directory was read (a prune running beside)
    }
    if (!metadata) {
        logger()->warn("skipping {}", metadata.error().message);
        return std::nullopt;
    }
    if (metadata->source != source) {
        return std::nullopt;
    }
    auto backup = sidecar;
    backup.replace_extension();  // "x.bak.json" -> "x.bak"
    if (!std::filesystem::exists(std::filesystem::symlink_status(backup, ec))) {
        return std::nullopt;  // a sidecar whose backup was never renamed into place, or removed
    }
    if (const auto kind = non_regular_kind(backup); !kind.empty()) {
        warn_not_regular(backup, kind);
        return std::nullopt;
    }
    return BackupEntry{backup, std::move(*metadata), std::nullopt};
}

// n of "<stem>-YYYYMMDD-HHMMSS-<n>.bak", 0 for the first backup of a second (or another name).
int same_second_index(const std::filesystem::path& backup) {
    static const std::regex k_pattern(R"(-\d{8}-\d{6}-(\d+)\.bak$)");
    std::smatch match;
    const auto name = backup.filename().string();
    if (!std::regex_search(name, match, k_pattern) || match[1].length() > 6) {
        return 0;
    }
    return std::stoi(match[1].str());
}

// Seconds since the epoch of an ISO-8601 UTC time as belay writes it; 0 when unreadable.
std::time_t parse_utc(const std::string& text) {
    std::tm parts{};
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ", &parts.tm_year, &parts.tm_mon,
                    &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec) != 6) {
        return 0;
    }
    parts.tm_year -= 1900;
    parts.tm_mon -= 1;
    return ::timegm(&parts);
}

// Removes the sidecars of this database's backups whose backup is gone: what a prune killed
// between its two removals leaves (it removes the backup first). A sidecar whose backup is
// still being written stays: its writer holds the copy's temporary until it renames it.
int remove_orphan_sidecars(const DatabaseOptions& options) {
    const auto directory = listing_directory(options);
    const auto stem = backup_stem(options.database);
    std::error_code ec;
    const auto source = std::filesystem::weakly_canonical(options.database, ec).string();
    int removed = 0;
    for (const auto& name : sidecars_of_stem(directory, stem)) {
        if (!is_backup_file_name(name, stem, true)) {
            continue;
        }
        const auto backup_name = name.substr(0, name.size() - 5);
        // In this order: a writer renames its copy into place after the sidecar, so once no
        // live copy exists, a backup that is not there now never will be.
        if (has_live_temporary(directory, backup_name, temporaries_in(directory)) ||
            std::filesystem::exists(std::filesystem::symlink_status(directory / backup_name))) {
            continue;
        }
        const auto file = directory / name;
        auto metadata = read_backup_metadata(file);
        if (!metadata || metadata->source != source) {
            continue;  // unreadable, or another database's: not ours to remove
        }
        if (::unlink(file.c_str()) == 0) {
            ++removed;
        }
    }
    return removed;
}

// True when `backup` is the file `protect` names (the snapshot this run just took).
bool is_protected(const std::filesystem::path& backup,
                  const std::optional<std::filesystem::path>& protect) {
    std::error_code ec;
    return protect && std::filesystem::equivalent(backup, *protect, ec);
}

}  // namespace

BackupDirectoryLock::~BackupDirectoryLock() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

Result<BackupDirectoryLock> lock_backup_directory(const std::filesystem::path& directory,
                                                  std::chrono::milliseconds timeout,
                                                  bool exclusive) {
    const int fd =
        ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return BackupDirectoryLock(-1);
    }
    const auto give_up_at = std::chrono::steady_clock::now() + timeout;
    while (::flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            ::close(fd);
            return BackupDirectoryLock(-1);
        }
        if (cancellation_requested()) {
            ::close(fd);
            return fail(ErrorCode::interrupted,
                        "interrupted while waiting for another prune or restore of the backups "
                        "in {}",
                        directory.string());
        }
        if (std::chrono::steady_clock::now() >= give_up_at) {
            ::close(fd);
            return fail(ErrorCode::busy,
                        "{} of the backups in {} is still running (waited {} ms); wait for it "
                        "to finish",
                        exclusive ? "another prune, or a restore," : "a prune", directory.string(),
                        timeout.count());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return BackupDirectoryLock(fd);
}

Result<Snapshot> run_backup(const BackupOptions& options) {
    std::error_code ec;
    if (!std::filesystem::exists(options.db.database, ec)) {
        return fail(options.db.database, ErrorCode::invalid_input,
                    "database {} does not exist; nothing to back up", options.db.database.string());
    }
    // Any SQLite database can be backed up, whatever tool keeps its history.
    auto version = read_version_for_backup(options.db);
    BELAY_TRY(version);
    SnapshotRequest request;
    request.database = options.db.database;
    request.directory = options.db.backup_directory();
    request.out = options.out;
    request.reason = options.reason;
    request.schema_version = *version;
    request.verify = options.verify;
    request.lock_timeout = options.db.lock_timeout;
    request.progress = options.progress;
    return take_snapshot(request);
}

Result<std::vector<BackupEntry>> list_backups(const DatabaseOptions& options, bool verify) {
    const auto directory = listing_directory(options);
    std::error_code ec;
    const auto source = std::filesystem::weakly_canonical(options.database, ec).string();
    std::vector<std::string> names;
    if (auto watched = watched_sidecars_naming(directory, source)) {
        names = std::move(*watched);  // the sidecars that name this database, and unreadable ones
    } else {
        for (const auto& file : std::filesystem::directory_iterator(directory, ec)) {
            if (auto name = file.path().filename().string(); name.ends_with(".bak.json")) {
                names.push_back(std::move(name));
            }
        }
    }
    if (ec) {
        return fail(directory, ErrorCode::invalid_input, "cannot list backups in {}: {}",
                    directory.string(), ec.message());
    }
    std::vector<BackupEntry> entries;
    for (const auto& name : names) {
        // Paths as the user gave the directory: "x.bak", not "./x.bak", for the current one.
        if (auto entry = read_entry(options.backup_directory() / name, source)) {
            entries.push_back(std::move(*entry));
        }
    }
    // The sequence first: it orders backups as they were taken, whatever the clock said when
    // they were named. Sidecars from before sequences (0) come after every one that has one
    // and among themselves by created_at, whole seconds, then the "-<n>" suffix.
    std::ranges::sort(entries, [](const BackupEntry& a, const BackupEntry& b) {
        return std::make_tuple(a.metadata.sequence, a.metadata.created_at,
                               same_second_index(a.path),
                               a.path) > std::make_tuple(b.metadata.sequence, b.metadata.created_at,
                                                         same_second_index(b.path), b.path);
    });
    if (verify) {
        std::ranges::for_each(entries, verify_entry);
    }
    return entries;
}

std::optional<std::size_t> find_newest_intact(std::vector<BackupEntry>& entries) {
    for (std::size_t i = 0; i < entries.size(); ++i) {
        verify_entry(entries[i]);
        if (entries[i].problems->empty()) {
            return i;
        }
    }
    return std::nullopt;
}

namespace {

// Whether the rules keep the backup at `index` of the listing (newest first): among the newest
// `keep`, younger than keep_days, the newest intact one, or the one the pruning run protects.
bool kept_by_rules(const PruneOptions& options, std::size_t index, const BackupEntry& entry,
                   std::time_t now_seconds, std::optional<std::size_t> newest_intact) {
    const auto keep = options.keep.value_or(options.keep_days ? 0 : k_default_keep);
    const auto created = parse_utc(entry.metadata.created_at);
    if (created == 0) {
        logger()->warn("keeping {}: its sidecar's created_at ({}) is not a time belay writes",
                       entry.path.string(), entry.metadata.created_at);
    }
    const auto age_days = created == 0 ? 0 : (now_seconds - created) / 86400;
    return index < static_cast<std::size_t>(keep) ||
           (options.keep_days && age_days < *options.keep_days) || index == newest_intact ||
           is_protected(entry.path, options.protect);
}

// Removes a backup, then its sidecar (a sidecar without its backup is ignored by every
// listing), and returns the bytes they held; nothing is removed with dry_run. std::nullopt when
// the backup is already gone: removed by hand, or by a prune that could not lock the directory,
// since the listing, so its sidecar may be a new backup's by now and is not ours to touch.
Result<std::optional<std::uintmax_t>> remove_backup(const BackupEntry& entry, bool dry_run) {
    std::error_code ec;
    const auto sidecar = sidecar_path(entry.path);
    const auto bytes =
        std::filesystem::file_size(entry.path, ec) + std::filesystem::file_size(sidecar, ec);
    if (dry_run) {
        return bytes;
    }
    if (::unlink(entry.path.c_str()) != 0) {
        if (errno == ENOENT) {
            return std::nullopt;
        }
        return fail(entry.path, ErrorCode::invalid_input, "cannot remove {}: {}",
                    entry.path.string(), std::strerror(errno));
    }
    ::unlink(sidecar.c_str());
    return bytes;
}

}  // namespace

Result<PruneReport> run_prune(const PruneOptions& options,
                              std::chrono::system_clock::time_point now) {
    if (options.keep && *options.keep < 1) {
        return fail(ErrorCode::invalid_input, "prune: keep {}: keep at least 1 backup ({})",
                    *options.keep, Option::keep);
    }
    if (options.keep_days && *options.keep_days < 0) {
        return fail(ErrorCode::invalid_input, "prune: keep_days {}: give 0 days or more ({})",
                    *options.keep_days, Option::keep_days);
    }
    // The lock first: the listing below must be the one acted on.
    auto lock = options.dry_run ? Result<BackupDirectoryLock>(BackupDirectoryLock(-1))
                                : lock_backup_directory(listing_directory(options.db),
                                                        options.db.lock_timeout, true);
    BELAY_TRY(lock);
    auto entries = list_backups(options.db, false);
    BELAY_TRY(entries);
    PruneReport report;
    if (!options.dry_run) {
        const auto stem = backup_stem(options.db.database);
        const auto is_ours = [&](std::string_view name) {
            return is_backup_file_name(name, stem, true);
        };
        const auto directory = options.db.backup_directory();
        report.abandoned_removed =
            remove_abandoned_temporaries(directory, is_ours, temporaries_in(directory));
        report.abandoned_removed += remove_orphan_sidecars(options.db);
    }
    const auto now_seconds = std::chrono::system_clock::to_time_t(now);
    // The newest backup that verifies intact is never removed, whatever the rules say.
    const auto newest_intact = find_newest_intact(*entries);
    for (std::size_t i = 0; i < entries->size(); ++i) {
        auto& entry = (*entries)[i];
        if (kept_by_rules(options, i, entry, now_seconds, newest_intact)) {
            report.kept.push_back(std::move(entry));
            continue;
        }
        auto bytes = remove_backup(entry, options.dry_run);
        BELAY_TRY(bytes);
        if (*bytes) {
            report.bytes_freed += **bytes;
            report.removed.push_back(std::move(entry));
        }
    }
    return report;
}

Call restore_call(const std::filesystem::path& database, const std::filesystem::path& snapshot) {
    return run(Command::restore, {argument(Option::database, database.string()),
                                  argument(Option::backup, snapshot.string())});
}

Result<RunSnapshot> snapshot_beside_own_connection(const DatabaseOptions& db, std::string reason,
                                                   std::string version,
                                                   const BackupProgress& progress) {
    SnapshotRequest request;
    request.database = db.database;
    request.directory = db.backup_directory();
    request.reason = std::move(reason);
    request.schema_version = std::move(version);
    request.lock_timeout = db.lock_timeout;
    request.progress = progress;
    request.beside_own_lock = true;
    auto snapshot = take_snapshot(request);
    BELAY_TRY(snapshot);
    return RunSnapshot{snapshot->path, restore_call(db.database, snapshot->path)};
}

}  // namespace belay::engine
