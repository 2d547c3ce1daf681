// Files x history -> what each migration's status is, and which steps a run may take.
//
// Planning needs no database handle: it works on the loaded files and the history rows, so the
// decision to refuse an unsafe run is made before anything is written.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "belay/history.hpp"
#include "belay/migration.hpp"
#include "belay/plan.hpp"
#include "core/error.hpp"

namespace belay {

// Builds the status of every version. `migrations` must be sorted ascending (load_migrations
// does this). History rows whose version text is not a version (digits, or Flyway's dotted
// form) are reported as missing.
Plan build_plan(std::span<const Migration> migrations, const History& history);

// Where each repeatable migration stands against the history's belay_repeatable rows, in the
// order of `repeatables` (a run's order). Rows no file has any more are left out: what such a
// file created stays in the database, and nothing runs for it.
std::vector<RepeatableEntry> plan_repeatables(std::span<const RepeatableMigration> repeatables,
                                              const History& history);

// The repeatable migrations a run applies, in order: each one pending or changed.
std::vector<const RepeatableMigration*> repeatables_due(
    std::span<const RepeatableMigration> repeatables, const History& history);

// The migration a step runs for `repeatable`: its file as the Up section, no Down, and version
// 0, which nothing records (a repeatable's step writes its belay_repeatable row instead).
Migration step_of(const RepeatableMigration& repeatable);

// True when the plan's migrations are compiled into the program (embedded): a missing one is
// gone from the program's list, not from a directory, and the advice says so.
bool from_program(const Plan& plan);

struct UpPolicy {
    // --to: stop after this version, which a migration file has (refuse_unknown_up_target).
    std::optional<Version> target;
    bool allow_out_of_order = false;
};

// Fails with invalid_input when no migration of `migrations` has version `target`: a run up to
// it could not stop where it was asked to. Checked before the database is opened (or created).
Result<void> refuse_unknown_up_target(std::span<const Migration> migrations, const Version& target);

// The migrations a `migrate` run applies, in order. Refuses (ErrorCode::refused), listing every
// reason, when a dirty mark stands, an applied file was modified or deleted, or a pending
// migration is older than the newest applied one without allow_out_of_order.
Result<std::vector<const Migration*>> select_up_steps(const Plan& plan, const UpPolicy& policy);

struct DownPolicy {
    // --to: undo every applied migration newer than this version and leave it applied ("0"
    // undoes all). When unset, `steps` counts the newest applied migrations to undo.
    std::optional<Version> target;
    int steps = 1;
    // A migration without a Down section is reverted as a no-op (goose's way) instead of
    // refused.
    bool allow_missing_down = false;
};

// The migrations a `down` run reverts, newest first. Refuses (ErrorCode::refused), listing
// every reason and pointing at `db restore`, when a dirty mark stands or a migration on the way
// was modified, is missing its file or has no Down section (unless allow_missing_down). Fails with
// invalid_input when the target is neither 0 nor an applied version, or `steps` exceeds the applied
// migrations.
Result<std::vector<const Migration*>> select_down_steps(const Plan& plan, const DownPolicy& policy);

// One step of a run: a migration and which way it goes, or a repeatable migration to apply
// (then `migration` is null and the direction up).
struct PlannedStep {
    const Migration* migration = nullptr;
    Direction direction = Direction::up;
    const RepeatableMigration* repeatable = nullptr;
};

}  // namespace belay
