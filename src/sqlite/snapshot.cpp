#include "sqlite/snapshot.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "core/log.hpp"

#include "belay/cancellation.hpp"
#include "core/background_sha256.hpp"
#include "core/checksum.hpp"
#include "core/durable_file.hpp"
#include "core/elapsed.hpp"
#include "sqlite/backup.hpp"
#include "sqlite/database.hpp"
#include "sqlite/history_store.hpp"
#include "sqlite/raw_copy.hpp"
#include "sqlite/schema_inspection.hpp"
#include "sqlite/wal_snapshot.hpp"

namespace belay::sqlite {

namespace {

constexpr int k_pages_per_step = 4096;
constexpr std::uintmax_t k_space_margin = 1024 * 1024;
// Tries at pinning a WAL snapshot before the copy falls back to the backup API.
constexpr int k_pin_attempts = 20;

// Removes a file (and the -journal SQLite may have made beside it) unless released.
class FileRemover {
  public:
    explicit FileRemover(std::filesystem::path path) : m_path(std::move(path)) {}
    ~FileRemover() {
        if (!m_path.empty()) {
            ::unlink(m_path.c_str());
            ::unlink((m_path.string() + "-journal").c_str());
        }
    }
    FileRemover(const FileRemover&) = delete;
    FileRemover& operator=(const FileRemover&) = delete;
    void release() { m_path.clear(); }
    void moved_to(std::filesystem::path path) { m_path = std::move(path); }

