#include "engine/status.hpp"

#include "core/plan.hpp"
#include "engine/database_state.hpp"
#include "engine/migration_set.hpp"

namespace belay::engine {

Result<std::unique_ptr<StatusReport>> build_status(const DatabaseOptions& options) {
    auto set = load_migration_set(options);
    BELAY_TRY(set);
    // A migration another tool applied would show as pending here, and run again: refused.
    auto state = read_checked_state(options, set->migrations);
    BELAY_TRY(state);
    auto report = std::make_unique<StatusReport>();
    report->database = options.database.string();
    report->state = std::move(*state);
    report->set = std::move(*set);
    report->plan = build_plan(report->set.migrations, report->state.history);
    report->repeatables = plan_repeatables(report->set.repeatables, report->state.history);
    return report;
}

Result<std::string> read_current_version(const DatabaseOptions& options) {
    auto state = read_database_state(options);
    BELAY_TRY(state);
    return build_plan({}, state->history).current_version;
}

}  // namespace belay::engine
