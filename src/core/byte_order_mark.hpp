// The UTF-8 byte-order mark a Windows editor puts before a file's text, which the tools whose
// files belay reads skip.
#pragma once

#include <string_view>

namespace belay {

// The UTF-8 byte-order mark, U+FEFF.
inline constexpr std::string_view k_byte_order_mark = "\xEF\xBB\xBF";

// `text` without a leading UTF-8 byte-order mark.
inline std::string_view without_byte_order_mark(std::string_view text) {
    return text.starts_with(k_byte_order_mark) ? text.substr(k_byte_order_mark.size()) : text;
}

}  // namespace belay
