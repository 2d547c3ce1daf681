// `db exec`: the engine's side of belay::run_exec (belay/api.hpp gives the contract; src/api
// calls it).
#pragma once

#include "belay/error.hpp"
#include "belay/exec.hpp"

namespace belay::engine {

Result<ExecReport> run_exec(const ExecOptions& options);

}  // namespace belay::engine
