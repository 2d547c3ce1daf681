// `db status` and `db version`: the engine's side of belay::build_status and
// belay::read_current_version (belay/api.hpp gives the contracts; src/api calls these).
#pragma once

#include <memory>
#include <string>

#include "belay/error.hpp"
#include "belay/options.hpp"
#include "belay/status.hpp"

namespace belay::engine {

Result<std::unique_ptr<StatusReport>> build_status(const DatabaseOptions& options);
Result<std::string> read_current_version(const DatabaseOptions& options);

}  // namespace belay::engine
