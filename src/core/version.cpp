#include "belay/version.hpp"

#include <algorithm>

namespace belay {

Version::Version(std::string text, std::string numeric)
    : m_text(std::move(text)), m_numeric(std::move(numeric)) {}

std::optional<Version> Version::parse(std::string_view text) {
    if (text.empty() || !std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    const auto first_nonzero = text.find_first_not_of('0');
    std::string numeric =
        first_nonzero == std::string_view::npos ? "0" : std::string(text.substr(first_nonzero));
    return Version(std::string(text), std::move(numeric));
}

std::strong_ordering Version::operator<=>(const Version& other) const {
    // Without leading zeros, a longer number is larger; equal lengths compare digit by digit.
    if (auto by_length = m_numeric.size() <=> other.m_numeric.size(); by_length != 0) {
        return by_length;
    }
    return m_numeric.compare(other.m_numeric) <=> 0;
}

}  // namespace belay
