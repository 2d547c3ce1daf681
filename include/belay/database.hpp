// A database belay looks after, and every call on it, in one place.
//
// Database names a database file and how belay reaches it (its migrations, history table,
// lock timeout, backup directory); it holds no connection. Each call opens the database and
// closes it before it returns (migrate and restore also take belay's run lock, and release
// it), so a program's own connections are never blocked between calls. Every method is the free
// function of belay/api.hpp of the same name (run_migrate, run_backup, ...) with this
// database's options filled in; the failure contracts are theirs.
#pragma once

#include <chrono>
#include <memory>

#include "belay/backup.hpp"
#include "belay/check.hpp"
#include "belay/error.hpp"
#include "belay/migrate.hpp"
#include "belay/options.hpp"
#include "belay/restore.hpp"
#include "belay/status.hpp"

namespace belay {

class Database {
  public:
    // Checks that `options` can be used before anything is done with them: the path is given,
    // its directory exists, and an existing file is an SQLite database. A file that does not
    // exist yet is fine: migrate() creates it. The migrations are loaded and checked as well
    // (from the directory, or the embedded list). Another tool's history table is accepted:
    // backup(), backups(), restore(), prune() and check() work on any database, while status(),
    // plan() and migrate() refuse it (refused). Fails with invalid_input (naming the path or
    // migration and what to do) or busy. Writes nothing.
    static Result<Database> open(DatabaseOptions options);

    const DatabaseOptions& options() const { return m_options; }

    // Which migrations are applied, pending, failed, dirty, modified or missing.
    Result<std::unique_ptr<StatusReport>> status() const;
    // The steps migrate(run) would take now, without taking them.
    Result<RunPlan> plan(MigrateOptions run = {}) const;
    // Snapshot, then the steps of run.operation (migrate by default), each in its own
    // transaction, validated and bounded by run.step_timeout. See run_migrate: errors before
    // the first step are the unexpected value, a failed step is report.error.
    Result<RunReport> migrate(MigrateOptions run = {}) const;
    // A verified backup now.
    Result<Snapshot> backup(BackupOptions backup = {}) const;
    // This database's backups, newest first (verified when `verify`).
    Result<std::vector<BackupEntry>> backups(bool verify) const;
    // Puts a backup back (with a safety snapshot of what it replaces). A program has no
    // terminal to confirm on: set restore.assume_yes.
    Result<RestoreReport> restore(RestoreOptions restore) const;
    // Removes old backups, never the newest intact one.
    Result<PruneReport> prune(PruneOptions prune = {}) const;
    // Integrity, foreign keys, views, triggers, history and drift; findings are in the report.
    Result<CheckReport> check(CheckOptions check = {}) const;

  private:
    explicit Database(DatabaseOptions options) : m_options(std::move(options)) {}
    DatabaseOptions m_options;
};

}  // namespace belay
