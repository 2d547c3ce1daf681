#include "cli/color.hpp"

#include <unistd.h>

#include <cstdlib>

namespace belay::cli {

bool colors_enabled(std::FILE* stream) {
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color != nullptr && *no_color != '\0') {
        return false;
    }
    const char* term = std::getenv("TERM");
    if (term != nullptr && std::string_view(term) == "dumb") {
        return false;
    }
    return ::isatty(::fileno(stream)) != 0;
}

std::string paint(std::string_view text, Color color, bool enabled) {
    if (!enabled) {
        return std::string(text);
    }
    const char* code = "";
    switch (color) {
        case Color::green:
            code = "\x1b[32m";
            break;
        case Color::yellow:
            code = "\x1b[33m";
            break;
        case Color::red:
            code = "\x1b[31m";
            break;
        case Color::cyan:
            code = "\x1b[36m";
            break;
    }
    return std::string(code) + std::string(text) + "\x1b[0m";
}

}  // namespace belay::cli
