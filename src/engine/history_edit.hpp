// `db adopt`, `baseline`, `repair` and `force`: the engine's side of belay::run_history_edit
// (belay/api.hpp gives the contract; src/api calls it).
#pragma once

#include "belay/error.hpp"
#include "belay/history_edit.hpp"

namespace belay::engine {

Result<HistoryEditReport> run_history_edit(const HistoryEditOptions& options);

}  // namespace belay::engine
