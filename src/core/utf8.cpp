#include "belay/utf8.hpp"

#include <fmt/format.h>

namespace belay {

namespace {

// The length of the well-formed UTF-8 sequence at the start of `text`, 0 when there is none.
std::size_t sequence_length(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const auto lead = byte(0);
    if (lead < 0x80) {
        return 1;
    }
    // The second byte's range depends on the lead (overlongs, surrogates, > U+10FFFF); later
    // continuation bytes are 0x80..0xBF.
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        low = lead == 0xe0 ? 0xa0 : 0x80;
        high = lead == 0xed ? 0x9f : 0xbf;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        low = lead == 0xf0 ? 0x90 : 0x80;
        high = lead == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (text.size() < length || byte(1) < low || byte(1) > high) {
        return 0;
    }
    for (std::size_t i = 2; i < length; ++i) {
        if (byte(i) < 0x80 || byte(i) > 0xbf) {
            return 0;
        }
    }
    return length;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
    while (!text.empty()) {
        const auto length = sequence_length(text);
        if (length == 0) {
            return false;
        }
        text.remove_prefix(length);
    }
    return true;
}

InvisibleCharacter invisible_character_at(std::string_view text) {
    const auto byte = [&](std::size_t i) {
        return i < text.size() ? static_cast<unsigned char>(text[i]) : 0U;
    };
    if (byte(0) == 0xc2 && (byte(1) == 0xa0 || byte(1) == 0xad)) {
        return {static_cast<char32_t>(byte(1)), 2};
    }
    if (byte(0) == 0xef && byte(1) == 0xbb && byte(2) == 0xbf) {
        return {0xfeff, 3};
    }
    if (byte(0) != 0xe2 || (byte(1) != 0x80 && byte(1) != 0x81)) {
        return {};
    }
    const char32_t code_point = 0x2000 + ((byte(1) & 0x3fU) << 6U) + (byte(2) & 0x3fU);
    const bool invisible = (code_point >= 0x200b && code_point <= 0x200f) ||
                           (code_point >= 0x2028 && code_point <= 0x202e) ||
                           (code_point >= 0x2060 && code_point <= 0x2064) ||
                           (code_point >= 0x2066 && code_point <= 0x2069);
    return invisible && (byte(2) & 0xc0U) == 0x80 ? InvisibleCharacter{code_point, 3}
                                                  : InvisibleCharacter{};
}

std::string escape_invalid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        const auto length = sequence_length(text);
        if (length == 0) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[0]));
            text.remove_prefix(1);
        } else {
            out += text.substr(0, length);
            text.remove_prefix(length);
        }
    }
    return out;
}

}  // namespace belay
