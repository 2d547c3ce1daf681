#include "engine/restore.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>

#include "core/log.hpp"

#include "belay/cancellation.hpp"
#include "core/backup_metadata.hpp"
#include "core/durable_file.hpp"
#include "core/elapsed.hpp"
#include "core/regular_file.hpp"
#include "engine/backups.hpp"
#include "engine/database_state.hpp"
#include "engine/restore_files.hpp"
#include "engine/run_lock.hpp"
#include "engine/snapshot.hpp"
#include "engine/status.hpp"
#include "sqlite/backup.hpp"
#include "sqlite/connection_settings.hpp"
#include "sqlite/database.hpp"
#include "sqlite/schema_inspection.hpp"

namespace belay::engine {

namespace {

// What identifies the bytes of a file: a write changes its ctime (which no one can set back),
// a replacement its inode.
struct FileStamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    timespec changed{};
    bool operator==(const FileStamp& other) const {
        return device == other.device && inode == other.inode && size == other.size &&
               changed.tv_sec == other.changed.tv_sec && changed.tv_nsec == other.changed.tv_nsec;
    }
};

std::optional<FileStamp> stamp_of(const std::filesystem::path& path) {
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0) {
        return std::nullopt;
    }
    return FileStamp{status.st_dev, status.st_ino, status.st_size, status.st_ctim};
}

struct ChosenBackup {
    std::filesystem::path path;
    BackupMetadata metadata;
    std::optional<FileStamp> verified;  // the file as it was when verification read it
};

// The backup a path names: the path itself, or the file a symlink points at (restoring only
// reads it, so following is safe; the target's own sidecar describes it).
using Clock = std::chrono::steady_clock;

// The copy into place is one transaction. When its dirty pages overflow the page cache, SQLite
// writes them to the database early, and must sync the journal first each time: with the
// default 2 MiB cache, a 100 MB restore synced 124 times, with this bounded 32 MiB one 10 times.
constexpr std::int64_t k_copy_cache_kib = 32768;

Result<std::filesystem::path> resolve_backup_path(const std::filesystem::path& given) {
    std::error_code ec;
    const auto link = std::filesystem::symlink_status(given, ec);
    if (!std::filesystem::is_symlink(link)) {
        if (!std::filesystem::is_regular_file(link)) {
            return fail(given, ErrorCode::invalid_input,
                        "backup {} does not exist or is not a regular file; `{}` lists the "
                        "backups",
                        given.string(), run(Command::backups));
        }
        return given;
    }
    auto target = std::filesystem::canonical(given, ec);
    if (ec || !std::filesystem::is_regular_file(target, ec)) {
        return fail(given, ErrorCode::invalid_input,
                    "backup {} is a symlink to {}, which does not exist or is not a regular file",
                    given.string(), std::filesystem::read_symlink(given, ec).string());
    }
    logger()->info("{} is a symlink: restoring its target {}", given.string(), target.string());
    return target;
}

Result<ChosenBackup> read_sidecar_of(const std::filesystem::path& given) {
    auto resolved = resolve_backup_path(given);
    BELAY_TRY(resolved);
    const auto& backup = *resolved;
    std::error_code ec;
    const auto sidecar = sidecar_path(backup);
    if (!std::filesystem::exists(sidecar, ec)) {
        return fail(backup, ErrorCode::refused,
                    "{} has no sidecar {}, so belay cannot verify it; refusing to restore an "
                    "unverifiable file. Nothing was changed",
                    backup.string(), sidecar.string());
    }
    // A sidecar that cannot be read or parsed leaves the backup as unverifiable as none does.
    auto metadata = read_backup_metadata(sidecar);
    if (!metadata && metadata.error().code == ErrorCode::invalid_input) {
        return fail(metadata.error().subject.path, ErrorCode::refused,
                    "refusing to restore {}: {}; belay cannot verify the backup without its "
                    "sidecar. Nothing was changed; put back the sidecar belay wrote with this "
                    "backup, or choose another backup (`{}` lists them)",
                    backup.string(), metadata.error(), run(Command::backups));
    }
    if (!metadata && metadata.error().code == ErrorCode::refused) {
        // A newer belay's sidecar: that belay can verify and restore the backup, this one not.
        return fail(metadata.error().subject.path, ErrorCode::refused,
                    "refusing to restore {}: {}. Nothing was changed", backup.string(),
                    metadata.error());
    }
    BELAY_TRY(metadata);
    return ChosenBackup{backup, std::move(*metadata), std::nullopt};
}

