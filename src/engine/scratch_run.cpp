#include "engine/scratch_run.hpp"

#include "engine/scratch_directory.hpp"
#include "sqlite/backup.hpp"
#include "sqlite/database.hpp"
#include "sqlite/execution_guard.hpp"
#include "sqlite/history_store.hpp"

namespace belay::engine {

// Declared in the order they must be built (and, reversed, torn down): the guard and the
// store use the connection, the connection lives in the directory.
struct ScratchRun::State {
    ScratchDirectory directory;
    sqlite::Database db;
    sqlite::HistoryStore history;
    sqlite::ExecutionGuard guard;
    StepContext context;

    State(ScratchDirectory dir, sqlite::Database database, const MigrateOptions& options)
        : directory(std::move(dir)),
          db(std::move(database)),
          history(db, options.db.history_table),
          guard(db, options.db.lock_timeout),
          context{.db = db, .history = history, .guard = guard, .options = options} {}
};

Result<ScratchRun> ScratchRun::create(std::string_view purpose, const MigrateOptions& options) {
    auto directory = ScratchDirectory::create(purpose);
    BELAY_TRY(directory);
    auto db = sqlite::Database::open(directory->path() / "scratch.db",
                                     sqlite::OpenMode::read_write_create);
    BELAY_TRY(db);
    return ScratchRun(std::make_unique<State>(std::move(*directory), std::move(*db), options));
}

Result<ScratchRun> ScratchRun::create_copy(std::string_view purpose,
                                           const MigrateOptions& options) {
    auto source = sqlite::Database::open(options.db.database, sqlite::OpenMode::read_only,
                                         options.db.lock_timeout);
    BELAY_TRY(source);
    auto run = create(purpose, options);
    if (!run) {
        return run;
    }
    if (auto copied = sqlite::copy_database(*source, run->db()); !copied) {
        return std::unexpected(with_context(copied.error(), "cannot copy the database"));
    }
    return run;
}

ScratchRun::ScratchRun(std::unique_ptr<State> state) : m_state(std::move(state)) {}
ScratchRun::ScratchRun(ScratchRun&&) noexcept = default;
ScratchRun::~ScratchRun() = default;

sqlite::Database& ScratchRun::db() {
    return m_state->db;
}

StepOutcome ScratchRun::apply(const RepeatableMigration& repeatable) {
    return apply_repeatable(m_state->context, repeatable);
}

StepOutcome ScratchRun::apply(const Migration& migration, Direction direction) {
    return apply_step(m_state->context, migration, direction);
}

}  // namespace belay::engine
