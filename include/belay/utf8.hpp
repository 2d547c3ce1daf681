// UTF-8 checks for text belay writes as JSON (sidecars, reports), which holds UTF-8 only: a path
// or a file name on Linux is any bytes but '/' and NUL. The calls refuse such paths themselves
// (belay/api.hpp); a program can check a value with these before it passes it, and name it in
// its own words.
#pragma once

#include <string>
#include <string_view>

namespace belay {

// True when `text` is well-formed UTF-8 (Unicode's table 3-7: no overlong forms, no surrogates,
// nothing past U+10FFFF), as a JSON writer requires.
bool is_valid_utf8(std::string_view text);

// `text` with every byte that is not part of a well-formed UTF-8 sequence written as \xNN, so
// a message can name such a path readably and stay valid UTF-8 itself.
std::string escape_invalid_utf8(std::string_view text);

// The code point of the invisible character `text` starts with, and its length in bytes: a
// character that editors and terminals show as nothing or as a plain blank, so that a line
// holding one reads as something it is not. They are the byte-order mark (U+FEFF), the no-break
// space (U+00A0), the soft hyphen (U+00AD), the zero-width spaces, joiners and direction marks
// (U+200B to U+200F), the line and paragraph separators and direction embeddings (U+2028 to
// U+202E), the word joiner and invisible operators (U+2060 to U+2064) and the direction
// isolates (U+2066 to U+2069). {0, 0} when `text` starts with none of them.
struct InvisibleCharacter {
    char32_t code_point = 0;
    std::size_t length = 0;
};
InvisibleCharacter invisible_character_at(std::string_view text);

}  // namespace belay
