// The UTF-8 byte-order mark a Windows editor puts before a file's text, which the tools whose
// files belay reads skip.
#pragma once

#include <string_view>

namespace belay {

// `text` without a leading UTF-8 byte-order mark (EF BB BF).
inline std::string_view without_byte_order_mark(std::string_view text) {
    constexpr std::string_view mark = "\xEF\xBB\xBF";
    return text.starts_with(mark) ? text.substr(mark.size()) : text;
}

}  // namespace belay
