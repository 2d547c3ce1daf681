// belay's own logger (not spdlog's default one, which belongs to the program): set up by
// set_log (belay/log.hpp), used everywhere inside the library.
#pragma once

#include <memory>

#include <spdlog/logger.h>

#include "belay/log.hpp"

namespace belay {

// The current logger; hold the copy for as long as the line takes.
std::shared_ptr<spdlog::logger> logger();

}  // namespace belay
