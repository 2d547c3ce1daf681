#include "engine/migrate.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

#include "core/cancellation.hpp"
#include "core/plan.hpp"
#include "engine/database_state.hpp"
#include "engine/migration_set.hpp"
#include "engine/run_lock.hpp"
#include "engine/step_runner.hpp"
#include "sqlite/backup.hpp"
#include "sqlite/database.hpp"
#include "sqlite/execution_guard.hpp"
#include "sqlite/history_store.hpp"
#include "sqlite/schema_inspection.hpp"

namespace belay {

namespace {

// A private directory for the dry run's copy, removed with its content when the run ends
// (also on error and on SIGINT/SIGTERM, which end the run through the normal return path).
class ScratchDirectory {
  public:
    static Result<ScratchDirectory> create() {
        std::error_code ec;
        auto base = std::filesystem::temp_directory_path(ec);
        if (ec) {
            base = "/tmp";
        }
        std::string pattern = (base / "belay-dry-run-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            return fail(ErrorCode::invalid_input,
                        "cannot create a scratch directory under {} for the dry run: {}; set "
                        "TMPDIR to a writable directory",
                        base.string(), std::strerror(errno));
        }
        return ScratchDirectory(pattern);
    }
    ScratchDirectory(ScratchDirectory&& other) noexcept : m_path(std::move(other.m_path)) {
        other.m_path.clear();
    }
    ScratchDirectory& operator=(ScratchDirectory&&) = delete;
    ~ScratchDirectory() {
        if (!m_path.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(m_path, ignored);
        }
    }
    const std::filesystem::path& path() const { return m_path; }

