// `db check`: the engine's side of belay::run_check (belay/api.hpp gives the contract; src/api
// calls it).
#pragma once

#include "belay/check.hpp"
#include "belay/error.hpp"

namespace belay::engine {

Result<CheckReport> run_check(const CheckOptions& options);

}  // namespace belay::engine
