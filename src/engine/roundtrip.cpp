#include "engine/roundtrip.hpp"

#include <fmt/format.h>

#include "core/plan.hpp"
#include "engine/database_state.hpp"
#include "engine/migration_set.hpp"
#include "engine/scratch_run.hpp"
#include "sqlite/logical_schema.hpp"

namespace belay::engine {

namespace {

struct Scratch {
    ScratchRun& run;
    const std::string& history_table;

    Result<std::vector<std::string>> schema() {
        return sqlite::logical_schema(run.db(), history_table);
    }
    // Runs one step; the error message when it failed.
    std::optional<std::string> step(const Migration& migration, Direction direction) {
        auto outcome = run.apply(migration, direction);
        if (outcome.error) {
            return outcome.error->message;
        }
        return std::nullopt;
    }
};

RoundtripResult failed(RoundtripResult result, std::string problem) {
    result.outcome = "failed";
    result.problems.push_back(std::move(problem));
    return result;
}

// Up, Down, compare, Up again, compare. Sets `stop` when the database is not at this
// migration's Up afterwards, so later migrations cannot be checked.
Result<RoundtripResult> round_trip(Scratch& scratch, const Migration& migration, bool& stop) {
    RoundtripResult result{migration.version.text(), migration.name, "ok", {}};
    auto before = scratch.schema();
    BELAY_TRY(before);
    if (auto error = scratch.step(migration, Direction::up)) {
        stop = true;
        return failed(std::move(result),
                      "Up failed on the schema of the migrations before it: " + *error);
    }
    if (!migration.down.present) {
        result.outcome = "no Down section";
        return result;
    }
    auto after_up = scratch.schema();
    BELAY_TRY(after_up);
    if (auto error = scratch.step(migration, Direction::down)) {
        return failed(std::move(result), "Down failed right after Up: " + *error);
    }
    auto after_down = scratch.schema();
    BELAY_TRY(after_down);
    for (auto& difference : sqlite::logical_differences(*before, *after_down)) {
        result.outcome = "differs";
        result.problems.push_back("after Up and Down, " + difference);
    }
    if (auto error = scratch.step(migration, Direction::up)) {
        stop = true;
        return failed(std::move(result), "Up failed after its own Down: " + *error);
    }
    auto again = scratch.schema();
    BELAY_TRY(again);
    for (auto& difference : sqlite::logical_differences(*after_up, *again)) {
        result.outcome = "differs";
        result.problems.push_back("Up after Down, compared with the first Up, " + difference);
    }
    return result;
}

// Round-trips `migrations` in order, stopping after an Up that fails; false when it stopped
// before the last.
Result<bool> round_trip_each(Scratch& scratch, const std::vector<const Migration*>& migrations,
                             std::vector<RoundtripResult>& results) {
    for (const auto* migration : migrations) {
        bool stop = false;
        auto result = round_trip(scratch, *migration, stop);
        BELAY_TRY(result);
        results.push_back(std::move(*result));
        if (stop) {
            return migration == migrations.back();
        }
    }
    return true;
}

}  // namespace

Result<RoundtripReport> run_roundtrip(const MigrateOptions& options) {
    auto set = load_migration_set(options.db);
    BELAY_TRY(set);
    auto run = ScratchRun::create("belay-roundtrip", options);
    BELAY_TRY(run);
    Scratch scratch{*run, options.db.history_table};
    RoundtripReport report;
    std::vector<const Migration*> all;
    for (const auto& migration : set->migrations) {
        all.push_back(&migration);
    }
    auto complete = round_trip_each(scratch, all, report.migrations);
    BELAY_TRY(complete);
    report.complete = *complete;
    // Which migrations are pending comes from belay's history: without it (another tool's
    // history table, or a belay_* object belay did not make) the copy cannot be round-tripped.
    // Read on the database itself, so that what is said names it, never the scratch copy.
    auto state = read_any_database_state(options.db);
    BELAY_TRY(state);
    if (!state->state.exists) {
        return report;
    }
    if (state->not_belays) {
        report.on_copy_skipped =
            said("it needs belay's history to tell which migrations are pending there: {}",
                 *state->not_belays);
        return report;
    }
    auto copy = ScratchRun::create_copy("belay-roundtrip-copy", options);
    BELAY_TRY(copy);
    auto history = read_history(copy->db(), options.db.history_table);
    BELAY_TRY(history);
    std::vector<const Migration*> pending;
    const auto plan = build_plan(set->migrations, *history);  // pending() points into it
    for (const auto* entry : plan.pending()) {
        pending.push_back(entry->migration);
    }
    Scratch on_copy{*copy, options.db.history_table};
    BELAY_TRY(round_trip_each(on_copy, pending, report.on_copy));
    return report;
}

}  // namespace belay::engine
