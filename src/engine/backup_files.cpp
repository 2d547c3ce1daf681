#include "engine/backup_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "core/backup_directory_index.hpp"
#include "core/backup_metadata.hpp"
#include "engine/snapshot.hpp"

namespace belay::engine {

namespace {

constexpr std::uintmax_t k_space_margin = 1024 * 1024;

bool path_taken(const std::filesystem::path& path) {
    std::error_code ec;
    return std::filesystem::exists(std::filesystem::symlink_status(path, ec));
}

// Writes the sidecar, then renames the sealed copy to `final_path`; neither ever replaces an
// existing file. False when another backup holds either name (nothing of this attempt stays
// then); on failure too, nothing of this attempt stays under a final name.
Result<bool> place(const std::filesystem::path& temporary, const std::filesystem::path& final_path,
                   const BackupMetadata& metadata, const FileOwnership& ownership) {
    const auto sidecar = sidecar_path(final_path);
    auto written = write_new_file_unless_taken(sidecar, to_json_text(metadata), ownership);
    if (!written || !*written) {
        return written;
    }
    auto renamed = rename_unless_taken(temporary, final_path);
    if (!renamed || !*renamed) {
        ::unlink(sidecar.c_str());
        return renamed;
    }
    auto synced = sync_directory(final_path.parent_path());
    return synced ? Result<bool>(true) : std::unexpected(synced.error());
}

// The directory named backups of `request` go to, "." for the current one.
std::filesystem::path backup_directory_of(const SnapshotRequest& request) {
    return request.directory.empty() ? std::filesystem::path(".") : request.directory;
}

}  // namespace

SnapshotTemporary::~SnapshotTemporary() {
    if (!m_path.empty()) {
        ::unlink(m_path.c_str());
        ::unlink((m_path.string() + "-journal").c_str());
    }
}

void remove_abandoned_snapshot_temporaries(const SnapshotRequest& request) {
    const auto out_name = request.out ? request.out->filename().string() : std::string();
    const auto stem = backup_stem(request.database);
    const auto directory = request.out ? request.out->parent_path() : request.directory;
    const auto is_ours = [&](std::string_view final_name) {
        return request.out ? final_name == out_name || final_name == out_name + ".json"
                           : is_backup_file_name(final_name, stem, true);
    };
    remove_abandoned_temporaries(directory, is_ours, temporaries_in(directory));
}

Result<std::filesystem::path> choose_final_path(const SnapshotRequest& request,
                                                std::chrono::system_clock::time_point now) {
    const auto stem = backup_stem(request.database);
    if (request.out) {
        // The name of another database's automatic backup would be read as that database's
        // (highest_sequence skips it for this one).
        const auto stems = automatic_backup_stems(sidecar_path(*request.out).filename().string());
        if (!stems.empty() && std::ranges::find(stems, stem) == stems.end()) {
            return fail(*request.out, ErrorCode::invalid_input,
                        "{}: that is the name belay gives {}'s backups ({}-YYYYMMDD-HHMMSS.bak), "
                        "not {}'s; choose another {}",
                        request.out->string(), stems.front(), stems.front(),
                        request.database.string(), Option::out);
        }
        if (path_taken(*request.out) || path_taken(sidecar_path(*request.out))) {
            return fail(*request.out, ErrorCode::snapshot_failed,
                        "{} (or its .json sidecar) already exists; belay never overwrites a "
                        "backup: choose another {}",
                        request.out->string(), Option::out);
        }
        return *request.out;
    }
    for (int n = 0; n < 1000; ++n) {
        auto candidate = request.directory / backup_file_name(stem, now, n);
        if (!path_taken(candidate) && !path_taken(sidecar_path(candidate))) {
            return candidate;
        }
    }
    return fail(backup_directory_of(request), ErrorCode::snapshot_failed,
                "no free backup name for {} in {}", request.database.string(),
                request.directory.string());
}

// Symlinks to a directory are followed: the user chose that path. A mistyped --backup-dir
// would quietly scatter backups if belay created it.
Result<void> check_target_directory(const std::filesystem::path& given, bool exact_path) {
    // For an exact output path, another backup directory is no answer.
    const auto another = exact_path ? Message("give a path in a directory that exists")
                                    : said("choose another {}", Option::backup_dir);
    const auto directory = given.empty() ? std::filesystem::path(".") : given;
    std::error_code ec;
    const auto status = std::filesystem::status(directory, ec);
    // A dangling symlink: `mkdir -p` on it would fail, the directory it points at is missing.
    if (!std::filesystem::exists(status) &&
        std::filesystem::is_symlink(std::filesystem::symlink_status(directory, ec))) {
        const auto target = std::filesystem::read_symlink(directory, ec);
        return fail(directory, ErrorCode::snapshot_failed,
                    "the backup directory {} is a symbolic link to {}, which does not exist "
                    "(belay does not create it): create the directory it points at, or {}",
                    directory.string(), ec ? std::string("a missing path") : target.string(),
                    another);
    }
    if (!std::filesystem::exists(status)) {
        // mkdir reads a name that starts with '-' as its options unless "--" ends them.
        auto mkdir = directory.string().starts_with('-')
                         ? ShellCommand{{"mkdir", "-p", "--", directory.string()}}
                         : ShellCommand{{"mkdir", "-p", directory.string()}};
        return fail(directory, ErrorCode::snapshot_failed,
                    "the backup directory {} does not exist (belay does not create it): create "
                    "it ({}) or {}",
                    directory.string(), std::move(mkdir), another);
    }
    if (!std::filesystem::is_directory(status)) {
        return fail(directory, ErrorCode::snapshot_failed,
                    "the backup directory {} is not a directory; {}", directory.string(), another);
    }
    if (::faccessat(AT_FDCWD, directory.c_str(), W_OK | X_OK, AT_EACCESS) != 0) {
        return fail(directory, ErrorCode::snapshot_failed,
                    "cannot write backups into {}: {}. Make it writable for this user or {}",
                    directory.string(), std::strerror(errno), another);
    }
    return {};
}

Result<void> check_room(const std::filesystem::path& directory, const SnapshotRequest& request,
                        std::uintmax_t bytes) {
    auto available = available_space(directory);
    BELAY_TRY(available);
    if (*available < bytes + k_space_margin) {
        const auto where = directory.empty() ? std::filesystem::path(".") : directory;
        return fail(where, ErrorCode::snapshot_failed,
                    "not enough room in {} for a backup of {}: it needs {} bytes and {} are "
                    "free. Free some space, prune old backups, or choose {}",
                    where.string(), request.database.string(), bytes + k_space_margin, *available,
                    Option::backup_dir);
    }
    return {};
}

// Before each new name the copy's temporary is renamed after it (its flock goes with it), so
// that a prune that finds this run's sidecar before its backup sees the backup being written
// (remove_orphan_sidecars) and leaves the sidecar alone.
Result<std::filesystem::path> place_with_free_name(
    std::filesystem::path temporary, SnapshotTemporary& remover, std::filesystem::path final_path,
    const SnapshotRequest& request, const BackupMetadata& metadata, const FileOwnership& ownership,
    std::chrono::system_clock::time_point now) {
    constexpr int k_attempts = 100;
    for (int attempt = 1;; ++attempt) {
        auto placed = place(temporary, final_path, metadata, ownership);
        BELAY_TRY(placed);
        if (*placed) {
            return final_path;
        }
        if (request.out) {
            return fail(*request.out, ErrorCode::snapshot_failed,
                        "{} (or its .json sidecar) already exists; belay never overwrites a "
                        "backup: choose another {}",
                        request.out->string(), Option::out);
        }
        auto next = attempt < k_attempts
                        ? choose_final_path(request, now)
                        : fail(backup_directory_of(request), ErrorCode::snapshot_failed,
                               "no free backup name for {} in {}", request.database.string(),
                               request.directory.string());
        BELAY_TRY(next);
        final_path = *next;
        auto renamed_temporary = temporary_sibling(final_path);
        BELAY_TRY(rename_no_replace(temporary, renamed_temporary));
        temporary = std::move(renamed_temporary);
        remover.moved_to(temporary);
    }
}

}  // namespace belay::engine
