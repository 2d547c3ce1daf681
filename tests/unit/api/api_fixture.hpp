// What the tests of the public calls share: a fresh directory per test, the database and
// migrations directory in it, and options that point at them.
#pragma once

#include <filesystem>

#include <gtest/gtest.h>

#include <belay/belay.hpp>

#include "support/temp_dir.hpp"

namespace belay::testing {

class ApiTest : public ::testing::Test {
  protected:
    std::filesystem::path db() const { return m_dir / "app.db"; }
    std::filesystem::path migrations() const { return m_dir / "migrations"; }

    // app.db and migrations/ in this test's directory; every other option its default.
    DatabaseOptions options() const {
        DatabaseOptions options;
        options.database = db();
        options.migrations_dir = migrations();
        return options;
    }

    // A run on options() without a snapshot (the tests look at its errors, not its backups).
    MigrateOptions migrate_options() const {
        MigrateOptions options;
        options.db = this->options();
        options.backup = false;
        return options;
    }

    TempDir m_dir;
};

}  // namespace belay::testing
