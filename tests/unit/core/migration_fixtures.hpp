// Migrations and history rows as the loader and the history store would give them, for the
// planner's tests.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "belay/history.hpp"
#include "belay/migration.hpp"
#include "support/expect.hpp"

namespace belay::fixtures {

inline Version v(std::string_view text) {
    auto version = Version::parse(text);
    if (!version) {
        throw std::invalid_argument(std::string(text));
    }
    return *version;
}

inline std::string checksum_of(std::string_view version) {
    return "sum-" + std::string(version);
}

// A migration file as load_migrations would give it; the checksum is derived from the version
// unless a test wants a file that differs from what was applied.
inline Migration file(std::string_view version, std::string name, std::string checksum = {}) {
    Migration m{v(version), std::move(name),    {}, {}, {}, {}, false, false, std::nullopt,
                {},         Layout::sql_migrate};
    m.path = std::string(version) + "_" + m.name + ".sql";
    m.up.present = true;
    m.up.sql = "SELECT 1;\n";
    m.checksum = checksum.empty() ? checksum_of(version) : std::move(checksum);
    return m;
}

inline AppliedMigration applied(std::string_view version, std::string name,
                                std::string checksum = {}) {
    return AppliedMigration{std::string(version),
                            std::move(name),
                            checksum.empty() ? checksum_of(version) : std::move(checksum),
                            "2026-01-02T03:04:05Z",
                            12,
                            "fingerprint"};
}

}  // namespace belay::fixtures
