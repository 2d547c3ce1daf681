#include "color.hpp"

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

std::string_view escape_of(Color color) {
    switch (color) {
        case Color::green:
            return "\x1b[32m";
        case Color::yellow:
            return "\x1b[33m";
        case Color::red:
            return "\x1b[31m";
        case Color::cyan:
            return "\x1b[36m";
    }
    return "";
}

std::string paint(std::string_view text, Color color, bool enabled) {
    if (!enabled) {
        return std::string(text);
    }
    return std::string(escape_of(color)) + std::string(text) + std::string(k_color_reset);
}

}  // namespace belay::cli
