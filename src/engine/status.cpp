#include "engine/status.hpp"

#include "core/plan.hpp"
#include "engine/database_state.hpp"
#include "engine/migration_set.hpp"

namespace belay::engine {

Result<std::unique_ptr<StatusReport>> build_status(const DatabaseOptions& options) {
    auto set = load_migration_set(options);
    if (!set) {
        return std::unexpected(set.error());
    }
    auto state = read_database_state(options);
    if (!state) {
        return std::unexpected(state.error());
    }
    // A migration another tool applied would show as pending here, and run again.
    if (auto ok = refuse_foreign_overlap(options, state->history, set->migrations); !ok) {
        return std::unexpected(ok.error());
    }
    auto report = std::make_unique<StatusReport>();
    report->database = options.database.string();
    report->state = std::move(*state);
    report->set = std::move(*set);
    report->plan = build_plan(report->set.migrations, report->state.history);
    return report;
}

Result<std::string> read_current_version(const DatabaseOptions& options) {
    auto state = read_database_state(options);
    if (!state) {
        return std::unexpected(state.error());
    }
    return build_plan({}, state->history).current_version;
}

}  // namespace belay::engine
