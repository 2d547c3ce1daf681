// `db create`: the engine's side of belay::create_migration (belay/api.hpp gives the contract;
// src/api calls it).
#pragma once

#include <chrono>
#include <filesystem>
#include <vector>

#include "belay/create.hpp"
#include "belay/error.hpp"

namespace belay::engine {

Result<std::vector<std::filesystem::path>> create_migration(
    const CreateOptions& options, std::chrono::system_clock::time_point now);

}  // namespace belay::engine
