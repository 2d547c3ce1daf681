// What the fuzz targets share: an invariant check that libFuzzer reports as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace belay::fuzz {

// Aborts with `what` on stderr unless `condition` holds. libFuzzer treats the abort as a crash
// and saves the input that caused it, so a broken invariant is found like a sanitizer report.
inline void require(bool condition, std::string_view what) {
    if (!condition) {
        std::fprintf(stderr, "belay fuzz invariant broken: %.*s\n", static_cast<int>(what.size()),
                     what.data());
        std::abort();
    }
}

}  // namespace belay::fuzz
