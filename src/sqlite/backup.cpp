#include "sqlite/backup.hpp"

#include <sqlite3.h>

#include "sqlite/database.hpp"

namespace belay::sqlite {

Result<void> copy_database(Database& source, Database& destination) {
    sqlite3_backup* backup =
        sqlite3_backup_init(destination.handle(), "main", source.handle(), "main");
    if (backup == nullptr) {
        return std::unexpected(
            destination.last_error(fmt::format("cannot start copying {}", source.path().string())));
    }
    int rc = SQLITE_OK;
    do {
        rc = sqlite3_backup_step(backup, -1);
    } while (rc == SQLITE_OK);
    const int step_rc = rc;
    rc = sqlite3_backup_finish(backup);
    if (step_rc != SQLITE_DONE || rc != SQLITE_OK) {
        const int failed = step_rc != SQLITE_DONE ? step_rc : rc;
        return fail(error_code_for_sqlite(failed) == ErrorCode::busy ? ErrorCode::busy
                                                                     : ErrorCode::step_failed,
                    "copying {} to {} failed: {}", source.path().string(),
                    destination.path().string(), sqlite3_errstr(failed));
    }
    return {};
}

}  // namespace belay::sqlite
