// `db restore`: the engine's side of belay::run_restore (belay/api.hpp gives the contract;
// src/api calls it).
#pragma once

#include "belay/error.hpp"
#include "belay/restore.hpp"
#include "engine/run_lock.hpp"

namespace belay::engine {

// `held`: the caller holds the database's run lock already (db exec, which holds it from its
// snapshot to the restore), so the restore does not take it again.
Result<RestoreReport> run_restore(const RestoreOptions& options, const RunLock* held = nullptr);

}  // namespace belay::engine
