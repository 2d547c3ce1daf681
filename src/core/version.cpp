#include "belay/version.hpp"

#include <algorithm>

namespace belay {

namespace {

bool all_digits(std::string_view text) {
    return !text.empty() && std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view without_leading_zeros(std::string_view digits) {
    const auto first_nonzero = digits.find_first_not_of('0');
    return first_nonzero == std::string_view::npos ? std::string_view("0")
                                                   : digits.substr(first_nonzero);
}

// Two runs of digits without leading zeros: a longer number is larger, equal lengths compare
// digit by digit.
std::strong_ordering compare_parts(std::string_view left, std::string_view right) {
    if (auto by_length = left.size() <=> right.size(); by_length != 0) {
        return by_length;
    }
    return left.compare(right) <=> 0;
}

// The first part of a dotted numeric form, removed from `text` with its dot; "0" once `text`
// is used up, so that a missing part counts as zero.
std::string_view take_part(std::string_view& text) {
    if (text.empty()) {
        return "0";
    }
    const auto dot = text.find('.');
    const auto part = text.substr(0, dot);
    text.remove_prefix(dot == std::string_view::npos ? text.size() : dot + 1);
    return part;
}

}  // namespace

Version::Version(std::string text, std::string numeric)
    : m_text(std::move(text)), m_numeric(std::move(numeric)) {}

std::optional<Version> Version::parse(std::string_view text) {
    if (!all_digits(text)) {
        return std::nullopt;
    }
    return Version(std::string(text), std::string(without_leading_zeros(text)));
}

std::optional<Version> Version::parse_dotted(std::string_view text) {
    if (text.empty() || text.ends_with('.')) {
        return std::nullopt;
    }
    std::string numeric;
    std::string_view rest = text;
    do {
        const auto part = take_part(rest);
        if (!all_digits(part)) {
            return std::nullopt;  // empty ("1.", "1..2", ".1") or not digits
        }
        numeric += numeric.empty() ? "" : ".";
        numeric += without_leading_zeros(part);
    } while (!rest.empty());
    // Trailing zero parts change nothing (1.0 is 1), so numeric() drops them.
    while (numeric.ends_with(".0")) {
        numeric.resize(numeric.size() - 2);
    }
    return Version(std::string(text), std::move(numeric));
}

std::strong_ordering compare_numeric_versions(std::string_view left, std::string_view right) {
    if (left.find('.') == std::string_view::npos && right.find('.') == std::string_view::npos) {
        return compare_parts(left, right);  // the usual case: plain numbers
    }
    while (!left.empty() || !right.empty()) {
        if (auto by_part = compare_parts(take_part(left), take_part(right)); by_part != 0) {
            return by_part;
        }
    }
    return std::strong_ordering::equal;
}

std::strong_ordering Version::operator<=>(const Version& other) const {
    return compare_numeric_versions(m_numeric, other.m_numeric);
}

}  // namespace belay