// The backup to restore, verified: the named one, or the newest intact one with --latest.
Result<ChosenBackup> choose_backup(const RestoreOptions& options) {
    if (options.latest) {
        auto entries = list_backups(options.db, false);
        BELAY_TRY(entries);
        const auto intact = find_newest_intact(*entries);
        for (std::size_t i = 0; i < intact.value_or(entries->size()); ++i) {
            logger()->warn("skipping {}: {}", (*entries)[i].path.string(),
                           (*entries)[i].problems->front());
        }
        if (intact) {
            const auto& entry = (*entries)[*intact];
            return ChosenBackup{entry.path, entry.metadata, stamp_of(entry.path)};
        }
        const auto directory = options.db.backup_directory().empty()
                                   ? std::filesystem::path(".")
                                   : options.db.backup_directory();
        return fail(directory, ErrorCode::invalid_input, "no intact backup of {} in {}",
                    options.db.database.string(), directory.string());
    }
    auto chosen = read_sidecar_of(*options.backup);
    if (!chosen) {
        return chosen;
    }
    chosen->verified = stamp_of(chosen->path);  // before reading: a write during it shows
    auto problems = verify_backup(chosen->path, chosen->metadata);
    BELAY_TRY(problems);
    if (!problems->empty()) {
        return fail(chosen->path, ErrorCode::refused,
                    "refusing to restore {}: {}. Nothing was changed; choose another backup "
                    "({} lists them)",
                    chosen->path.string(), fmt::join(*problems, "; "), run(Command::backups));
    }
    return chosen;
}

// The sidecar's source when the backup was taken from another database: neither the database
// file itself (`file`, symlinks followed) nor the path the database was named by. nullopt for
// this database's own backups and for sidecars without a source.
std::optional<std::string> other_source(const ChosenBackup& chosen,
                                        const std::filesystem::path& given,
                                        const std::filesystem::path& file) {
    const auto& source = chosen.metadata.source;
    std::error_code ec;
    const auto canonical = std::filesystem::weakly_canonical(file, ec);
    const auto named = std::filesystem::absolute(given, ec).lexically_normal();
    if (source.empty() || source == canonical.string() || source == named.string()) {
        return std::nullopt;
    }
    return source;
}

// The chosen backup opened as evidence (immutable: exactly its bytes, no -journal or -wal
// beside it read), refused unless it is still the file that was verified.
Result<sqlite::Database> open_verified(const ChosenBackup& chosen) {
    auto source = sqlite::Database::open(chosen.path, sqlite::OpenMode::immutable_evidence);
    if (source && (!chosen.verified || stamp_of(chosen.path) != chosen.verified)) {
        return fail(chosen.path, ErrorCode::refused,
                    "{} changed after it was verified; refusing to restore it. Nothing was "
                    "restored; run the restore again",
                    chosen.path.string());
    }
    return source;
}

// Another database's backup is never restored on a blanket yes: the operator must have said
// so for that (from_other_database), or answered a question that names both databases.
Result<void> confirm(const RestoreOptions& options, const ChosenBackup& chosen,
                     const std::filesystem::path& file) {
    const auto other = other_source(chosen, options.db.database, file);
    const auto& database = options.db.database.string();
    if (other && options.assume_yes && !options.from_other_database) {
        return fail(chosen.path, ErrorCode::refused,
                    "refusing to restore {} into {}: it {}, {}. Restoring it would replace the "
                    "content of {} with that database's. Nothing was changed; confirm restoring "
                    "another database's backup explicitly if that is what you mean (pass {} with "
                    "{})",
                    chosen.path.string(), database, k_other_database_backup, *other, database,
                    Option::from_other_database, Option::assume_yes);
    }
    if (options.assume_yes) {
        return {};
    }
    if (!options.confirm) {
        return fail(ErrorCode::refused,
                    "restoring replaces {} with {}; without a terminal to confirm on, pass {}",
                    database, chosen.path.string(), Option::assume_yes);
    }
    const auto question =
        fmt::format("Replace {} with {} (version {}, taken {}{})?", database, chosen.path.string(),
                    chosen.metadata.schema_version, chosen.metadata.created_at,
                    other ? ", from another database: " + *other : "");
    if (!options.confirm(question)) {
        return fail(ErrorCode::refused, "restore not confirmed; nothing was changed");
    }
    return {};
}