  private:
    explicit ScratchDirectory(std::filesystem::path path) : m_path(std::move(path)) {}
    std::filesystem::path m_path;
};

Result<std::vector<const Migration*>> plan_steps(const MigrateOptions& options,
                                                 const MigrationSet& set, const History& history,
                                                 RunReport& report) {
    const auto plan = build_plan(set.migrations, history);
    report.version_before = plan.current_version;
    report.version_after = plan.current_version;
    return select_up_steps(plan, UpPolicy{options.target, options.allow_out_of_order});
}

std::string current_version(sqlite::Database& db, const MigrateOptions& options,
                            const MigrationSet& set) {
    auto history = read_history(db, options.db.history_table);
    return history ? build_plan(set.migrations, *history).current_version : std::string("?");
}

// Applies `steps` in order on `db`, stopping at the first failure, then runs quick_check.
void run_steps(sqlite::Database& db, const std::vector<const Migration*>& steps,
               const MigrateOptions& options, RunReport& report) {
    sqlite::HistoryStore history(db, options.db.history_table);
    sqlite::ExecutionGuard guard(db, options.db.lock_timeout);
    StepContext context{db, history, guard, options};
    for (const auto* migration : steps) {
        if (report.error) {
            report.steps.push_back(StepReport{migration->version.text(),
                                              migration->name,
                                              StepResult::not_run,
                                              0,
                                              migration->up_no_transaction,
                                              {},
                                              {}});
            continue;
        }
        if (cancellation_requested()) {
            report.error = Error{ErrorCode::interrupted, "interrupted by a signal between steps"};
            report.steps.push_back(StepReport{migration->version.text(),
                                              migration->name,
                                              StepResult::not_run,
                                              0,
                                              migration->up_no_transaction,
                                              {},
                                              {}});
            continue;
        }
        auto outcome = apply_up_step(context, *migration);
        if (options.dry_run) {
            outcome.report.result =
                outcome.report.result == StepResult::applied  ? StepResult::would_apply
                : outcome.report.result == StepResult::failed ? StepResult::would_fail
                                                              : outcome.report.result;
        }
        report.steps.push_back(std::move(outcome.report));
        report.error = std::move(outcome.error);
    }
    if (!report.error) {
        auto problems = sqlite::check_integrity(db, false);
        if (!problems) {
            report.error = problems.error();
        } else if (!problems->empty()) {
            report.error = Error{ErrorCode::step_failed,
                                 fmt::format("{}: quick_check after the run reports: {}",
                                             db.path().string(), problems->front())};
        }
    }
}

Result<RunReport> migrate_in_place(const MigrateOptions& options, const MigrationSet& set,
                                   RunReport report) {
    const auto& path = options.db.database;
    std::error_code ec;
    const bool existed = std::filesystem::exists(path, ec);
    // The run lock comes first, so the history read below cannot change under this run.
    auto lock = RunLock::acquire(path, options.db.lock_timeout);
    if (!lock) {
        return std::unexpected(lock.error());
    }
    auto db =
        sqlite::Database::open(path, sqlite::OpenMode::read_write_create, options.db.lock_timeout);
    if (!db) {
        return std::unexpected(db.error());
    }
    report.created_database = !existed;
    auto history = read_history(*db, options.db.history_table);
    if (!history) {
        return std::unexpected(history.error());
    }
    auto steps = plan_steps(options, set, *history, report);
    if (!steps) {
        return std::unexpected(steps.error());
    }
    if (!steps->empty()) {
        run_steps(*db, *steps, options, report);
        report.version_after = current_version(*db, options, set);
    }
    return report;
}

// The dry run: plan against the real database opened read-only, then run the steps on a copy
// in a scratch directory. The real files are never opened for writing.
Result<RunReport> rehearse(const MigrateOptions& options, const MigrationSet& set,
                           RunReport report) {
    const auto& path = options.db.database;
    std::error_code ec;
    std::optional<sqlite::Database> source;
    History history;
    if (std::filesystem::exists(path, ec)) {
        auto opened =
            sqlite::Database::open(path, sqlite::OpenMode::read_only, options.db.lock_timeout);
        if (!opened) {
            return std::unexpected(opened.error());
        }
        auto read = read_history(*opened, options.db.history_table);
        if (!read) {
            return std::unexpected(read.error());
        }
        history = std::move(*read);
        source = std::move(*opened);
    } else {
        report.notes.push_back(fmt::format(
            "{} does not exist yet; the rehearsal starts from an empty database", path.string()));
    }
    auto steps = plan_steps(options, set, history, report);
    if (!steps || steps->empty()) {
        return steps ? Result<RunReport>(std::move(report)) : std::unexpected(steps.error());
    }
    auto scratch = ScratchDirectory::create();
    if (!scratch) {
        return std::unexpected(scratch.error());
    }
    auto copy = sqlite::Database::open(scratch->path() / path.filename(),
                                       sqlite::OpenMode::read_write_create);
    if (!copy) {
        return std::unexpected(copy.error());
    }
    if (source) {
        if (auto copied = sqlite::copy_database(*source, *copy); !copied) {
            return std::unexpected(with_context(copied.error(), "cannot rehearse"));
        }
        if (auto closed = source->close(); !closed) {
            return std::unexpected(closed.error());
        }
    }
    run_steps(*copy, *steps, options, report);
    report.version_after = current_version(*copy, options, set);
    return report;
}

}  // namespace

Result<RunReport> run_migrate(const MigrateOptions& options) {
    auto set = load_migration_set(options.db.migrations_dir);
    if (!set) {
        return std::unexpected(set.error());
    }
    if (set->migrations.empty()) {
        return fail(ErrorCode::invalid_input,
                    "{} holds no migration files (<version>_<name>.sql); create one with "
                    "`belay db create NAME` or point --migrations at the right directory",
                    options.db.migrations_dir.string());
    }
    RunReport report;
    report.database = options.db.database.string();
    report.dry_run = options.dry_run;
    report.notes = set->notes;
    return options.dry_run ? rehearse(options, *set, std::move(report))
                           : migrate_in_place(options, *set, std::move(report));
}

}  // namespace belay
