// What every renderer shares: writing a JSON document, escaping file text, sizes for people.
#include "render.hpp"

#include <fmt/format.h>

#include "belay/utf8.hpp"

namespace belay::cli {

// Never throws: text that is not UTF-8 (a file's bytes quoted in a message) is written with
// U+FFFD in place of each bad byte, so a command that did its work always reports it.
void print_json(std::FILE* out, const nlohmann::json& document) {
    fmt::print(out, "{}\n", document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string printable(std::string_view raw, bool keep_line_breaks) {
    const std::string escaped = is_valid_utf8(raw) ? std::string() : escape_invalid_utf8(raw);
    const std::string_view text = escaped.empty() ? raw : std::string_view(escaped);
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        const bool line_break = byte == '\n' || byte == '\t';
        if ((byte < 0x20 && !(keep_line_breaks && line_break)) || byte == 0x7f) {
            out += fmt::format("\\x{:02x}", byte);
        } else if (const auto invisible = invisible_character_at(text.substr(i));
                   invisible.length != 0) {
            // Shown, where a terminal shows nothing (or a blank): it may be the problem.
            out += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(invisible.code_point));
            i += invisible.length - 1;
        } else if (byte == 0xc2 && i + 1 < text.size() &&
                   static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[++i]));
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string human_size(std::uintmax_t bytes) {
    static constexpr const char* k_units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    auto value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < std::size(k_units)) {
        value /= 1024.0;
        ++unit;
    }
    return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, k_units[unit]);
}

}  // namespace belay::cli
