// Migration versions: a run of decimal digits of any length, compared as numbers; or, in
// Flyway's layout, several such runs joined by dots ("1.2.10"), compared part by part.
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
    // Every layout but Flyway's names its files with such versions.
    static std::optional<Version> parse(std::string_view text);

    // As parse, and also for dotted versions: runs of ASCII digits joined by single dots
    // ("1.2.10"), as Flyway numbers its migrations. Parts compare as numbers from the left, a
    // missing part counting as 0, so 1.2.10 > 1.2.9 and 1 equals 1.0 (Flyway's rule). For
    // Flyway's file names, and for versions from the history or the command line, which may
    // be Flyway's. std::nullopt for anything else ("1.", "1..2", "1.a").
    static std::optional<Version> parse_dotted(std::string_view text);

    // The version exactly as written in the file name (or the history row).
    const std::string& text() const { return m_text; }
    // The number without leading zeros ("0" for zero); for a dotted version each part so, and
    // without trailing zero parts ("01.2.0" -> "1.2"). Equal versions have equal numeric().
    const std::string& numeric() const { return m_numeric; }
    bool is_zero() const { return m_numeric == "0"; }

    std::strong_ordering operator<=>(const Version& other) const;
    bool operator==(const Version& other) const { return m_numeric == other.m_numeric; }

  private:
    Version(std::string text, std::string numeric);
    std::string m_text;
    std::string m_numeric;
};

// Compares two versions given as their numeric() forms, as Version's operator<=> does, without
// building a Version.
std::strong_ordering compare_numeric_versions(std::string_view left, std::string_view right);

}  // namespace belay
