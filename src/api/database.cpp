#include "belay/database.hpp"

#include <filesystem>

#include "api/option_checks.hpp"
#include "belay/api.hpp"
#include "core/error.hpp"
#include "engine/database_state.hpp"
#include "engine/migration_set.hpp"

namespace belay {

Result<Database> Database::open(DatabaseOptions options) {
    if (options.database.empty()) {
        return fail(ErrorCode::invalid_input, "no database path given; set {} to the SQLite file",
                    Option::database);
    }
    BELAY_TRY(check_database_options(options));
    const auto directory = options.database.parent_path();
    std::error_code ec;
    if (!directory.empty() && !std::filesystem::is_directory(directory, ec)) {
        return fail(directory, ErrorCode::invalid_input,
                    "database {}: the directory {} does not exist; create it first",
                    options.database.string(), directory.string());
    }
    BELAY_TRY(engine::load_migration_set(options));
    // Another tool's history table is no reason to refuse: backups, restores and checks work
    // on any database; status() and migrate() refuse it themselves.
    if (auto state = engine::read_any_database_state(options); !state) {
        return std::unexpected(with_database(options, std::move(state.error())));
    }
    return Database(std::move(options));
}

Result<std::unique_ptr<StatusReport>> Database::status() const {
    return build_status(m_options);
}

Result<RunPlan> Database::plan(MigrateOptions run) const {
    run.db = m_options;
    return plan_run(run);
}

Result<RunReport> Database::migrate(MigrateOptions run) const {
    run.db = m_options;
    return run_migrate(run);
}

Result<Snapshot> Database::backup(BackupOptions backup) const {
    backup.db = m_options;
    return run_backup(backup);
}

Result<std::vector<BackupEntry>> Database::backups(bool verify) const {
    return list_backups(m_options, verify);
}

Result<RestoreReport> Database::restore(RestoreOptions restore) const {
    restore.db = m_options;
    return run_restore(restore);
}

Result<PruneReport> Database::prune(PruneOptions prune) const {
    prune.db = m_options;
    return run_prune(prune, std::chrono::system_clock::now());
}

Result<CheckReport> Database::check(CheckOptions check) const {
    check.db = m_options;
    return run_check(check);
}

}  // namespace belay
