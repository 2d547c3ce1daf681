// A database of belay's own in a scratch directory, with everything a step needs to run there:
// the round trip, lint's column check and dump-schema's check build on one.
#pragma once

#include <memory>
#include <string_view>

#include "belay/options.hpp"
#include "engine/step_runner.hpp"

namespace belay::engine {

class ScratchRun {
  public:
    // A new, empty database in a new scratch directory named after `purpose`. Fails like
    // ScratchDirectory::create and sqlite::Database::open.
    static Result<ScratchRun> create(std::string_view purpose, const MigrateOptions& options);
    // The same, holding a copy of options.db.database made with the backup API (the database
    // itself is only read). Fails as create does, or when the database cannot be copied.
    static Result<ScratchRun> create_copy(std::string_view purpose, const MigrateOptions& options);
    ScratchRun(ScratchRun&&) noexcept;
    ScratchRun& operator=(ScratchRun&&) = delete;
    ~ScratchRun();

    sqlite::Database& db();
    // Runs one step as a real run would (see apply_step).
    StepOutcome apply(const Migration& migration, Direction direction);
    // Applies a repeatable migration as a real run would (see apply_repeatable).
    StepOutcome apply(const RepeatableMigration& repeatable);

  private:
    struct State;
    explicit ScratchRun(std::unique_ptr<State> state);
    std::unique_ptr<State> m_state;
};

}  // namespace belay::engine
