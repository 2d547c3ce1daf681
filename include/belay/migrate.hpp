// The plan of one run of steps (`db migrate`, `db down`, `db redo`, `db reset` and `db refresh`
// are the same pipeline with different steps): what plan_run (belay/api.hpp) returns.
#pragma once

#include <string>
#include <vector>

#include "belay/options.hpp"
#include "belay/run_report.hpp"

namespace belay {

// One step a run would take.
struct PlannedRunStep {
    std::string version;  // as written; empty for a repeatable migration
    std::string name;
    Direction direction = Direction::up;
    bool no_transaction = false;
    bool repeatable = false;  // a repeatable migration (Flyway's R__<name>.sql), applied last
};

struct RunPlan {
    std::string database;
    Operation operation = Operation::migrate;
    std::string version_before = "0";
    std::vector<PlannedRunStep> steps;  // in the order they would run; empty: up to date
};

}  // namespace belay
