#include "engine/restore_files.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "core/backup_metadata.hpp"
#include "core/log.hpp"
#include "sqlite/backup.hpp"
#include "sqlite/connection_settings.hpp"
#include "sqlite/database.hpp"

namespace belay::engine {

namespace {

// Every step that writes the copy runs with the run lock held and on a file no one else opens,
// so a busy destination can only be a stray process: a short wait is enough.
constexpr std::chrono::seconds k_copy_wait{5};

std::filesystem::path directory_of(const std::filesystem::path& path) {
    return path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
}

// The backup's pages into the open temporary, then the temporary made self-contained (no
// -journal or -wal needed to read it), flushed and given the database's mode.
Result<void> fill_copy(sqlite::Database& source, const std::filesystem::path& temporary,
                       const std::filesystem::path& database, const FileOwnership& ownership) {
    auto destination = sqlite::Database::open(temporary, sqlite::OpenMode::own_file);
    BELAY_TRY(destination);
    BELAY_TRY(restore_copy_result(sqlite::copy_all_pages(source, *destination, k_copy_wait),
                                  source.path(), database));
    BELAY_TRY(sqlite::use_rollback_journal(*destination));
    BELAY_TRY(destination->close());
    BELAY_TRY(sync_file(temporary));
    if (::chmod(temporary.c_str(), ownership.mode) != 0) {
        return fail(ErrorCode::step_failed, "cannot set the mode of {}: {}", temporary.string(),
                    std::strerror(errno));
    }
    return {};
}

// A complete, flushed copy of `source` under a temporary name beside `database`.
Result<HeldCopy> write_complete_copy(sqlite::Database& source,
                                     const std::filesystem::path& database,
                                     const FileOwnership& ownership) {
    const auto temporary = temporary_sibling(database);
    auto writable = ownership;  // SQLite must write it; the exact mode is set when complete
    writable.mode |= S_IWUSR;
    auto held = HeldTemporary::create(temporary, writable);
    if (!held) {
        return std::unexpected(
            with_context(held.error(), fmt::format("{} was not touched", database.string())));
    }
    if (auto ok = fill_copy(source, temporary, database, ownership); !ok) {
        remove_with_companions(temporary);
        auto error = ok.error();
        append(
            error,
            fmt::format(
                "\nThe restored copy {} could not be completed and was removed; {} was not touched",
                temporary.string(), database.string()));
        return std::unexpected(error);
    }
    return HeldCopy{temporary, std::move(*held)};
}

// A second name for the unreadable file, made before the path gets the new file: a hard link,
// or (a filesystem without hard links) a flushed copy renamed into place.
Result<void> keep_aside(const std::filesystem::path& database, const std::filesystem::path& aside) {
    auto linked = link_no_replace(database, aside);
    std::error_code ec;
    if (!linked && !std::filesystem::exists(std::filesystem::symlink_status(aside, ec))) {
        logger()->info("{}; copying the unreadable database instead", linked.error().message);
        const auto temporary = temporary_sibling(aside);
        if (!std::filesystem::copy_file(database, temporary, ec)) {
            ::unlink(temporary.c_str());
            return fail(ErrorCode::step_failed, "{}, and copying it there failed too: {}",
                        linked.error().message, ec.message());
        }
        linked = sync_file(temporary);
        linked = linked ? rename_no_replace(temporary, aside) : linked;
        if (!linked) {
            ::unlink(temporary.c_str());
        }
    }
    return linked ? sync_directory(directory_of(database)) : linked;
}

}  // namespace

Result<void> restore_copy_result(const sqlite::CopyStatus& status,
                                 const std::filesystem::path& backup,
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

void remove_with_companions(const std::filesystem::path& file) {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
        ::unlink((file.string() + suffix).c_str());
    }
}

void remove_restore_leftovers(const std::filesystem::path& database) {
    const auto name = database.filename().string();
    const auto aside_prefix = backup_stem(database) + "-corrupt-";
    const int removed =
        remove_abandoned_temporaries(directory_of(database), [&](std::string_view final_name) {
            return final_name == name || final_name.starts_with(aside_prefix);
        });
    if (removed > 0) {
        logger()->info("removed {} temporary file(s) an interrupted restore of {} left behind",
                       removed, database.string());
    }
}

std::filesystem::path aside_name(const std::filesystem::path& database) {
    const auto first = database.parent_path() /
                       corrupt_file_name(backup_stem(database), std::chrono::system_clock::now());
    // A second restore in the same second (or one killed after keeping the old file) took the
    // name already: "-1", "-2"... before ".db", as backup names do.
    auto candidate = first;
    for (int n = 1; n < 1000; ++n) {
        std::error_code ec;
        bool taken = false;
        for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
            const auto status = std::filesystem::symlink_status(candidate.string() + suffix, ec);
            taken = taken || std::filesystem::exists(status);
        }
        if (!taken) {
            return candidate;
        }
        candidate = first;
        candidate.replace_extension();
        candidate += fmt::format("-{}.db", n);
    }
    return first;  // all taken: linking to it fails and says so
}

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

