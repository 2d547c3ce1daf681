#include "sqlite/backup.hpp"

#include <sqlite3.h>

#include <thread>

#include "core/cancellation.hpp"
#include "sqlite/database.hpp"

namespace belay::sqlite {

CopyStatus copy_all_pages(Database& source, Database& destination,
                          std::chrono::milliseconds busy_wait) {
    const auto give_up_at = std::chrono::steady_clock::now() + busy_wait;
    while (true) {
        sqlite3_backup* backup =
            sqlite3_backup_init(destination.handle(), "main", source.handle(), "main");
        if (backup == nullptr) {
            return {CopyOutcome::failed, sqlite3_errmsg(destination.handle())};
        }
        const int step_rc = sqlite3_backup_step(backup, -1);
        const int finish_rc = sqlite3_backup_finish(backup);
        const int rc = (step_rc != SQLITE_DONE ? step_rc : finish_rc) & 0xff;
        if (rc == SQLITE_OK) {
            return {CopyOutcome::done, {}};
        }
        if (rc == SQLITE_READONLY) {
            return {CopyOutcome::page_size_conflict, sqlite3_errstr(rc)};
        }
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
            return {CopyOutcome::failed, sqlite3_errstr(rc)};
        }
        if (std::chrono::steady_clock::now() >= give_up_at || cancellation_requested()) {
            return {CopyOutcome::busy, sqlite3_errstr(rc)};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

Result<void> copy_database(Database& source, Database& destination,
                           std::chrono::milliseconds busy_wait) {
    const auto status = copy_all_pages(source, destination, busy_wait);
    if (status.outcome == CopyOutcome::done) {
        return {};
    }
    return fail(status.outcome == CopyOutcome::busy ? ErrorCode::busy : ErrorCode::step_failed,
                "copying {} to {} failed: {}", source.path().string(), destination.path().string(),
                status.message);
}

}  // namespace belay::sqlite
