#include "sqlite/page_copy.hpp"

#include "belay/cancellation.hpp"
#include "sqlite/backup.hpp"
#include "sqlite/database.hpp"

namespace belay::sqlite {

namespace {

constexpr int k_pages_per_step = 4096;

// Copies every page inside the source's open read transaction, so the copy never restarts.
Result<void> copy_pages(Database& source, Database& destination, const CopyProgress& progress,
                        std::int64_t page_size) {
    auto backup = Backup::start(source, destination);
    BELAY_TRY(backup);
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
                    finished.error(),
                    backup->os_error() != 0 ? said("; free some space (or raise the file size "
                                                   "limit), or choose {}",
                                                   Option::backup_dir)
                                            : Message());
    }
    return {};
}

}  // namespace

Result<void> copy_with_backup_api(Database& source, const std::filesystem::path& destination,
                                  const CopyProgress& progress, std::int64_t page_size) {
    auto copy = Database::open(destination, OpenMode::own_file);
    BELAY_TRY(copy);
    // The copy is not a backup until it is verified and renamed: no journal.
    auto ok = copy->exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF");
    ok = ok ? copy_pages(source, *copy, progress, page_size) : ok;
    // A copy of a WAL database says WAL in its header; DELETE makes it open on its own.
    ok = ok ? copy->exec("PRAGMA journal_mode = DELETE") : ok;
    return ok ? copy->close() : ok;
}

}  // namespace belay::sqlite