// The backup into a WAL database whose page size differs: copied with the database's page
// size into a temporary first (restore_files.hpp), then into the database as one WAL
// transaction; the temporary goes either way.
Result<void> restore_converted(sqlite::Database& source, sqlite::Database& destination,
                               const std::filesystem::path& database, std::int64_t page_size,
                               std::chrono::milliseconds busy_wait) {
    logger()->info("page sizes differ in WAL mode: copying the backup with {}-byte pages first",
                   page_size);
    auto converted = copy_with_page_size(source, database, page_size);
    BELAY_TRY(converted);
    auto reader = sqlite::Database::open(converted->path, sqlite::OpenMode::read_only);
    const auto status =
        reader ? sqlite::copy_all_pages(*reader, destination, busy_wait)
               : sqlite::CopyStatus{sqlite::CopyOutcome::failed, reader.error().message};
    if (reader) {
        (void)reader->close();  // read only: nothing to lose
    }
    remove_with_companions(converted->path);
    return restore_copy_result(status, source.path(), database);
}

// Restores into the existing, readable database with the backup API: one write transaction,
// crash-safe through the database's own journal, in its own journal mode, seen by other
// connections as one commit. In WAL mode SQLite cannot change the page size that way
// (SQLITE_READONLY): then restore_converted, so the database never leaves WAL mode (switching
// it out for the copy left it in rollback-journal mode when the process was killed). Returns
// whether the backup was converted.
Result<bool> restore_in_place(sqlite::Database& source, const std::filesystem::path& database,
                              const RestoreOptions& options) {
    auto destination =
        sqlite::Database::open(database, sqlite::OpenMode::read_write, options.db.lock_timeout);
    BELAY_TRY(destination);
    BELAY_TRY(sqlite::set_page_cache(*destination, k_copy_cache_kib));
    auto status = sqlite::copy_all_pages(source, *destination, options.db.lock_timeout);
    if (status.outcome != sqlite::CopyOutcome::page_size_conflict) {
        BELAY_TRY(restore_copy_result(status, source.path(), database));
        return false;
    }
    auto mode = sqlite::journal_mode(*destination);
    auto page_size = sqlite::page_size(*destination);
    if (!mode || *mode != "wal" || !page_size) {
        status.outcome = sqlite::CopyOutcome::failed;
        return std::unexpected(restore_copy_result(status, source.path(), database).error());
    }
    auto ok =
        restore_converted(source, *destination, database, *page_size, options.db.lock_timeout);
    BELAY_TRY(ok);
    return true;
}

// True when the database opens and passes integrity_check.
bool is_readable(const std::filesystem::path& file, std::chrono::milliseconds lock_timeout) {
    auto db = sqlite::Database::open(file, sqlite::OpenMode::read_only, lock_timeout);
    if (!db) {
        return db.error().code == ErrorCode::busy;  // busy is not unreadable
    }
    // integrity_check, not quick_check: an index that disagrees with its table is damage too.
    auto problems = sqlite::check_integrity(*db, true);
    return problems && problems->empty();
}

// What the restore replaces: the database file itself (symlinks followed, so a symlink stays
// a symlink and its target gets the backup), and what state it is in.
struct CurrentDatabase {
    std::filesystem::path file;
    bool exists = false;
    bool empty = false;  // 0 bytes: a valid empty database, with nothing to keep
    bool readable = false;
};

