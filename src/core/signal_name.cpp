#include <cstring>
#include <string>

#include <fmt/format.h>

#include "belay/exec.hpp"

namespace belay {

std::string signal_name(int signal) {
    const char* abbreviation = sigabbrev_np(signal);
    return abbreviation != nullptr ? fmt::format("SIG{}", abbreviation)
                                   : fmt::format("signal {}", signal);
}

}  // namespace belay
