#include "belay/restore.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <chrono>

#include "core/log.hpp"

#include "belay/cancellation.hpp"
#include "belay/status.hpp"
#include "core/backup_metadata.hpp"
#include "core/durable_file.hpp"
#include "engine/backups.hpp"
#include "engine/run_lock.hpp"
#include "sqlite/backup.hpp"
#include "sqlite/database.hpp"
#include "sqlite/schema_inspection.hpp"
#include "sqlite/snapshot.hpp"

namespace belay {

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
constexpr const char* k_copy_cache = "PRAGMA cache_size = -32768";

std::int64_t milliseconds_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

Result<std::filesystem::path> resolve_backup_path(const std::filesystem::path& given) {
    std::error_code ec;
    const auto link = std::filesystem::symlink_status(given, ec);
    if (!std::filesystem::is_symlink(link)) {
        if (!std::filesystem::is_regular_file(link)) {
            return fail(ErrorCode::invalid_input,
                        "backup {} does not exist or is not a regular file; `belay db backups` "
                        "lists the backups",
                        given.string());
        }
        return given;
    }
    auto target = std::filesystem::canonical(given, ec);
    if (ec || !std::filesystem::is_regular_file(target, ec)) {
        return fail(ErrorCode::invalid_input,
                    "backup {} is a symlink to {}, which does not exist or is not a regular file",
                    given.string(), std::filesystem::read_symlink(given, ec).string());
    }
    logger()->info("{} is a symlink: restoring its target {}", given.string(), target.string());
    return target;
}

Result<ChosenBackup> read_sidecar_of(const std::filesystem::path& given) {
    auto resolved = resolve_backup_path(given);
    if (!resolved) {
        return std::unexpected(resolved.error());
    }
    const auto& backup = *resolved;
    std::error_code ec;
    const auto sidecar = sidecar_path(backup);
    if (!std::filesystem::exists(sidecar, ec)) {
        return fail(ErrorCode::refused,
                    "{} has no sidecar {}, so belay cannot verify it; refusing to restore an "
                    "unverifiable file. Nothing was changed",
                    backup.string(), sidecar.string());
    }
    auto metadata = read_backup_metadata(sidecar);
    if (!metadata) {
        return std::unexpected(metadata.error());
    }
    return ChosenBackup{backup, std::move(*metadata), std::nullopt};
}

// The backup to restore, verified: the named one, or the newest intact one with --latest.
Result<ChosenBackup> choose_backup(const RestoreOptions& options) {
    if (options.latest) {
        auto entries = list_backups(options.db, false);
        if (!entries) {
            return std::unexpected(entries.error());
        }
        const auto intact = find_newest_intact(*entries);
        for (std::size_t i = 0; i < intact.value_or(entries->size()); ++i) {
            logger()->warn("skipping {}: {}", (*entries)[i].path.string(),
                           (*entries)[i].problems->front());
        }
        if (intact) {
            const auto& entry = (*entries)[*intact];
            return ChosenBackup{entry.path, entry.metadata, stamp_of(entry.path)};
        }
        return fail(
            ErrorCode::invalid_input, "no intact backup of {} in {}", options.db.database.string(),
            options.db.backup_directory().empty() ? "." : options.db.backup_directory().string());
    }
    auto chosen = read_sidecar_of(*options.backup);
    if (!chosen) {
        return chosen;
    }
    chosen->verified = stamp_of(chosen->path);  // before reading: a write during it shows
    auto problems = sqlite::verify_backup(chosen->path, chosen->metadata);
    if (!problems) {
        return std::unexpected(problems.error());
    }
    if (!problems->empty()) {
        return fail(ErrorCode::refused,
                    "refusing to restore {}: {}. Nothing was changed; choose another backup "
                    "(belay db backups lists them)",
                    chosen->path.string(), fmt::join(*problems, "; "));
    }
    return chosen;
}

// The chosen backup opened as evidence (immutable: exactly its bytes, no -journal or -wal
// beside it read), refused unless it is still the file that was verified.
Result<sqlite::Database> open_verified(const ChosenBackup& chosen) {
    auto source = sqlite::Database::open(chosen.path, sqlite::OpenMode::immutable_evidence);
    if (source && (!chosen.verified || stamp_of(chosen.path) != chosen.verified)) {
        return fail(ErrorCode::refused,
                    "{} changed after it was verified; refusing to restore it. Nothing was "
                    "restored; run the restore again",
                    chosen.path.string());
    }
    return source;
}

Result<void> confirm(const RestoreOptions& options, const ChosenBackup& chosen) {
    if (options.assume_yes) {
        return {};
    }
    if (!options.confirm) {
        return fail(ErrorCode::refused,
                    "restoring replaces {} with {}; without a terminal to confirm on, pass --yes",
                    options.db.database.string(), chosen.path.string());
    }
    const auto question = fmt::format(
        "Replace {} with {} (version {}, taken {}{})?", options.db.database.string(),
        chosen.path.string(), chosen.metadata.schema_version, chosen.metadata.created_at,
        chosen.metadata.source == std::filesystem::weakly_canonical(options.db.database).string()
            ? ""
            : ", from another database: " + chosen.metadata.source);
    if (!options.confirm(question)) {
        return fail(ErrorCode::refused, "restore not confirmed; nothing was changed");
    }
    return {};
}

Result<void> copy_result(const sqlite::CopyStatus& status, const std::filesystem::path& backup,
                         const std::filesystem::path& database) {
    switch (status.outcome) {
        case sqlite::CopyOutcome::done:
            return {};
        case sqlite::CopyOutcome::interrupted:
            return fail(ErrorCode::interrupted,
                        "the restore of {} into {} was interrupted by a signal before it "
                        "finished; its copy was rolled back",
                        backup.string(), database.string());
        case sqlite::CopyOutcome::busy:
            return fail(ErrorCode::busy,
                        "another process holds {}; close the programs using it (or wait) and run "
                        "the restore again. Nothing was changed",
                        database.string());
        default:
            return fail(ErrorCode::step_failed, "restoring {} into {} failed: {}", backup.string(),
                        database.string(), status.message);
    }
}

// Restores into the existing, readable database. In WAL mode SQLite cannot change the page
// size through the backup API (SQLITE_READONLY): then the database goes to rollback-journal
// mode for the copy (crash-safe through its journal; no -wal left that does not match) and
// back to WAL afterwards.
Result<bool> restore_in_place(sqlite::Database& source, const std::filesystem::path& database,
                              const RestoreOptions& options) {
    auto destination =
        sqlite::Database::open(database, sqlite::OpenMode::read_write, options.db.lock_timeout);
    if (!destination) {
        return std::unexpected(destination.error());
    }
    if (auto ok = destination->exec(k_copy_cache); !ok) {
        return std::unexpected(ok.error());
    }
    auto status = sqlite::copy_all_pages(source, *destination, options.db.lock_timeout);
    if (status.outcome != sqlite::CopyOutcome::page_size_conflict) {
        if (auto ok = copy_result(status, source.path(), database); !ok) {
            return std::unexpected(ok.error());
        }
        return false;
    }
    auto mode = destination->query_text("PRAGMA journal_mode");
    if (!mode || *mode != "wal") {
        status.outcome = sqlite::CopyOutcome::failed;
        return std::unexpected(copy_result(status, source.path(), database).error());
    }
    logger()->info("page sizes differ in WAL mode: restoring through rollback-journal mode");
    if (auto ok = destination->exec("PRAGMA journal_mode = DELETE"); !ok) {
        // Busy (another connection has it open) or anything else: say which, with SQLite's words.
        if (ok.error().code == ErrorCode::busy) {
            return std::unexpected(
                copy_result({sqlite::CopyOutcome::busy, {}}, source.path(), database).error());
        }
        return std::unexpected(with_context(ok.error(), "cannot leave WAL mode for the restore"));
    }
    status = sqlite::copy_all_pages(source, *destination, options.db.lock_timeout);
    auto back = destination->exec("PRAGMA journal_mode = WAL");
    if (auto ok = copy_result(status, source.path(), database); !ok) {
        return std::unexpected(ok.error());
    }
    if (!back) {
        return std::unexpected(back.error());
    }
    return true;
}

// Restores into a database file that does not exist (any more): a complete copy under a
// temporary name, flushed, then renamed into place.
Result<void> restore_as_new_file(sqlite::Database& source, const std::filesystem::path& database,
                                 const FileOwnership& ownership) {
    const auto temporary = temporary_sibling(database);
    auto writable = ownership;  // SQLite must write it; the exact mode is set before the rename
    writable.mode |= S_IWUSR;
    auto held = HeldTemporary::create(temporary, writable);
    if (!held) {
        return std::unexpected(held.error());
    }
    auto destination = sqlite::Database::open(temporary, sqlite::OpenMode::own_file);
    auto ok = destination ? Result<void>() : std::unexpected(destination.error());
    ok = ok ? copy_result(sqlite::copy_all_pages(source, *destination, std::chrono::seconds(5)),
                          source.path(), database)
            : ok;
    ok = ok ? destination->exec("PRAGMA journal_mode = DELETE") : ok;
    ok = ok ? destination->close() : ok;
    ok = ok ? sync_file(temporary) : ok;
    if (ok && ::chmod(temporary.c_str(), ownership.mode) != 0) {
        ok = fail(ErrorCode::step_failed, "cannot set the mode of {}", temporary.string());
    }
    ok = ok ? rename_no_replace(temporary, database) : ok;
    ok = ok ? sync_directory(database.parent_path()) : ok;
    if (!ok) {
        ::unlink(temporary.c_str());
        ::unlink((temporary.string() + "-journal").c_str());
    }
    return ok;
}

// True when the database opens and passes quick_check.
bool is_readable(const DatabaseOptions& options) {
    auto db =
        sqlite::Database::open(options.database, sqlite::OpenMode::read_only, options.lock_timeout);
    if (!db) {
        return db.error().code == ErrorCode::busy;  // busy is not unreadable
    }
    // integrity_check, not quick_check: an index that disagrees with its table is damage too.
    auto problems = sqlite::check_integrity(*db, true);
    return problems && problems->empty();
}

std::filesystem::path aside_name(const std::filesystem::path& database) {
    return database.parent_path() /
           corrupt_file_name(backup_stem(database), std::chrono::system_clock::now());
}

// Moves the database's -wal, -shm and -journal files, where there are any, to `aside` + the
// same suffix. Returns where they went.
Result<std::vector<std::filesystem::path>> move_companions(const std::filesystem::path& database,
                                                           const std::filesystem::path& aside) {
    std::vector<std::filesystem::path> moved;
    for (const char* suffix : {"-wal", "-shm", "-journal"}) {
        const auto companion = database.string() + suffix;
        std::error_code ec;
        if (!std::filesystem::exists(std::filesystem::symlink_status(companion, ec))) {
            continue;
        }
        const auto target = aside.string() + suffix;
        if (auto ok = rename_no_replace(companion, target); !ok) {
            return std::unexpected(with_context(
                ok.error(), fmt::format("cannot move {} aside; nothing was restored", companion)));
        }
        moved.emplace_back(target);
    }
    return moved;
}

// Moves an unreadable database (and its -wal/-shm/-journal) aside instead of deleting it.
Result<std::filesystem::path> move_aside(const std::filesystem::path& database) {
    const auto aside = aside_name(database);
    if (auto ok = rename_no_replace(database, aside); !ok) {
        return std::unexpected(ok.error());
    }
    if (auto moved = move_companions(database, aside); !moved) {
        // Put the database back where it was, so a failed move changes nothing.
        if (rename_no_replace(aside, database)) {
            return std::unexpected(moved.error());
        }
        auto error = moved.error();
        error.message += fmt::format("; the database itself is now at {}", aside.string());
        return std::unexpected(error);
    }
    return aside;
}

// What a user needs after an interrupted restore: which state the database is in and how to
// finish. The copy is one transaction, so an interrupted restore changed nothing in it.
Error explain_interruption(Error error, const RestoreOptions& options,
                           const RestoreReport& report) {
    const auto& database = options.db.database.string();
    if (report.moved_aside) {
        error.message += fmt::format(
            "\n{} was not restored: the unreadable database is at {}. Run the restore again "
            "to finish it.",
            database, report.moved_aside->string());
    } else {
        error.message += fmt::format(
            "\n{} is unchanged (still at version {}){}. Run the restore again to finish it: "
            "belay db restore --db {} {}",
            database, report.version_before,
            report.safety_snapshot
                ? "; the safety snapshot " + report.safety_snapshot->string() + " stays"
                : std::string(),
            database, report.backup.string());
    }
    return error;
}

Result<std::filesystem::path> take_safety_snapshot(const RestoreOptions& options) {
    BackupOptions backup{options.db, std::nullopt, true, std::string(k_reason_before_restore),
                         options.progress};
    auto snapshot = run_backup(backup);
    if (!snapshot) {
        auto error = snapshot.error();
        error.message +=
            "\nThe restore did not start: without a safety snapshot of the current "
            "database, nothing was changed.";
        return std::unexpected(error);
    }
    return snapshot->path;
}

// Everything after the confirmation: the run lock, the safety snapshot (or moving an unreadable
// database aside) and the copy. Fills `report` as it goes, so that an interruption can say
// what state the database is in.
Result<void> restore_confirmed(const RestoreOptions& options, const ChosenBackup& chosen,
                               bool readable, bool exists, RestoreReport& report) {
    const auto& database = options.db.database;
    auto lock = RunLock::acquire(database, options.db.lock_timeout);
    if (!lock) {
        return std::unexpected(lock.error());
    }
    auto source = open_verified(chosen);
    auto hardened =
        source ? source->harden_for_untrusted_content() : std::unexpected(source.error());
    if (!hardened) {
        return std::unexpected(hardened.error());
    }
    auto started = Clock::now();
    if (readable) {
        auto safety = take_safety_snapshot(options);
        if (!safety) {
            return std::unexpected(safety.error());
        }
        report.safety_snapshot = *safety;
        report.timings.safety_snapshot_ms = milliseconds_since(started);
        started = Clock::now();
        auto fallback = restore_in_place(*source, database, options);
        if (!fallback) {
            return std::unexpected(fallback.error());
        }
        report.used_fallback = *fallback;
    } else {
        FileOwnership ownership;
        if (exists) {
            ownership = ownership_of(database).value_or(FileOwnership{});
            auto aside = move_aside(database);
            if (!aside) {
                return std::unexpected(aside.error());
            }
            report.moved_aside = *aside;
        } else {
            auto orphans = move_companions(database, aside_name(database));
            if (!orphans) {
                return std::unexpected(orphans.error());
            }
            report.orphans_moved_aside = std::move(*orphans);
        }
        started = Clock::now();
        if (auto ok = restore_as_new_file(*source, database, ownership); !ok) {
            return std::unexpected(ok.error());
        }
    }
    report.timings.copy_ms = milliseconds_since(started);
    return {};
}

}  // namespace

