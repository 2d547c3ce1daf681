// `db lint`: the engine's side of belay::run_lint (belay/api.hpp gives the contract; src/api
// calls it).
#pragma once

#include "belay/error.hpp"
#include "belay/lint.hpp"
#include "belay/options.hpp"

namespace belay::engine {

Result<LintReport> run_lint(const MigrateOptions& options);

}  // namespace belay::engine
