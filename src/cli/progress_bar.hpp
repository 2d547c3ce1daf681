// A progress bar on stderr for long backups: bytes copied, MB/s and time left.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "options.hpp"

namespace belay::cli {

// The callback to hand to the engine, or an empty function when no bar should show: stderr is
// not a terminal, or --json, -q or --log-level off was given. Copies under 64 MB draw nothing.
std::function<void(std::int64_t, std::int64_t, std::int64_t)> progress_bar_for(
    const CommonOptions& options);

}  // namespace belay::cli
