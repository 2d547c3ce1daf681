// ASCII case folding for SQL keywords, directives and file names (never locale-dependent).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace belay {

inline char to_lower_ascii(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline char to_upper_ascii(char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

inline std::string to_lower_ascii(std::string_view text) {
    std::string result(text);
    std::ranges::transform(result, result.begin(), [](char c) { return to_lower_ascii(c); });
    return result;
}

inline std::string to_upper_ascii(std::string_view text) {
    std::string result(text);
    std::ranges::transform(result, result.begin(), [](char c) { return to_upper_ascii(c); });
    return result;
}

// Equal but for ASCII case: how SQLite compares identifiers, how belay compares directives.
inline bool iequals_ascii(std::string_view a, std::string_view b) {
    return std::ranges::equal(
        a, b, {}, [](char c) { return to_lower_ascii(c); },
        [](char c) { return to_lower_ascii(c); });
}

// `text` begins with `prefix`, but for ASCII case (what SQL's LIKE 'prefix%' matches).
inline bool starts_with_ascii_nocase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && iequals_ascii(text.substr(0, prefix.size()), prefix);
}

// `needle` occurs in `text`, but for ASCII case (what SQL's LIKE '%needle%' matches).
inline bool contains_ascii_nocase(std::string_view text, std::string_view needle) {
    const auto same = [](char a, char b) { return to_lower_ascii(a) == to_lower_ascii(b); };
    return needle.empty() || !std::ranges::search(text, needle, same).empty();
}

// `text` without the spaces and tabs around it, nor a CR at its end (a line of a file written
// with CRLF endings).
inline std::string_view trim_blanks(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    return text;
}

}  // namespace belay
