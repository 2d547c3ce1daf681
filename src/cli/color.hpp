// Colour on terminals, never in pipes, files or when NO_COLOR is set (https://no-color.org).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace belay::cli {

enum class Color { green, yellow, red, cyan };

// True when `stream` is a terminal, NO_COLOR is unset or empty, and TERM is not "dumb".
bool colors_enabled(std::FILE* stream);

// The escape code that starts `color`, and the one that ends any colour.
std::string_view escape_of(Color color);
inline constexpr std::string_view k_color_reset = "\x1b[0m";

// `text` wrapped in the colour's escape codes when `enabled`, else `text` as it is.
std::string paint(std::string_view text, Color color, bool enabled);

}  // namespace belay::cli
