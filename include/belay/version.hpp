// Migration versions: a run of decimal digits of any length, compared as numbers.
//
// Real projects use 0001, 14-digit timestamps and 20-digit versions that overflow int64, so a
// Version keeps the digits as text. "0001" and "1" are equal as numbers (two files with those
// versions are a duplicate), but each keeps its own spelling for display and for the history.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace belay {

class Version {
  public:
    // Returns a Version for a non-empty string of ASCII digits, std::nullopt for anything else.
    static std::optional<Version> parse(std::string_view text);

    // The digits exactly as written in the file name (or the history row).
    const std::string& text() const { return m_text; }
    // The number without leading zeros ("0" for zero); equal versions have equal numeric().
    const std::string& numeric() const { return m_numeric; }
    bool is_zero() const { return m_numeric == "0"; }

    std::strong_ordering operator<=>(const Version& other) const;
    bool operator==(const Version& other) const { return m_numeric == other.m_numeric; }

  private:
    Version(std::string text, std::string numeric);
    std::string m_text;
    std::string m_numeric;
};

}  // namespace belay