Result<RestoreReport> run_restore(const RestoreOptions& options) {
    auto started = Clock::now();
    auto chosen = choose_backup(options);
    if (!chosen) {
        return std::unexpected(chosen.error());
    }
    RestoreReport report;
    report.timings.verify_backup_ms = milliseconds_since(started);
    report.backup = chosen->path;
    const auto& database = options.db.database;
    std::error_code ec;
    const bool exists = std::filesystem::exists(std::filesystem::symlink_status(database, ec));
    started = Clock::now();
    const bool readable = exists && is_readable(options.db);
    report.timings.check_current_ms = milliseconds_since(started);
    report.version_before =
        readable ? read_current_version(options.db).value_or("-") : std::string(exists ? "-" : "0");
    // Refused before asking: a read-only database (or directory) cannot take the copy.
    if (auto ok = readable ? sqlite::refuse_unwritable_database(database)
                           : sqlite::refuse_unwritable_directory_of(database);
        !ok) {
        return std::unexpected(ok.error());
    }
    if (auto ok = confirm(options, *chosen); !ok) {
        return std::unexpected(ok.error());
    }
    auto restored = restore_confirmed(options, *chosen, readable, exists, report);
    if (!restored) {
        if (restored.error().code == ErrorCode::interrupted) {
            return std::unexpected(explain_interruption(restored.error(), options, report));
        }
        return std::unexpected(restored.error());
    }
    auto version = read_current_version(options.db);
    report.version_after = version ? *version : std::string("?");
    return report;
}

}  // namespace belay
