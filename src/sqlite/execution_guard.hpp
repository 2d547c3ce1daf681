// Bounds everything a connection runs: one step deadline, a lock-wait limit and cancellation.
//
// SQLite's busy_timeout cannot be cut short, so the guard installs its own busy handler and a
// progress handler. Both consult the same deadline: a runaway statement is interrupted near
// the deadline (SQLITE_INTERRUPT), and a wait for another writer's lock ends at the earlier of
// the deadline and the lock timeout (SQLITE_BUSY). Both also stop at once when cancellation
// (SIGINT/SIGTERM) is requested. stop_reason() tells the caller which of these ended a failed
// statement, so the error can say "timed out", "busy" or "interrupted" truthfully.
//
// While a migration's own statements run, the guard also holds them to StatementRules through
// SQLite's authorizer (core/statement_rules.hpp): an action the rules refuse fails the
// statement as SQLite compiles it, before it runs, and refusal() says why.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/statement_rules.hpp"

struct sqlite3;

namespace belay::sqlite {

class Database;

enum class StopReason { none, deadline, lock_timeout, cancelled, refused };

class ExecutionGuard {
  public:
    using Clock = std::chrono::steady_clock;

    // Installs the handlers on `db` for the guard's lifetime. `lock_timeout` limits each wait
    // for a lock held by another connection; `first_wait`, when given, limits the first one
    // instead (what is left of a budget the caller already spent waiting, e.g. for the run
    // lock).
    ExecutionGuard(Database& db, std::chrono::milliseconds lock_timeout,
                   std::optional<std::chrono::milliseconds> first_wait = std::nullopt);
    ~ExecutionGuard();
    ExecutionGuard(const ExecutionGuard&) = delete;
    ExecutionGuard& operator=(const ExecutionGuard&) = delete;

    // Statements run after this must finish within `budget` from now. Clears stop_reason().
    void start_step(std::chrono::milliseconds budget);
    // No step deadline (lock waits and cancellation still apply). Clears stop_reason().
    void clear_deadline();

    // Asks between statements what the progress handler asks while one runs (a statement of a
    // few hundred instructions never reaches the handler): cancellation, then the deadline.
    // Returns the reason to stop (also kept as stop_reason()), none to carry on.
    StopReason poll();

    // Statements compiled from now until release_statements() are held to `rules`.
    void hold_statements_to(StatementRules rules);
    void release_statements();
    // Why the rules refused the last refused action ("" when none was).
    const std::string& refusal() const { return m_refusal; }

    StopReason stop_reason() const { return m_stop_reason; }
    std::chrono::milliseconds lock_timeout() const { return m_lock_timeout; }

  private:
    static int on_progress(void* self);
    static int on_busy(void* self, int attempt);
    static int on_authorize(void* self, int action, const char* first, const char* second,
                            const char* database, const char* trigger);

    sqlite3* m_db;
    std::chrono::milliseconds m_restore_busy_timeout;  // the connection's own, put back at the end
    std::chrono::milliseconds m_lock_timeout;
    Clock::time_point m_deadline = Clock::time_point::max();
    Clock::time_point m_wait_started{};
    std::optional<std::chrono::milliseconds> m_first_wait;  // cleared when the first wait starts
    std::chrono::milliseconds m_wait_limit{0};              // the limit of the wait under way
    StopReason m_stop_reason = StopReason::none;
    std::optional<StatementRules> m_rules;  // set while statements are held to them
    int m_defensive_before = 0;             // SQLITE_DBCONFIG_DEFENSIVE before they were
    std::string m_refusal;
};

}  // namespace belay::sqlite