// Refuses (before anything is opened, so a FIFO cannot block) a path that is not a database
// file: a restore must never rename a directory or a device aside.
Result<CurrentDatabase> inspect_current(const DatabaseOptions& db) {
    CurrentDatabase current{.file = follow_symlinks(db.database)};
    if (current.file != db.database) {
        logger()->info("{} is a symlink: restoring into the file it points at, {}",
                       db.database.string(), current.file.string());
    }
    struct stat info {};
    if (::lstat(current.file.c_str(), &info) != 0) {
        if (errno == ENOENT) {
            return current;
        }
        return fail(current.file, ErrorCode::invalid_input,
                    "cannot inspect the database path {}: {}", current.file.string(),
                    std::strerror(errno));
    }
    if (!S_ISREG(info.st_mode)) {
        return fail(current.file, ErrorCode::invalid_input,
                    "database path {} is {}, not a database file; a restore replaces only a "
                    "database file. Nothing was changed; check the database path",
                    current.file.string(), non_regular_kind(current.file));
    }
    current.exists = true;
    current.empty = info.st_size == 0;
    return current;
}

// What a user needs after a restore that was interrupted, or whose copy into a readable database
// failed (a full disk): which state the database is in, where the safety snapshot is, and how to
// finish. The copy is one transaction or a temporary file never renamed, so such a restore
// changed nothing at the database path.
Error explain_unfinished(Error error, const RestoreOptions& options, const RestoreReport& report) {
    const auto& database = options.db.database.string();
    const bool interrupted = error.code == ErrorCode::interrupted;
    append(error,
           said("\n{} is unchanged ({}){}. {}: {}", database,
                report.version_before ? "still at version " + *report.version_before
                                      : std::string("still the unreadable database"),
                report.safety_snapshot
                    ? "; the safety snapshot " + report.safety_snapshot->string() + " stays"
                    : std::string(),
                interrupted
                    ? "Run the restore again to finish it"
                    : "Deal with the cause above (free some space, say) and run the restore again",
                restore_call(options.db.database, report.backup)));
    return error;
}

// RestoreReport::version_before: "0" for a database that does not exist yet, unset when belay
// cannot tell (an unreadable file, another tool's history table, a read that failed).
std::optional<std::string> version_before_restore(const CurrentDatabase& current,
                                                  const DatabaseOptions& db) {
    if (!current.readable) {
        return current.exists ? std::nullopt : std::optional<std::string>("0");
    }
    auto version = read_any_version(db);
    return version ? *version : std::nullopt;
}

Result<std::filesystem::path> take_safety_snapshot(const RestoreOptions& options) {
    BackupOptions backup{options.db, std::nullopt, true, std::string(k_reason_before_restore),
                         options.progress};
    auto snapshot = run_backup(backup);
    if (!snapshot) {
        auto error = snapshot.error();
        append(error,
               "\nThe restore did not start: without a safety snapshot of the current "
               "database, nothing was changed.");
        return std::unexpected(error);
    }
    return snapshot->path;
}

// Puts the backup in place of the current database file, by the one way that keeps a complete
// database at its path at every instant for the state it is in (restore_files.hpp).
Result<void> replace_file(sqlite::Database& source, const CurrentDatabase& current,
                          const RestoreOptions& options, RestoreReport& report) {
    const auto& file = current.file;
    if (current.readable) {
        auto converted = restore_in_place(source, file, options);
        BELAY_TRY(converted);
        report.converted_page_size = *converted;
        return {};
    }
    if (current.exists) {
        auto kept = replace_unreadable(source, file, ownership_of(file).value_or(FileOwnership{}));
        BELAY_TRY(kept);
        report.moved_aside = kept->database;
        report.orphans_moved_aside = std::move(kept->companions);
        return {};
    }
    auto orphans = move_companions(file, aside_name(file));
    BELAY_TRY(orphans);
    report.orphans_moved_aside = std::move(*orphans);
    return restore_as_new_file(source, file, FileOwnership{});
}

