// The entry points of belay/api.hpp: each hands its call to the engine, which does the work.
#include "belay/api.hpp"

#include "api/option_checks.hpp"
#include "core/error.hpp"
#include "engine/backups.hpp"
#include "engine/check.hpp"
#include "engine/create_migration.hpp"
#include "engine/dump_schema.hpp"
#include "engine/exec.hpp"
#include "engine/history_edit.hpp"
#include "engine/lint.hpp"
#include "engine/migrate.hpp"
#include "engine/migration_set.hpp"
#include "engine/restore.hpp"
#include "engine/status.hpp"
#include "engine/utf8_paths.hpp"

namespace belay {

namespace {

// The result, its error advising calls on `options.database` (with_database): an advice such
// as "clear the mark with run_history_edit(repair)" is made complete at this boundary, where
// every call on a database passes, with the database, history table, migrations and backups
// it was given.
template <typename T>
Result<T> on_database(const DatabaseOptions& options, Result<T> result) {
    if (!result) {
        return std::unexpected(with_database(options, std::move(result.error())));
    }
    return result;
}

// A run's report holds the error of a step that failed, and the call that undoes the run.
Result<RunReport> on_database(const DatabaseOptions& options, Result<RunReport> result) {
    if (result && result->error) {
        result->error = with_database(options, std::move(*result->error));
    }
    if (result && result->undo) {
        result->undo = with_database(options, std::move(*result->undo));
    }
    if (!result) {
        return std::unexpected(with_database(options, std::move(result.error())));
    }
    return result;
}

// A history edit's report holds the call that undoes the edit.
Result<HistoryEditReport> on_database(const DatabaseOptions& options,
                                      Result<HistoryEditReport> result) {
    if (result && result->undo) {
        result->undo = with_database(options, std::move(*result->undo));
    }
    if (!result) {
        return std::unexpected(with_database(options, std::move(result.error())));
    }
    return result;
}

}  // namespace

Result<MigrationSet> load_migration_set(const std::filesystem::path& directory,
                                        std::optional<Layout> layout) {
    return engine::load_migration_set(directory, layout);
}

Result<MigrationSet> load_migration_set(const std::vector<EmbeddedMigration>& migrations) {
    return engine::load_migration_set(migrations);
}

Result<MigrationSet> load_migration_set(const DatabaseOptions& options) {
    return engine::load_migration_set(options);
}

Result<std::unique_ptr<StatusReport>> build_status(const DatabaseOptions& options) {
    BELAY_TRY(check_database_options(options));
    return on_database(options, engine::build_status(options));
}

Result<std::string> read_current_version(const DatabaseOptions& options) {
    BELAY_TRY(check_database_options(options));
    return on_database(options, engine::read_current_version(options));
}

Result<RunReport> run_migrate(const MigrateOptions& options) {
    BELAY_TRY(check_database_options(options.db));
    return on_database(options.db, engine::run_migrate(options));
}

Result<RunPlan> plan_run(const MigrateOptions& options) {
    BELAY_TRY(check_database_options(options.db));
    return on_database(options.db, engine::plan_run(options));
}

Result<LintReport> run_lint(const MigrateOptions& options) {
    return engine::run_lint(options);
}

Result<Snapshot> run_backup(const BackupOptions& options) {
    BELAY_TRY(check_database_options(options.db));
    if (options.out) {
        BELAY_TRY(engine::refuse_non_utf8_out(*options.out));
    }
    return on_database(options.db, engine::run_backup(options));
}

Result<std::vector<BackupEntry>> list_backups(const DatabaseOptions& options, bool verify) {
    BELAY_TRY(check_database_options(options));
    return on_database(options, engine::list_backups(options, verify));
}

std::optional<std::size_t> find_newest_intact(std::vector<BackupEntry>& entries) {
    return engine::find_newest_intact(entries);
}

Result<PruneReport> run_prune(const PruneOptions& options,
                              std::chrono::system_clock::time_point now) {
    BELAY_TRY(check_database_options(options.db));
    return on_database(options.db, engine::run_prune(options, now));
}

Result<RestoreReport> run_restore(const RestoreOptions& options) {
    BELAY_TRY(check_database_options(options.db));
    if (options.backup) {
        BELAY_TRY(engine::refuse_non_utf8_backup(*options.backup));
    }
    return on_database(options.db, engine::run_restore(options));
}

Result<CheckReport> run_check(const CheckOptions& options) {
    BELAY_TRY(check_database_options(options.db));
    return on_database(options.db, engine::run_check(options));
}

Result<HistoryEditReport> run_history_edit(const HistoryEditOptions& options) {
    BELAY_TRY(check_database_options(options.db));
    return on_database(options.db, engine::run_history_edit(options));
}

Result<ExecReport> run_exec(const ExecOptions& options) {
    BELAY_TRY(check_database_options(options.db));
    auto result = on_database(options.db, engine::run_exec(options));
    if (result && result->error) {
        result->error = with_database(options.db, std::move(*result->error));
    }
    if (result && result->undo) {
        result->undo = with_database(options.db, std::move(*result->undo));
    }
    return result;
}

Result<DumpSchemaReport> run_dump_schema(const DumpSchemaOptions& options) {
    BELAY_TRY(check_database_options(options.run.db));
    return on_database(options.run.db, engine::run_dump_schema(options));
}

Result<std::vector<std::filesystem::path>> create_migration(
    const CreateOptions& options, std::chrono::system_clock::time_point now) {
    return engine::create_migration(options, now);
}

}  // namespace belay
