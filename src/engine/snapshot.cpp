#include "engine/snapshot.hpp"

#include <sys/stat.h>

#include <memory>
#include <utility>

#include "core/log.hpp"

#include "belay/cancellation.hpp"
#include "core/background_sha256.hpp"
#include "core/backup_directory_index.hpp"
#include "core/backup_metadata.hpp"
#include "core/durable_file.hpp"
#include "core/elapsed.hpp"
#include "engine/backup_files.hpp"
#include "sqlite/consistent_read.hpp"
#include "sqlite/copy_check.hpp"
#include "sqlite/database.hpp"
#include "sqlite/history_store.hpp"
#include "sqlite/page_copy.hpp"
#include "sqlite/raw_copy.hpp"

namespace belay::engine {

namespace {

using sqlite::Database;
using sqlite::SourceFacts;

Error snapshot_error(Error error) {
    if (error.code != ErrorCode::busy && error.code != ErrorCode::interrupted) {
        error.code = ErrorCode::snapshot_failed;
    }
    return error;
}

Result<Database> open_source(const SnapshotRequest& request) {
    return Database::open(request.database,
                          request.beside_own_lock ? sqlite::OpenMode::read_only_beside_own_lock
                                                  : sqlite::OpenMode::read_only,
                          request.lock_timeout);
}

// Opens the read transaction the copy runs in; a database of no pages has nothing to back up.
Result<SourceFacts> read_source(Database& source, const SnapshotRequest& request) {
    auto facts = sqlite::begin_consistent_read(source);
    if (facts && facts->page_count == 0) {
        return fail(request.database, ErrorCode::snapshot_failed,
                    "{} is empty: there is nothing to back up", request.database.string());
    }
    return facts;
}

// Where the snapshot goes (checked to be usable and to have room) and whose it will be.
struct Target {
    std::filesystem::path final_path;
    FileOwnership ownership;  // the database's mode and owner
};

Result<Target> choose_target(const SnapshotRequest& request, const SourceFacts& facts,
                             std::chrono::system_clock::time_point now) {
    auto final_path = choose_final_path(request, now);
    BELAY_TRY(final_path);
    auto usable = check_target_directory(final_path->parent_path(), request.out.has_value());
    const auto bytes = static_cast<std::uintmax_t>(facts.page_count * facts.page_size);
    BELAY_TRY(usable);
    auto room = check_room(final_path->parent_path(), request, bytes);
    BELAY_TRY(room);
    auto ownership = ownership_of(request.database);
    BELAY_TRY(ownership);
    return Target{*final_path, *ownership};
}

// Owner-writable while it is written (SQLite must write it even when the database is
// read-only); the exact mode is set before the rename. Never more readable than the final.
Result<HeldTemporary> create_temporary(const std::filesystem::path& temporary,
                                       const FileOwnership& ownership) {
    auto writable = ownership;
    writable.mode |= S_IWUSR;
    return HeldTemporary::create(temporary, writable);
}

struct CheckedCopy {
    bool raw = false;  // copied raw rather than with the backup API
    // SHA-256 of the copy, following the raw copy as it was written, or started once the
    // backup API had finished; it runs on while the copy is verified.
    std::unique_ptr<BackgroundSha256> hasher;
    BackgroundFlush flush;  // the copy's fsync, started as soon as it was written
};

// The copy in `temporary`, checked against the source (unless --no-verify), with its flush to
// disk under way.
Result<CheckedCopy> copy_and_check(Database& source, sqlite::SourceDescriptor& descriptor,
                                   int temporary_fd, const std::filesystem::path& temporary,
                                   const SnapshotRequest& request, const SourceFacts& facts) {
    const auto started = std::chrono::steady_clock::now();
    auto hasher = std::make_unique<BackgroundSha256>(temporary_fd, temporary);
    // Beside another connection's locks the raw copy reads only through the source
    // connection's own handles: no descriptor of belay's own, whose close would drop them.
    auto plan = sqlite::plan_raw_copy(source, facts);
    const int source_fd = plan && !request.beside_own_lock ? descriptor.open(request.database) : -1;
    auto copied =
        plan ? sqlite::copy_raw(source, source_fd, temporary_fd, *plan, request.progress, *hasher)
             : sqlite::copy_with_backup_api(source, temporary, request.progress, facts.page_size);
    BELAY_TRY(copied);
    logger()->debug("copied {} pages ({}) in {} ms", facts.page_count, plan ? "raw" : "backup API",
                    milliseconds_since(started));
    // The kernel writes the copy out, and the hasher reads it, while it is verified.
    CheckedCopy copy{plan.has_value(), std::move(hasher), BackgroundFlush(temporary_fd, temporary)};
    BELAY_TRY(sqlite::end_consistent_read(source));  // writers may go on now
    if (request.verify) {
        const auto verifying = std::chrono::steady_clock::now();
        BELAY_TRY(
            sqlite::verify_copy(temporary, request.database, facts.page_count, facts.fingerprint));
        logger()->debug("verified the copy in {} ms", milliseconds_since(verifying));
    }
    return copy;
}

// The sidecar's fields but the copy's hash and size (seal fills those in).
BackupMetadata describe(const SnapshotRequest& request, const SourceFacts& facts,
                        const std::filesystem::path& final_path) {
    std::error_code ec;
    BackupMetadata metadata;
    metadata.source = std::filesystem::weakly_canonical(request.database, ec).string();
    metadata.created_at = sqlite::utc_now_iso8601();
    metadata.reason = request.reason;
    metadata.schema_version = request.schema_version;
    metadata.page_count = facts.page_count;
    metadata.page_size = facts.page_size;
    metadata.schema_fingerprint = facts.fingerprint;
    metadata.verified = request.verify;
    metadata.belay_version = BELAY_VERSION;
    // Read after the copy, as late as possible: a backup written meanwhile counts too.
    const auto directory = final_path.parent_path();
    metadata.sequence = sequence_after(highest_sequence(
        directory, metadata.source, sidecars_of_stem(directory, backup_stem(request.database))));
    return metadata;
}

// Waits for the copy's hash and its flush to disk, and gives it the database's exact mode bits.
Result<void> seal(const std::filesystem::path& temporary, BackupMetadata& metadata,
                  const FileOwnership& ownership, CheckedCopy& copy) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(temporary, ec);
    if (ec) {
        return fail(temporary, ErrorCode::snapshot_failed, "cannot tell the size of {}: {}",
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
    BELAY_TRY(sha256);
    metadata.sha256 = *sha256;
    metadata.size_bytes = size;
    std::filesystem::permissions(temporary,
                                 static_cast<std::filesystem::perms>(ownership.mode & 07777),
                                 std::filesystem::perm_options::replace, ec);
    if (ec) {
        return fail(temporary, ErrorCode::snapshot_failed, "cannot set the mode of {}: {}",
                    temporary.string(), ec.message());
    }
    return {};
}

// Seals the copy and gives it its final name (and its sidecar); the path it got.
Result<std::filesystem::path> publish(const std::filesystem::path& temporary,
                                      SnapshotTemporary& remover, const Target& target,
                                      const SnapshotRequest& request, BackupMetadata& metadata,
                                      CheckedCopy& copy,
                                      std::chrono::system_clock::time_point now) {
    BELAY_TRY(seal(temporary, metadata, target.ownership, copy));
    // A signal during verification or the flush still counts: no backup gets its final name
    // after the user asked belay to stop.
    if (cancellation_requested()) {
        return fail(ErrorCode::interrupted, "the backup of {} was interrupted by a signal",
                    request.database.string());
    }
    return place_with_free_name(temporary, remover, target.final_path, request, metadata,
                                target.ownership, now);
}

Result<Snapshot> take_snapshot_unmapped(const SnapshotRequest& request) {
    const auto now = std::chrono::system_clock::now();
    sqlite::SourceDescriptor descriptor;  // closes after `source` (see SourceDescriptor)
    auto source = open_source(request);
    BELAY_TRY(source);
    remove_abandoned_snapshot_temporaries(request);
    auto facts = read_source(*source, request);
    BELAY_TRY(facts);
    auto target = choose_target(request, *facts, now);
    BELAY_TRY(target);
    const auto temporary = temporary_sibling(target->final_path);
    auto held = create_temporary(temporary, target->ownership);
    BELAY_TRY(held);
    SnapshotTemporary remover(temporary);
    const auto copy_started = std::chrono::steady_clock::now();
    auto copy = copy_and_check(*source, descriptor, held->fd(), temporary, request, *facts);
    BELAY_TRY(copy);
    logger()->debug("copied{} {} pages in {} ms", request.verify ? " and verified" : "",
                    facts->page_count, milliseconds_since(copy_started));
    auto metadata = describe(request, *facts, target->final_path);
    const auto publish_started = std::chrono::steady_clock::now();
    auto placed = publish(temporary, remover, *target, request, metadata, *copy, now);
    BELAY_TRY(placed);
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

}  // namespace belay::engine
