// A run of steps: the engine's side of belay::run_migrate and belay::plan_run (belay/api.hpp
// gives the contracts; src/api calls these).
#pragma once

#include <chrono>

#include "belay/error.hpp"
#include "belay/migrate.hpp"
#include "belay/options.hpp"
#include "belay/run_report.hpp"

namespace belay::engine {

Result<RunReport> run_migrate(const MigrateOptions& options);

// Refuses (invalid_input) a lock_timeout below 0 or above the longest timeout, as the CLI
// refuses its --lock-timeout; run_migrate, plan_run and Database::open check it.
Result<void> check_lock_timeout(const DatabaseOptions& options);

// Refuses (invalid_input) a step_timeout below 1 ms or above the longest timeout, as the CLI
// refuses its --step-timeout; run_migrate, plan_run and run_check's round trip check it.
Result<void> check_step_timeout(std::chrono::milliseconds step_timeout);
Result<RunPlan> plan_run(const MigrateOptions& options);

}  // namespace belay::engine
