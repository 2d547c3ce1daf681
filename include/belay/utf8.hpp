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

}  // namespace belay
