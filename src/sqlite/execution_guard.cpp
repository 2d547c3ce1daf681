#include "sqlite/execution_guard.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <thread>

#include "belay/cancellation.hpp"
#include "sqlite/busy_wait.hpp"
#include "sqlite/database.hpp"

namespace belay::sqlite {

namespace {
// Virtual-machine instructions between deadline checks: frequent enough to stop a runaway
// statement within milliseconds, rare enough to cost nothing measurable.
constexpr int k_progress_interval = 1000;
constexpr std::chrono::milliseconds k_max_busy_sleep{20};
}  // namespace

ExecutionGuard::ExecutionGuard(Database& db, std::chrono::milliseconds lock_timeout,
                               std::optional<std::chrono::milliseconds> first_wait)
    : m_db(db.handle()),
      m_restore_busy_timeout(db.busy_timeout()),
      m_lock_timeout(lock_timeout),
      m_first_wait(first_wait) {
    sqlite3_progress_handler(m_db, k_progress_interval, &ExecutionGuard::on_progress, this);
    sqlite3_busy_handler(m_db, &ExecutionGuard::on_busy, this);
}

ExecutionGuard::~ExecutionGuard() {
    release_statements();
    sqlite3_progress_handler(m_db, 0, nullptr, nullptr);
    // Replacing the busy handler replaced the connection's busy timeout too: put it back.
    set_busy_wait(m_db, m_restore_busy_timeout);
}

void ExecutionGuard::start_step(std::chrono::milliseconds budget) {
    m_deadline = Clock::now() + budget;
    m_stop_reason = StopReason::none;
}

void ExecutionGuard::clear_deadline() {
    m_deadline = Clock::time_point::max();
    m_stop_reason = StopReason::none;
}

StopReason ExecutionGuard::poll() {
    auto reason = StopReason::none;
    if (cancellation_requested()) {
        reason = StopReason::cancelled;
    } else if (Clock::now() >= m_deadline) {
        reason = StopReason::deadline;
    }
    if (reason != StopReason::none) {
        m_stop_reason = reason;
    }
    return reason;
}

void ExecutionGuard::hold_statements_to(StatementRules rules) {
    if (!m_rules) {
        // SQLite's defensive mode refuses what ordinary SQL could do to corrupt the file on
        // purpose, writes to virtual tables' shadow tables (an R-Tree's r_node) among them.
        sqlite3_db_config(m_db, SQLITE_DBCONFIG_DEFENSIVE, -1, &m_defensive_before);
        sqlite3_db_config(m_db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    }
    m_rules = std::move(rules);
    m_refusal.clear();
    sqlite3_set_authorizer(m_db, &ExecutionGuard::on_authorize, this);
}

void ExecutionGuard::release_statements() {
    if (m_rules) {
        sqlite3_set_authorizer(m_db, nullptr, nullptr);
        sqlite3_db_config(m_db, SQLITE_DBCONFIG_DEFENSIVE, m_defensive_before, nullptr);
        m_rules.reset();
    }
}

int ExecutionGuard::on_authorize(void* self, int action, const char* first, const char* second,
                                 const char* database, const char* trigger) {
    auto* guard = static_cast<ExecutionGuard*>(self);
    const auto text = [](const char* value) {
        return value != nullptr ? std::string_view(value) : std::string_view();
    };
    SqlActionRequest request{.action = SqlAction::other,
                             .object = text(first),
                             .detail = text(second),
                             .trigger = text(trigger),
                             .database = text(database)};
    switch (action) {
        case SQLITE_PRAGMA:
            request.action = SqlAction::pragma;
            break;
        case SQLITE_ATTACH:
            request.action = SqlAction::attach;
            request.detail = text(first);
            break;
        case SQLITE_CREATE_INDEX:
        case SQLITE_CREATE_TEMP_INDEX:
            request.action = SqlAction::create_index;
            request.object = text(second);
            break;
        case SQLITE_CREATE_TRIGGER:
        case SQLITE_CREATE_TEMP_TRIGGER:
            request.action = SqlAction::create_trigger;
            request.object = text(second);
            break;
        case SQLITE_DROP_TABLE:
            request.action = SqlAction::drop_table;
            break;
        case SQLITE_ALTER_TABLE:
            // The database is the first argument; DROP COLUMN puts the column's name where the
            // database name usually is (which let it past the rules).
            request.action = SqlAction::alter_table;
            request.object = text(second);
            request.database = text(first);
            break;
        case SQLITE_INSERT:
            request.action = SqlAction::insert;
            break;
        case SQLITE_UPDATE:
            request.action = SqlAction::update;
            break;
        case SQLITE_DELETE:
            request.action = SqlAction::delete_rows;
            break;
        default:
            return SQLITE_OK;
    }
    auto reason = refusal_reason(*guard->m_rules, request);
    if (!reason) {
        return SQLITE_OK;
    }
    guard->m_refusal = std::move(*reason);
    guard->m_stop_reason = StopReason::refused;
    return SQLITE_DENY;
}

int ExecutionGuard::on_progress(void* self) {
    auto* guard = static_cast<ExecutionGuard*>(self);
    if (cancellation_requested()) {
        guard->m_stop_reason = StopReason::cancelled;
        return 1;
    }
    if (Clock::now() >= guard->m_deadline) {
        guard->m_stop_reason = StopReason::deadline;
        return 1;
    }
    return 0;
}

int ExecutionGuard::on_busy(void* self, int attempt) {
    auto* guard = static_cast<ExecutionGuard*>(self);
    const auto now = Clock::now();
    if (attempt == 0) {
        guard->m_wait_started = now;
        guard->m_wait_limit = guard->m_first_wait.value_or(guard->m_lock_timeout);
        guard->m_first_wait.reset();
    }
    if (cancellation_requested()) {
        guard->m_stop_reason = StopReason::cancelled;
        return 0;
    }
    const auto lock_deadline = guard->m_wait_started + guard->m_wait_limit;
    const auto give_up_at = std::min(lock_deadline, guard->m_deadline);
    if (now >= give_up_at) {
        guard->m_stop_reason =
            give_up_at == guard->m_deadline ? StopReason::deadline : StopReason::lock_timeout;
        return 0;
    }
    // Back off gently: 1 ms, 2 ms, ... up to k_max_busy_sleep, never past the give-up time.
    const auto backoff = std::chrono::milliseconds(std::min(attempt + 1, 20));
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(give_up_at - now);
    std::this_thread::sleep_for(
        std::min({backoff, k_max_busy_sleep, remaining + std::chrono::milliseconds(1)}));
    return 1;
}

}  // namespace belay::sqlite
