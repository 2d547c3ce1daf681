// `db restore`: the engine's side of belay::run_restore (belay/api.hpp gives the contract;
// src/api calls it).
#pragma once

#include "belay/error.hpp"
#include "belay/restore.hpp"

namespace belay::engine {

Result<RestoreReport> run_restore(const RestoreOptions& options);

}  // namespace belay::engine
