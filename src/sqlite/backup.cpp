#include "sqlite/backup.hpp"

#include <sqlite3.h>

#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "belay/cancellation.hpp"
#include "sqlite/database.hpp"

namespace belay::sqlite {

namespace {

constexpr int k_pages_per_step = 1024;

// The stepped copy, inside the source's read transaction. Between steps the destination keeps
// its one write transaction; sqlite3_backup_finish before SQLITE_DONE rolls it back.
CopyStatus copy_in_steps(Database& source, Database& destination,
                         std::chrono::steady_clock::time_point give_up_at) {
    sqlite3_backup* backup =
        sqlite3_backup_init(destination.handle(), "main", source.handle(), "main");
    if (backup == nullptr) {
        return {CopyOutcome::failed, sqlite3_errmsg(destination.handle())};
    }
    int rc = SQLITE_OK;
    while (true) {
        rc = sqlite3_backup_step(backup, k_pages_per_step) & 0xff;
        const bool waiting = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
        if (rc != SQLITE_OK && !waiting) {
            break;
        }
        if (cancellation_requested()) {
            sqlite3_backup_finish(backup);  // rolls the destination back
            return {CopyOutcome::interrupted, "interrupted by a signal"};
        }
        if (waiting) {
            if (std::chrono::steady_clock::now() >= give_up_at) {
                sqlite3_backup_finish(backup);
                return {CopyOutcome::busy, sqlite3_errstr(rc)};
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    const int finish_rc = sqlite3_backup_finish(backup) & 0xff;
    const int outcome = rc != SQLITE_DONE ? rc : finish_rc;
    if (outcome == SQLITE_OK || outcome == SQLITE_DONE) {
        return {CopyOutcome::done, {}};
    }
    if (outcome == SQLITE_READONLY) {
        return {CopyOutcome::page_size_conflict, sqlite3_errstr(outcome)};
    }
    std::string message = sqlite3_errstr(outcome);
    // For an I/O error the OS's reason says more: "File too large", "No space left on device".
    if (const int os_error = sqlite3_system_errno(destination.handle());
        outcome == SQLITE_IOERR && os_error != 0) {
        message += fmt::format(" ({})", std::strerror(os_error));
    }
    return {CopyOutcome::failed, std::move(message)};
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