// Everything after the confirmation: the run lock, what a killed restore left behind, the
// safety snapshot of a readable database and the copy. Fills `report` as it goes, so that an
// interruption can say what state the database is in.
Result<void> restore_confirmed(const RestoreOptions& options, const ChosenBackup& chosen,
                               const CurrentDatabase& current, RestoreReport& report,
                               const RunLock* held) {
    std::optional<RunLock> lock;
    if (held == nullptr) {
        auto acquired = RunLock::acquire(current.file, options.db.lock_timeout);
        BELAY_TRY(acquired);
        lock.emplace(std::move(*acquired));
    }
    remove_restore_leftovers(current.file);
    auto source = open_verified(chosen);
    BELAY_TRY(source);
    auto hardened = source->harden_for_untrusted_content();
    BELAY_TRY(hardened);
    auto started = Clock::now();
    // A 0-byte file is a valid empty database with nothing in it to keep (and a backup of it
    // would hold nothing): no safety snapshot.
    if (current.readable && !current.empty) {
        auto safety = take_safety_snapshot(options);
        BELAY_TRY(safety);
        report.safety_snapshot = *safety;
        report.timings.safety_snapshot_ms = milliseconds_since(started);
        started = Clock::now();
    }
    if (auto ok = replace_file(*source, current, options, report); !ok) {
        return ok;
    }
    report.timings.copy_ms = milliseconds_since(started);
    return {};
}

// Exactly one backup to restore: a named one, or latest. Checked before anything is opened.
Result<void> check_restore_options(const RestoreOptions& options) {
    const bool named = options.backup && !options.backup->empty();
    if (named && options.latest) {
        return fail(ErrorCode::invalid_input,
                    "{} {} and {} contradict each other: give one backup to restore, or ask for "
                    "the newest intact one, not both. Nothing was changed",
                    Option::backup, options.backup->string(), Option::latest);
    }
    if (!named && !options.latest) {
        return fail(ErrorCode::invalid_input,
                    "no backup to restore was given: set {} to a backup file, or {} for the newest "
                    "intact backup of {} (`{}` lists them). Nothing was changed",
                    Option::backup, Option::latest, options.db.database.string(),
                    run(Command::backups));
    }
    return {};
}

}  // namespace

Result<RestoreReport> run_restore(const RestoreOptions& options, const RunLock* held) {
    BELAY_TRY(check_restore_options(options));
    auto current = inspect_current(options.db);
    BELAY_TRY(current);
    auto started = Clock::now();
    // --latest chooses by listing the directory: no prune may remove the choice before the copy.
    auto directory_lock = options.latest ? lock_backup_directory(options.db.backup_directory(),
                                                                 options.db.lock_timeout, false)
                                         : Result<BackupDirectoryLock>(BackupDirectoryLock(-1));
    BELAY_TRY(directory_lock);
    auto chosen = choose_backup(options);
    BELAY_TRY(chosen);
    RestoreReport report;
    report.timings.verify_backup_ms = milliseconds_since(started);
    report.backup = chosen->path;
    started = Clock::now();
    current->readable = current->exists && is_readable(current->file, options.db.lock_timeout);
    report.timings.check_current_ms = milliseconds_since(started);
    report.version_before = version_before_restore(*current, options.db);
    // Refused before asking: a read-only database (or directory) cannot take the copy.
    BELAY_TRY(current->readable ? sqlite::refuse_unwritable_database(current->file)
                                : sqlite::refuse_unwritable_directory_of(current->file));
    BELAY_TRY(current->readable ? sqlite::refuse_hard_links(current->file) : Result<void>());
    BELAY_TRY(confirm(options, *chosen, current->file));
    auto restored = restore_confirmed(options, *chosen, *current, report, held);
    if (!restored) {
        // The safety snapshot taken and a readable database: the copy into it failed, and
        // rolled back. (An unreadable one's failure already says the path holds the old file.)
        if (restored.error().code == ErrorCode::interrupted ||
            (report.safety_snapshot && current->readable)) {
            return std::unexpected(explain_unfinished(restored.error(), options, report));
        }
        return std::unexpected(restored.error());
    }
    if (auto version = read_version_for_backup(options.db)) {
        report.version_after = *version;
    } else {
        report.version_after.reset();
        logger()->warn("the version after this change is unknown: {}", version.error().message);
    }
    return report;
}

}  // namespace belay::engine
