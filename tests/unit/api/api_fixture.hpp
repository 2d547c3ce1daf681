// What the tests of the public calls share: a fresh directory per test, the database and
// migrations directory in it, and options that point at them.
#pragma once

#include <sqlite3.h>

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

    // A backup of other.db, a database beside app.db, with app.db made too: what a restore of
    // another database's backup is given. Fails the test when the backup cannot be taken.
    std::filesystem::path backup_of_another_database() const {
        exec_sql(m_dir / "other.db", "CREATE TABLE t (x);");
        BackupOptions other;
        other.db.database = m_dir / "other.db";
        auto taken = run_backup(other);
        EXPECT_TRUE(taken) << taken.error().message;
        exec_sql(db(), "CREATE TABLE t (x);");
        return taken ? taken->path : std::filesystem::path();
    }

    TempDir m_dir;

  private:
    static void exec_sql(const std::filesystem::path& file, const char* sql) {
        sqlite3* handle = nullptr;
        EXPECT_EQ(sqlite3_open(file.c_str(), &handle), SQLITE_OK);
        EXPECT_EQ(sqlite3_exec(handle, sql, nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(handle);
    }
};

}  // namespace belay::testing
