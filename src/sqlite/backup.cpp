#include "sqlite/backup.hpp"

#include <sqlite3.h>

#include <cstring>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "belay/cancellation.hpp"
#include "sqlite/database.hpp"

namespace belay::sqlite {

void Backup::Finisher::operator()(sqlite3_backup* backup) const {
    sqlite3_backup_finish(backup);  // the outcome is finish()'s to report; here it is discarded
}

Backup::Backup(sqlite3_backup* backup, sqlite3* destination)
    : m_backup(backup), m_destination(destination) {}

Backup::Backup(Backup&& other) noexcept = default;
Backup::~Backup() = default;

Result<Backup> Backup::start(Database& source, Database& destination) {
    sqlite3_backup* backup =
        sqlite3_backup_init(destination.handle(), "main", source.handle(), "main");
    if (backup == nullptr) {
        return std::unexpected(destination.last_error("cannot start the backup"));
    }
    return Backup(backup, destination.handle());
}

BackupStep Backup::step(int pages) {
    if (!m_backup) {
        throw std::logic_error("Backup::step after finish");
    }
    m_result_code = sqlite3_backup_step(m_backup.get(), pages) & 0xff;
    m_page_count = sqlite3_backup_pagecount(m_backup.get());
    m_remaining = sqlite3_backup_remaining(m_backup.get());
    switch (m_result_code) {
        case SQLITE_OK:
            return BackupStep::more;
        case SQLITE_DONE:
            return BackupStep::done;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return BackupStep::busy;
        default:
            return BackupStep::failed;
    }
}

Result<void> Backup::finish() {
    if (!m_backup) {
        return {};
    }
    const int finished = sqlite3_backup_finish(m_backup.release()) & 0xff;
    // The last step's failure, or the lock it could not get, is the outcome (SQLite keeps the
    // former until sqlite3_backup_finish too); after a step that went well, finishing's own.
    const bool step_went_well = m_result_code == SQLITE_OK || m_result_code == SQLITE_DONE;
    m_result_code = step_went_well ? finished : m_result_code;
    if (m_result_code == SQLITE_OK) {
        return {};
    }
    std::string message = sqlite3_errstr(m_result_code);
    // For an I/O error the OS's reason says more: "File too large", "No space left on device".
    m_os_error = m_result_code == SQLITE_IOERR ? sqlite3_system_errno(m_destination) : 0;
    if (m_os_error != 0) {
        message += fmt::format(" ({})", std::strerror(m_os_error));
    }
    return std::unexpected(error_of(error_code_for_sqlite(m_result_code), std::move(message)));
}

namespace {

constexpr int k_pages_per_step = 1024;

// The stepped copy, inside the source's read transaction. Between steps the destination keeps
// its one write transaction; finishing before BackupStep::done rolls it back.
CopyStatus copy_in_steps(Database& source, Database& destination,
                         std::chrono::steady_clock::time_point give_up_at) {
    auto backup = Backup::start(source, destination);
    if (!backup) {
        return {CopyOutcome::failed, sqlite3_errmsg(destination.handle())};
    }
    for (auto step = backup->step(k_pages_per_step);
         step == BackupStep::more || step == BackupStep::busy;
         step = backup->step(k_pages_per_step)) {
        if (cancellation_requested()) {
            return {CopyOutcome::interrupted, "interrupted by a signal"};  // rolled back
        }
        if (step == BackupStep::busy) {
            if (std::chrono::steady_clock::now() >= give_up_at) {
                return {CopyOutcome::busy, sqlite3_errstr(backup->result_code())};
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    if (auto finished = backup->finish(); !finished) {
        // A WAL destination cannot take a different page size: SQLITE_READONLY.
        return {backup->result_code() == SQLITE_READONLY ? CopyOutcome::page_size_conflict
                                                         : CopyOutcome::failed,
                std::move(finished.error().message)};
    }
    return {CopyOutcome::done, {}};
}

}  // namespace

CopyStatus copy_all_pages(Database& source, Database& destination,
                          std::chrono::milliseconds busy_wait) {
    const auto give_up_at = std::chrono::steady_clock::now() + busy_wait;
    // A read transaction of its own on the source: a copy in steps then never restarts.
    const bool own_read = !source.in_transaction();
    if (own_read) {
        if (auto ok = source.exec("BEGIN; SELECT count(*) FROM sqlite_schema"); !ok) {
            return {ok.error().code == ErrorCode::busy ? CopyOutcome::busy : CopyOutcome::failed,
                    ok.error().message};
        }
    }
    auto status = copy_in_steps(source, destination, give_up_at);
    if (own_read) {
        (void)source.exec("COMMIT");  // a read transaction: nothing to lose if this fails
    }
    return status;
}

Result<void> copy_database(Database& source, Database& destination,
                           std::chrono::milliseconds busy_wait) {
    const auto status = copy_all_pages(source, destination, busy_wait);
    if (status.outcome == CopyOutcome::done) {
        return {};
    }
    const auto code = status.outcome == CopyOutcome::busy          ? ErrorCode::busy
                      : status.outcome == CopyOutcome::interrupted ? ErrorCode::interrupted
                                                                   : ErrorCode::step_failed;
    return fail(code, "copying {} to {} failed: {}", source.path().string(),
                destination.path().string(), status.message);
}

}  // namespace belay::sqlite
