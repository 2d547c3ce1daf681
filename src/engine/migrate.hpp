// A run of steps: the engine's side of belay::run_migrate and belay::plan_run (belay/api.hpp
// gives the contracts; src/api calls these).
#pragma once

#include "belay/error.hpp"
#include "belay/migrate.hpp"
#include "belay/options.hpp"
#include "belay/run_report.hpp"

namespace belay::engine {

Result<RunReport> run_migrate(const MigrateOptions& options);
Result<RunPlan> plan_run(const MigrateOptions& options);

}  // namespace belay::engine