Result<void> restore_as_new_file(sqlite::Database& source, const std::filesystem::path& database,
                                 const FileOwnership& ownership) {
    auto copy = write_complete_copy(source, database, ownership);
    BELAY_TRY(copy);
    auto ok = rename_no_replace(copy->path, database);
    if (!ok) {
        remove_with_companions(copy->path);
        return ok;
    }
    return sync_directory(directory_of(database));
}

Result<KeptAside> replace_unreadable(sqlite::Database& source,
                                     const std::filesystem::path& database,
                                     const FileOwnership& ownership) {
    auto copy = write_complete_copy(source, database, ownership);
    BELAY_TRY(copy);
    const auto aside = aside_name(database);
    const auto give_up = [&](Error error, const std::string& where_old_is) {
        remove_with_companions(copy->path);
        append(error, fmt::format("\nNothing was restored: {} still holds the unreadable "
                                  "database{}; the restored copy "
                                  "{} was removed. Run the restore again once the cause is fixed",
                                  database.string(), where_old_is, copy->path.string()));
        return std::unexpected(error);
    };
    if (auto ok = keep_aside(database, aside); !ok) {
        return give_up(with_context(ok.error(), fmt::format("cannot keep the unreadable {} as {}",
                                                            database.string(), aside.string())),
                       "");
    }
    const auto also = fmt::format(" (also under the name {})", aside.string());
    auto companions = move_companions(database, aside);
    if (!companions) {
        return give_up(companions.error(), also);
    }
    // The one step that changes what the path holds: rename(2) replaces it atomically.
    if (::rename(copy->path.c_str(), database.c_str()) != 0) {
        return give_up(error_of(ErrorCode::step_failed,
                                fmt::format("cannot rename {} to {}: {}", copy->path.string(),
                                            database.string(), std::strerror(errno))),
                       also + (companions->empty() ? "" : ", its -wal/-shm/-journal beside it"));
    }
    BELAY_TRY(sync_directory(directory_of(database)));
    return KeptAside{aside, std::move(*companions)};
}

Result<HeldCopy> copy_with_page_size(sqlite::Database& source,
                                     const std::filesystem::path& database,
                                     std::int64_t page_size) {
    const auto temporary = temporary_sibling(database);
    auto held = HeldTemporary::create(temporary, FileOwnership{.mode = 0600});
    BELAY_TRY(held);
    // The backup's pages into the temporary (a rollback-journal file, so VACUUM may change its
    // page size), then VACUUM with the database's page size; VACUUM keeps every rowid. (VACUUM
    // INTO straight from the backup would need the backup opened read-write.)
    auto copy = sqlite::Database::open(temporary, sqlite::OpenMode::own_file);
    auto ok = copy ? restore_copy_result(sqlite::copy_all_pages(source, *copy, k_copy_wait),
                                         source.path(), temporary)
                   : Result<void>(std::unexpected(copy.error()));
    ok = ok ? sqlite::rebuild_with_page_size(*copy, page_size) : ok;
    ok = ok ? copy->close() : ok;
    if (!ok) {
        remove_with_companions(temporary);
        return std::unexpected(with_context(
            ok.error(),
            fmt::format("cannot copy {} with {}-byte pages to {} ({} was not touched)",
                        source.path().string(), page_size, temporary.string(), database.string())));
    }
    return HeldCopy{temporary, std::move(*held)};
}

}  // namespace belay::engine