  private:
    std::filesystem::path m_path;
};

Error snapshot_error(Error error) {
    if (error.code != ErrorCode::busy && error.code != ErrorCode::interrupted) {
        error.code = ErrorCode::snapshot_failed;
    }
    return error;
}

bool path_taken(const std::filesystem::path& path) {
    std::error_code ec;
    return std::filesystem::exists(std::filesystem::symlink_status(path, ec));
}

Result<std::filesystem::path> choose_final_path(const SnapshotRequest& request,
                                                std::chrono::system_clock::time_point now) {
    if (request.out) {
        if (path_taken(*request.out) || path_taken(sidecar_path(*request.out))) {
            return fail(ErrorCode::snapshot_failed,
                        "{} (or its .json sidecar) already exists; belay never overwrites a "
                        "backup: choose another --out",
                        request.out->string());
        }
        return *request.out;
    }
    const auto stem = backup_stem(request.database);
    for (int n = 0; n < 1000; ++n) {
        auto candidate = request.directory / backup_file_name(stem, now, n);
        if (!path_taken(candidate) && !path_taken(sidecar_path(candidate))) {
            return candidate;
        }
    }
    return fail(ErrorCode::snapshot_failed, "no free backup name for {} in {}",
                request.database.string(), request.directory.string());
}

// Copies every page inside the source's open read transaction, so the copy never restarts.
Result<void> copy_pages(Database& source, Database& destination, const CopyProgress& progress,
                        std::int64_t page_size) {
    auto backup = Backup::start(source, destination);
    if (!backup) {
        return std::unexpected(backup.error());
    }
    for (auto step = BackupStep::more; step == BackupStep::more;) {
        step = backup->step(k_pages_per_step);
        if (progress) {
            const auto total = backup->page_count();
            progress((total - backup->remaining()) * page_size, total * page_size, page_size);
        }
        if (step == BackupStep::more && cancellation_requested()) {
            return fail(ErrorCode::interrupted, "the backup of {} was interrupted by a signal",
                        source.path().string());  // the destination is rolled back
        }
    }
    if (auto finished = backup->finish(); !finished) {
        // The OS's reason ("File too large", "No space left") is in the message: a problem of
        // where the backup goes.
        return fail(finished.error().code, "copying {} failed: {}{}", source.path().string(),
                    finished.error().message,
                    backup->os_error() != 0 ? "; free some space (or raise the file size limit), "
                                              "or choose --backup-dir"
                                            : "");
    }
    return {};
}

struct SourceFacts {
    std::int64_t page_count = 0;
    std::int64_t page_size = 0;
    std::string fingerprint;
    bool wal = false;  // WAL mode: committed pages may be in the -wal, not in the main file
    // WAL mode: the wal-index header the read transaction is known to have started from, when
    // it could be pinned (see wal_snapshot.hpp); without it the copy uses the backup API.
    std::optional<WalIndexHeader> wal_index;
};

// Begins the read transaction on `source`. In WAL mode, also returns the wal-index header
// that transaction's snapshot is, when the header read just before BEGIN and just after the
// first read are the same (every header change increments its iChange); a writer committing
// in between makes it try again, a few times.
Result<std::optional<WalIndexHeader>> begin_pinned_read(Database& source) {
    // Outside a transaction: also opens the WAL and maps the wal-index for the reads below.
    auto mode = source.query_text("PRAGMA journal_mode");
    if (!mode) {
        return std::unexpected(mode.error());
    }
    for (int attempt = 1;; ++attempt) {
        auto before = *mode == "wal" ? read_wal_index_header(source) : std::nullopt;
        if (auto ok = source.exec("BEGIN; SELECT count(*) FROM sqlite_schema;"); !ok) {
            return std::unexpected(ok.error());
        }
        auto after = before ? read_wal_index_header(source) : std::nullopt;
        if (!before || (after && after->raw == before->raw)) {
            return after;
        }
        if (attempt == k_pin_attempts) {
            logger()->debug("the WAL of {} changed at every attempt to pin a snapshot",
                            source.path().string());
            return std::nullopt;
        }
        if (auto ok = source.exec("COMMIT"); !ok) {
            return std::unexpected(ok.error());
        }
    }
}

// Opens the read transaction the copy runs in and reads what verification compares against.
Result<SourceFacts> begin_consistent_read(Database& source) {
    auto pinned = begin_pinned_read(source);
    auto count = pinned ? source.query_int("PRAGMA page_count") : std::unexpected(pinned.error());
    auto size = count ? source.query_int("PRAGMA page_size") : std::unexpected(count.error());
    auto fingerprint = size ? schema_fingerprint(source, "") : std::unexpected(size.error());
    auto mode = fingerprint ? source.query_text("PRAGMA journal_mode")
                            : std::unexpected(fingerprint.error());
    if (!mode) {
        return std::unexpected(mode.error());
    }
    const bool wal = *mode == "wal";
    return SourceFacts{*count, *size, *fingerprint, wal,
                       wal ? *pinned : std::optional<WalIndexHeader>()};
}

// The raw copy's plan for the pinned snapshot, or std::nullopt (with the reason logged) when
// only the backup API can copy it.
std::optional<RawCopyPlan> plan_raw_copy(Database& source, const SourceFacts& facts) {
    RawCopyPlan plan{facts.page_count, facts.page_size, {}, facts.wal};
    if (!facts.wal) {
        return plan;  // the SHARED lock keeps the main file exactly the committed database
    }
    if (!facts.wal_index) {
        return std::nullopt;
    }
    const auto& header = *facts.wal_index;
    if (header.max_frame != 0 &&
        (header.page_count != facts.page_count || header.page_size != facts.page_size ||
         header.backfilled > header.max_frame)) {
        logger()->debug(
            "the wal-index of {} disagrees with its read transaction; using the "
            "backup API",
            source.path().string());
        return std::nullopt;
    }
    if (header.backfilled == header.max_frame) {
        return plan;  // every frame is in the main file already, and nothing writes it now
    }
    auto frames = latest_wal_frames(source, header);
    if (!frames) {
        logger()->debug("{}; using the backup API", frames.error().message);
        return std::nullopt;
    }
    plan.wal_frames = std::move(*frames);
    return plan;
}

// The directory a backup goes into must exist (belay never creates one: a mistyped
// --backup-dir would quietly scatter backups) and be writable for this user. Symlinks to a
// directory are followed: the user chose that path.
Result<void> check_target_directory(const std::filesystem::path& given, bool exact_path) {
    // For an exact output path, another backup directory is no answer.
    const std::string_view another =
        exact_path ? "give a path in a directory that exists" : "choose another --backup-dir";
    const auto directory = given.empty() ? std::filesystem::path(".") : given;
    std::error_code ec;
    const auto status = std::filesystem::status(directory, ec);
    // A dangling symlink: `mkdir -p` on it would fail, the directory it points at is missing.
    if (!std::filesystem::exists(status) &&
        std::filesystem::is_symlink(std::filesystem::symlink_status(directory, ec))) {
        const auto target = std::filesystem::read_symlink(directory, ec);
        return fail(ErrorCode::snapshot_failed,
                    "the backup directory {} is a symbolic link to {}, which does not exist "
                    "(belay does not create it): create the directory it points at, or {}",
                    directory.string(), ec ? std::string("a missing path") : target.string(),
                    another);
    }
    if (!std::filesystem::exists(status)) {
        return fail(ErrorCode::snapshot_failed,
                    "the backup directory {} does not exist (belay does not create it): create "
                    "it (mkdir -p {}) or {}",
                    directory.string(), directory.string(), another);
    }
    if (!std::filesystem::is_directory(status)) {
        return fail(ErrorCode::snapshot_failed, "the backup directory {} is not a directory; {}",
                    directory.string(), another);
    }
    if (::faccessat(AT_FDCWD, directory.c_str(), W_OK | X_OK, AT_EACCESS) != 0) {
        return fail(ErrorCode::snapshot_failed,
                    "cannot write backups into {}: {}. Make it writable for this user or {}",
                    directory.string(), std::strerror(errno), another);
    }
    return {};
}

Result<void> check_room(const std::filesystem::path& directory, const SnapshotRequest& request,
                        const SourceFacts& facts) {
    auto available = available_space(directory);
    if (!available) {
        return std::unexpected(available.error());
    }
    const auto needed = static_cast<std::uintmax_t>(facts.page_count * facts.page_size);
    if (*available < needed + k_space_margin) {
        return fail(ErrorCode::snapshot_failed,
                    "not enough room in {} for a backup of {}: it needs {} bytes and {} are "
                    "free. Free some space, prune old backups, or choose --backup-dir",
                    directory.empty() ? std::string(".") : directory.string(),
                    request.database.string(), needed + k_space_margin, *available);
    }
    return {};
}

struct CheckedCopy {
    bool raw = false;  // copied raw rather than with the backup API
    // SHA-256 of the copy, following the raw copy as it was written, or started once the
    // backup API had finished; it runs on while the copy is verified.
    std::unique_ptr<BackgroundSha256> hasher;
    BackgroundFlush flush;  // the copy's fsync, started as soon as it was written
};

// The fallback copy, page by page through the pager (a WAL snapshot that could not be pinned).
Result<void> copy_with_backup_api(Database& source, const std::filesystem::path& temporary,
                                  const SnapshotRequest& request, const SourceFacts& facts) {
    auto destination = Database::open(temporary, OpenMode::own_file);
    if (!destination) {
        return std::unexpected(destination.error());
    }
    // The temporary file is not a backup until it is verified and renamed: no journal.
    auto ok = destination->exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF");
    ok = ok ? copy_pages(source, *destination, request.progress, facts.page_size) : ok;
    // A copy of a WAL database says WAL in its header; DELETE makes it open on its own.
    ok = ok ? destination->exec("PRAGMA journal_mode = DELETE") : ok;
    return ok ? destination->close() : ok;
}

// The copy in `temporary`, checked against the source (unless --no-verify), with its flush to
// disk under way.
Result<CheckedCopy> copy_and_check(Database& source, SourceDescriptor& descriptor, int temporary_fd,
                                   const std::filesystem::path& temporary,
                                   const SnapshotRequest& request, const SourceFacts& facts) {
    const auto started = std::chrono::steady_clock::now();
    auto hasher = std::make_unique<BackgroundSha256>(temporary_fd, temporary);
    // Beside another connection's locks the raw copy reads only through the source
    // connection's own handles: no descriptor of belay's own, whose close would drop them.
    auto plan = plan_raw_copy(source, facts);
    const int source_fd = plan && !request.beside_own_lock ? descriptor.open(request.database) : -1;
    auto copied = plan ? copy_raw(source, source_fd, temporary_fd, *plan, request.progress, *hasher)
                       : copy_with_backup_api(source, temporary, request, facts);
    if (!copied) {
        return std::unexpected(copied.error());
    }
    logger()->debug("copied {} pages ({}) in {} ms", facts.page_count, plan ? "raw" : "backup API",
                    milliseconds_since(started));
    // The kernel writes the copy out, and the hasher reads it, while it is verified.
    CheckedCopy copy{plan.has_value(), std::move(hasher), BackgroundFlush(temporary_fd, temporary)};
    if (auto ok = source.exec("COMMIT"); !ok) {  // writers may go on now
        return std::unexpected(ok.error());
    }
    if (request.verify) {
        const auto verifying = std::chrono::steady_clock::now();
        if (auto ok = verify_copy(temporary, request.database, facts.page_count, facts.fingerprint);
            !ok) {
            return std::unexpected(ok.error());
        }
        logger()->debug("verified the copy in {} ms", milliseconds_since(verifying));
    }
    return copy;
}

// Waits for the copy's hash and its flush to disk, and gives it the database's exact mode bits.
Result<void> seal(const std::filesystem::path& temporary, BackupMetadata& metadata,
                  const FileOwnership& ownership, CheckedCopy& copy) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(temporary, ec);
    if (ec) {
        return fail(ErrorCode::snapshot_failed, "cannot tell the size of {}: {}",
                    temporary.string(), ec.message());
    }
    const auto hashing = std::chrono::steady_clock::now();
    auto sha256 = copy.hasher->finish(static_cast<std::int64_t>(size));
    const auto flushing = std::chrono::steady_clock::now();
    if (auto flushed = copy.flush.wait(); !flushed) {
        return flushed;
    }
    logger()->debug("after verification, waited {} ms for the hash and {} ms for the flush",
                    milliseconds_since(hashing) - milliseconds_since(flushing),
                    milliseconds_since(flushing));
    if (!sha256) {
        return std::unexpected(sha256.error());
    }
    metadata.sha256 = *sha256;
    metadata.size_bytes = size;
    std::filesystem::permissions(temporary,
                                 static_cast<std::filesystem::perms>(ownership.mode & 07777),
                                 std::filesystem::perm_options::replace, ec);
    if (ec) {
        return fail(ErrorCode::snapshot_failed, "cannot set the mode of {}: {}", temporary.string(),
                    ec.message());
    }
    return {};
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

// Places the sealed copy under `final_path`; when the name was chosen automatically and
// another backup took it meanwhile (two runs in the same second), under the next free one.
// Before each new name the copy's temporary is renamed after it (its flock goes with it), so
// that a prune that finds this run's sidecar before its backup sees the backup being written
// (remove_orphan_sidecars) and leaves the sidecar alone.
Result<std::filesystem::path> place_with_free_name(
    std::filesystem::path temporary, FileRemover& remover, std::filesystem::path final_path,
    const SnapshotRequest& request, const BackupMetadata& metadata, const FileOwnership& ownership,
    std::chrono::system_clock::time_point now) {
    constexpr int k_attempts = 100;
    for (int attempt = 1;; ++attempt) {
        auto placed = place(temporary, final_path, metadata, ownership);
        if (!placed) {
            return std::unexpected(placed.error());
        }
        if (*placed) {
            return final_path;
        }
        if (request.out) {
            return fail(ErrorCode::snapshot_failed,
                        "{} (or its .json sidecar) already exists; belay never overwrites a "
                        "backup: choose another --out",
                        request.out->string());
        }
        auto next = attempt < k_attempts
                        ? choose_final_path(request, now)
                        : fail(ErrorCode::snapshot_failed, "no free backup name for {} in {}",
                               request.database.string(), request.directory.string());
        if (!next) {
            return std::unexpected(next.error());
        }
        final_path = *next;
        auto renamed_temporary = temporary_sibling(final_path);
        if (auto ok = rename_no_replace(temporary, renamed_temporary); !ok) {
            return std::unexpected(ok.error());
        }
        temporary = std::move(renamed_temporary);
        remover.moved_to(temporary);
    }
}

Result<Snapshot> take_snapshot_unmapped(const SnapshotRequest& request) {
    const auto now = std::chrono::system_clock::now();
    SourceDescriptor descriptor;  // closes after `source` (see SourceDescriptor)
    auto source = Database::open(
        request.database,
        request.beside_own_lock ? OpenMode::read_only_beside_own_lock : OpenMode::read_only,
        request.lock_timeout);
    if (!source) {
        return std::unexpected(source.error());
    }
    const auto out_name = request.out ? request.out->filename().string() : std::string();
    const auto stem = backup_stem(request.database);
    remove_abandoned_temporaries(
        request.out ? request.out->parent_path() : request.directory,
        [&](std::string_view final_name) {
            return request.out ? final_name == out_name || final_name == out_name + ".json"
                               : is_backup_file_name(final_name, stem, true);
        });
    auto facts = begin_consistent_read(*source);
    if (facts && facts->page_count == 0) {
        return fail(ErrorCode::snapshot_failed, "{} is empty: there is nothing to back up",
                    request.database.string());
    }
    auto final_path = facts ? choose_final_path(request, now) : std::unexpected(facts.error());
    auto usable = final_path
                      ? check_target_directory(final_path->parent_path(), request.out.has_value())
                      : std::unexpected(final_path.error());
    auto room = usable ? check_room(final_path->parent_path(), request, *facts)
                       : std::unexpected(usable.error());
    auto ownership = room ? ownership_of(request.database) : std::unexpected(room.error());
    if (!ownership) {
        return std::unexpected(ownership.error());
    }
    const auto temporary = temporary_sibling(*final_path);
    // Owner-writable while it is written (SQLite must write it even when the database is
    // read-only); the exact mode is set before the rename. Never more readable than the final.
    auto writable = *ownership;
    writable.mode |= S_IWUSR;
    auto held = HeldTemporary::create(temporary, writable);
    if (!held) {
        return std::unexpected(held.error());
    }
    FileRemover remover(temporary);
    const auto copy_started = std::chrono::steady_clock::now();
    auto copy = copy_and_check(*source, descriptor, held->fd(), temporary, request, *facts);
    if (!copy) {
        return std::unexpected(copy.error());
    }
    logger()->debug("copied{} {} pages in {} ms", request.verify ? " and verified" : "",
                    facts->page_count, milliseconds_since(copy_started));
    std::error_code ec;
    BackupMetadata metadata;
    metadata.source = std::filesystem::weakly_canonical(request.database, ec).string();
    metadata.created_at = utc_now_iso8601();
    metadata.reason = request.reason;
    metadata.schema_version = request.schema_version;
    metadata.page_count = facts->page_count;
    metadata.page_size = facts->page_size;
    metadata.schema_fingerprint = facts->fingerprint;
    metadata.verified = request.verify;
    metadata.belay_version = BELAY_VERSION;
    // Read after the copy, as late as possible: a backup written meanwhile counts too.
    metadata.sequence =
        sequence_after(highest_sequence(final_path->parent_path(), metadata.source));
    const auto publish_started = std::chrono::steady_clock::now();
    if (auto ok = seal(temporary, metadata, *ownership, *copy); !ok) {
        return std::unexpected(ok.error());
    }
    // A signal during verification or the flush still counts: no backup gets its final name
    // after the user asked belay to stop.
    if (cancellation_requested()) {
        return fail(ErrorCode::interrupted, "the backup of {} was interrupted by a signal",
                    request.database.string());
    }
    auto placed =
        place_with_free_name(temporary, remover, *final_path, request, metadata, *ownership, now);
    if (!placed) {
        return std::unexpected(placed.error());
    }
    remover.release();
    logger()->debug("flushed, hashed and renamed in {} ms", milliseconds_since(publish_started));
    return Snapshot{*placed, std::move(metadata), copy->raw};
}

}  // namespace

Result<Snapshot> take_snapshot(const SnapshotRequest& request) {
    auto snapshot = take_snapshot_unmapped(request);
    if (!snapshot) {
        return std::unexpected(snapshot_error(
            with_context(snapshot.error(), "snapshot of " + request.database.string())));
    }
    logger()->info("snapshot {} written ({} bytes)", snapshot->path.string(),
                   snapshot->metadata.size_bytes);
    return snapshot;
}

}  // namespace belay::sqlite
