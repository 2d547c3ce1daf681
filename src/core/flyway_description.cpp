// Flyway's descriptions of repeatable migrations, and the order it applies them in.
#include <algorithm>
#include <cstdint>

#include "core/migration_flyway.hpp"

namespace belay {

namespace {

// The code point of the UTF-8 sequence at `at` (advancing `at` past it), as a key that orders
// like Java's UTF-16 code units: a code point above U+FFFF is a surrogate pair there
// (D800..DBFF first), so it sorts before U+E000..U+FFFF, which are raised above every other key.
// A byte that does not start a sequence is its own key.
std::uint32_t next_utf16_key(std::string_view text, std::size_t& at) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const auto lead = byte(at);
    std::size_t length = 1;
    std::uint32_t point = lead;
    if (lead >= 0xc0 && lead < 0xe0) {
        length = 2;
        point = lead & 0x1fu;
    } else if (lead >= 0xe0 && lead < 0xf0) {
        length = 3;
        point = lead & 0x0fu;
    } else if (lead >= 0xf0 && lead < 0xf8) {
        length = 4;
        point = lead & 0x07u;
    }
    if (length > 1 && at + length <= text.size() &&
        std::all_of(text.begin() + static_cast<std::ptrdiff_t>(at + 1),
                    text.begin() + static_cast<std::ptrdiff_t>(at + length),
                    [](char c) { return (static_cast<unsigned char>(c) & 0xc0u) == 0x80u; })) {
        for (std::size_t i = 1; i < length; ++i) {
            point = (point << 6) | (byte(at + i) & 0x3fu);
        }
    } else {
        length = 1;
        point = lead;
    }
    at += length;
    constexpr std::uint32_t k_above_every_code_point = 0x110000;
    return point >= 0xe000 && point <= 0xffff ? point + k_above_every_code_point : point;
}

}  // namespace

std::string flyway_description(std::string_view name) {
    std::string description(name);
    std::ranges::replace(description, '_', ' ');
    return description;
}

bool flyway_description_less(std::string_view left_name, std::string_view right_name) {
    const auto left = flyway_description(left_name);
    const auto right = flyway_description(right_name);
    std::size_t l = 0;
    std::size_t r = 0;
    while (l < left.size() && r < right.size()) {
        const auto a = next_utf16_key(left, l);
        const auto b = next_utf16_key(right, r);
        if (a != b) {
            return a < b;
        }
    }
    return l == left.size() && r < right.size();
}

}  // namespace belay
