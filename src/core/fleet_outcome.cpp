// The names of a fleet's outcomes and commands (belay/fleet.hpp), as the journal and the
// reports spell them.
#include <array>

#include "belay/fleet.hpp"

namespace belay {

namespace {

constexpr std::array<std::string_view, k_fleet_outcome_count> k_outcome_names{
    "migrated",   "up_to_date",    "would_migrate", "backed_up",   "checked",
    "behind",     "findings",      "failed",        "refused",     "busy",
    "unreadable", "backup_failed", "interrupted",   "not_started",
};

static_assert(static_cast<std::size_t>(FleetOutcome::not_started) + 1 == k_fleet_outcome_count);

}  // namespace

std::string_view to_string(FleetOutcome outcome) {
    return k_outcome_names[static_cast<std::size_t>(outcome)];
}

std::optional<FleetOutcome> fleet_outcome_from_string(std::string_view text) {
    for (std::size_t i = 0; i < k_outcome_names.size(); ++i) {
        if (k_outcome_names[i] == text) {
            return static_cast<FleetOutcome>(i);
        }
    }
    return std::nullopt;
}

bool is_success(FleetOutcome outcome) {
    return outcome == FleetOutcome::migrated || outcome == FleetOutcome::up_to_date ||
           outcome == FleetOutcome::would_migrate || outcome == FleetOutcome::backed_up ||
           outcome == FleetOutcome::checked;
}

std::string_view to_string(FleetCommand command) {
    switch (command) {
        case FleetCommand::migrate:
            return "migrate";
        case FleetCommand::backup:
            return "backup";
        case FleetCommand::check:
            return "check";
        case FleetCommand::status:
            return "status";
    }
    return "migrate";
}

}  // namespace belay
