#include "engine/history_edit.hpp"

#include <algorithm>
#include <map>
#include <span>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/ascii.hpp"
#include "core/backup_metadata.hpp"
#include "core/plan.hpp"
#include "engine/backups.hpp"
#include "engine/database_state.hpp"
#include "engine/migration_set.hpp"
#include "engine/run_lock.hpp"
#include "sqlite/database.hpp"
#include "sqlite/foreign_history.hpp"
#include "sqlite/history_store.hpp"
#include "sqlite/identifiers.hpp"
#include "sqlite/schema_catalog.hpp"
#include "sqlite/schema_inspection.hpp"
#include "sqlite/transaction.hpp"

namespace belay::engine {

namespace {

Result<std::vector<HistoryChange>> plan_edit(const HistoryEditOptions& options,
                                             const MigrationSet& set, const History& history,
                                             const std::optional<ForeignHistory>& foreign,
                                             HistoryEditReport& report) {
    const auto plan = build_plan(set.migrations, history);
    report.version_before = plan.current_version;
    report.version_after = plan.current_version;
    switch (options.edit) {
        case HistoryEdit::adopt:
            return plan_adopt(set.migrations, set.repeatables, history, *foreign, report.notes);
        case HistoryEdit::baseline:
            return plan_baseline(set.migrations, history, *options.target);
        case HistoryEdit::repair:
            return plan_repair(plan, report.notes);
        case HistoryEdit::force:
            return plan_force(plan, *options.target);
    }
    return std::vector<HistoryChange>{};
}

Result<void> confirm_edit(const HistoryEditOptions& options,
                          const std::vector<HistoryChange>& changes) {
    // adopt and baseline only add what is true and keep everything: no question needed.
    if (options.edit == HistoryEdit::baseline || options.edit == HistoryEdit::adopt ||
        options.assume_yes) {
        return {};
    }
    std::vector<std::string> lines;
    for (const auto& change : changes) {
        lines.push_back("  " + change.description);
    }
    const auto what = said("{} changes the history of {}:\n{}", named(command_of(options.edit)),
                           options.db.database.string(), fmt::join(lines, "\n"));
    if (!options.confirm) {
        return fail(ErrorCode::refused,
                    "{}\nWithout a terminal to confirm on, pass {}. Nothing was changed", what,
                    Option::assume_yes);
    }
    if (!options.confirm(said("{}\nA snapshot is taken first. Go ahead?", what))) {
        return fail(ErrorCode::refused, "{} not confirmed; nothing was changed",
                    named(command_of(options.edit)));
    }
    return {};
}

// `fingerprint`: the schema as it is now, which an added row declares to be its result.
Result<void> apply_change(sqlite::Database& db, sqlite::HistoryStore& history,
                          const HistoryChange& change, const std::string& fingerprint) {
    switch (change.kind) {
        case HistoryChange::Kind::add_row:
            return history.record_applied(AppliedMigration{
                change.version, change.name, change.checksum,
                change.applied_at.empty() ? sqlite::utc_now_iso8601() : change.applied_at, 0,
                fingerprint});
        case HistoryChange::Kind::mark_dirty:
            return history.mark_dirty(
                DirtyMark{change.version, change.name, sqlite::utc_now_iso8601()});
        case HistoryChange::Kind::keep_table:
            return sqlite::rename_tool_table(db, change.name, "belay_adopted_" + change.name);
        case HistoryChange::Kind::remove_row:
            return history.record_reverted(change.version);
        case HistoryChange::Kind::update_checksum:
            return history.update_checksum(change.version, change.checksum);
        case HistoryChange::Kind::clear_marks:
            return history.clear_marks(change.version);
        case HistoryChange::Kind::record_repeatable:
            BELAY_TRY(history.create_repeatable_table());
            return history.record_repeatable(AppliedRepeatable{
                change.name, change.checksum,
                change.applied_at.empty() ? sqlite::utc_now_iso8601() : change.applied_at});
    }
    return {};
}

Result<void> snapshot_before_edit(const HistoryEditOptions& options, HistoryEditReport& report) {
    // Taken under this connection's write lock.
    auto snapshot = snapshot_beside_own_connection(
        options.db, fmt::format("before {}", to_string(options.edit)), report.version_before);
    BELAY_TRY(snapshot);
    report.snapshot = snapshot->path.string();
    report.undo = snapshot->undo;
    return {};
}

// Every object's CREATE statement but `table`'s own, by type and name.
Result<std::map<std::pair<std::string, std::string>, std::string>> schema_sql_besides(
    sqlite::Database& db, const std::string& table) {
    auto catalog = sqlite::read_catalog(db);
    BELAY_TRY(catalog);
    std::map<std::pair<std::string, std::string>, std::string> objects;
    for (auto& object : *catalog) {
        if (!object.sql.empty() && object.name != table) {
            objects[{object.type, object.name}] = std::move(object.sql);
        }
    }
    return objects;
}

// Renames the tool's table to belay_adopted_<table>. SQLite rewrites the views, triggers and
// foreign keys that name it to name the new table: each one is reported as a change, so that
// nothing the adoption does goes unsaid (the user may want them to follow belay's history).
Result<void> keep_tool_table(sqlite::Database& db, sqlite::HistoryStore& history,
                             const HistoryChange& change, HistoryEditReport& report) {
    auto before = schema_sql_besides(db, change.name);
    BELAY_TRY(before);
    auto ok = apply_change(db, history, change, {});
    BELAY_TRY(ok);
    auto after = schema_sql_besides(db, "belay_adopted_" + change.name);
    BELAY_TRY(after);
    report.changes.push_back(change.description);
    for (const auto& [key, sql] : *after) {
        const auto it = before->find(key);
        if (it != before->end() && it->second != sql) {
            report.changes.push_back(fmt::format(
                "{} {} now names belay_adopted_{} instead of {} (SQLite rewrites references "
                "when a table is renamed)",
                key.first, key.second, change.name, change.name));
        }
    }
    return {};
}

// Inside one write transaction: the snapshot, every change, then the schema as it is now,
// which becomes the reference for `db check`'s drift check.
Result<void> apply_edit(sqlite::Database& db, const HistoryEditOptions& options,
                        const std::vector<HistoryChange>& changes, HistoryEditReport& report) {
    auto transaction = sqlite::Transaction::begin_immediate(db);
    BELAY_TRY(transaction);
    // A new, empty database has nothing a snapshot could keep.
    auto has_objects = sqlite::has_objects(db);
    BELAY_TRY(has_objects);
    if (*has_objects) {
        if (auto ok = snapshot_before_edit(options, report); !ok) {
            return ok;
        }
    } else {
        report.notes.push_back("the database is empty: no snapshot is needed");
    }
    sqlite::HistoryStore history(db, options.db.history_table);
    Result<void> ok;
    std::size_t next = 0;
    // Another tool's table goes out of the way first: it may have the history table's name.
    if (!changes.empty() && changes.front().kind == HistoryChange::Kind::keep_table) {
        ok = keep_tool_table(db, history, changes.front(), report);
        next = 1;
    }
    ok = ok ? history.create_tables() : ok;
    auto objects = ok ? sqlite::read_schema_objects(db, options.db.history_table)
                      : std::unexpected(ok.error());
    ok = objects ? ok : std::unexpected(objects.error());
    const auto fingerprint = objects ? sqlite::fingerprint_of(*objects) : std::string();
    for (const auto& change : std::span(changes).subspan(next)) {
        ok = ok ? apply_change(db, history, change, fingerprint) : ok;
        if (ok) {
            report.changes.push_back(change.description);
        }
    }
    // Rows recorded as applied declare the schema as it is now to be theirs: it becomes the
    // reference for drift, and that is a change the operator is shown. Repair and removals
    // leave the reference alone, so drift stays visible.
    const bool adds_rows = std::ranges::any_of(changes, [](const HistoryChange& change) {
        return change.kind == HistoryChange::Kind::add_row ||
               change.kind == HistoryChange::Kind::record_repeatable;
    });
    if (ok && adds_rows) {
        ok = history.record_schema(*objects);
        if (ok) {
            report.changes.push_back(
                said("record the schema as it is now as the reference for {}'s drift check",
                     named(Command::check)));
        }
    }
    ok = ok ? transaction->commit() : ok;
    if (!ok) {
        (void)transaction->rollback();
        report.changes.clear();
    }
    return ok;
}

// Why adopting from the tool the operator named fails when its table is not here: the tables of
// other tools that are, and how to adopt the one belay can read.
Error named_tool_absent(sqlite::Database& db, const HistoryEditOptions& options) {
    auto present = sqlite::find_tool_histories(db);
    if (!present) {
        return present.error();
    }
    const auto& database = options.db.database.string();
    const auto adoptable = std::ranges::find_if(*present, &ToolHistory::adoptable);
    if (adoptable != present->end()) {
        // Rails keeps dbmate's schema_migrations (version): dbmate's reader adopts it.
        // --from spells every tool in lower case (drizzle for Drizzle).
        const auto tool =
            adoptable->tool == "Rails" ? std::string("dbmate") : to_lower_ascii(adoptable->tool);
        return error_of(ErrorCode::invalid_input,
                        said("{}: no {} history table here, but {}'s {} is; adopt that with {} "
                             "{}. Nothing was changed",
                             database, *options.from_tool, adoptable->tool, adoptable->table,
                             Option::from_tool, tool));
    }
    std::vector<std::string> others;
    for (const auto& history : *present) {
        others.push_back(
            fmt::format("{}'s {}, which belay cannot adopt", history.tool, history.table));
    }
    return error_of(
        ErrorCode::invalid_input,
        said("{}: no {} history table here{}; nothing to adopt", database, *options.from_tool,
             others.empty() ? std::string() : fmt::format(" (only {})", fmt::join(others, "; "))));
}

Result<std::optional<ForeignHistory>> read_foreign_for_adopt(sqlite::Database& db,
                                                             const HistoryEditOptions& options) {
    auto foreign = sqlite::read_foreign_history(db, options.from_tool);
    if (foreign && !*foreign && options.from_tool) {
        return std::unexpected(named_tool_absent(db, options));
    }
    if (foreign && !*foreign) {
        return fail(ErrorCode::invalid_input,
                    "{}: no other tool's history table here (goose_db_version, gorp_migrations, "
                    "a schema_migrations of golang-migrate or dbmate, pop's schema_migration, "
                    "diesel's __diesel_schema_migrations, sqlx's _sqlx_migrations, Prisma's "
                    "_prisma_migrations, Drizzle's __drizzle_migrations or Flyway's "
                    "flyway_schema_history); nothing to adopt",
                    options.db.database.string());
    }
    return foreign;
}

// Refuses (before any snapshot) what would make the adoption fail half-way with a raw SQLite
// error: an object already under the name the tool's table is kept as (belay_adopted_<table>),
// or one of the user's under the name of one of belay's own tables.
Result<void> refuse_adopt_conflicts(sqlite::Database& db, const std::string& table) {
    const auto kept_as = "belay_adopted_" + table;
    auto found = sqlite::find_object(db, kept_as);
    BELAY_TRY(found);
    if (*found) {
        return fail(ErrorCode::refused,
                    "{}: {} keeps {} as {}, but this database already has a {} {}; rename or "
                    "drop it (for a table: ALTER TABLE {} RENAME TO another_name) and run {} "
                    "again. Nothing was changed",
                    db.path().string(), named(Command::adopt), table, kept_as, (*found)->type,
                    (*found)->name, sqlite::quote_identifier((*found)->name),
                    named(Command::adopt));
    }
    auto foreign = sqlite::find_foreign_belay_objects(db);
    BELAY_TRY(foreign);
    if (!foreign->empty()) {
        return fail(ErrorCode::refused, "{}: {}. belay left it untouched. Nothing was changed",
                    db.path().string(), fmt::join(*foreign, "; "));
    }
    return {};
}

struct EditState {
    History history;                        // belay's
    std::optional<ForeignHistory> foreign;  // adopt: the other tool's
};

Result<EditState> read_edit_state(sqlite::Database& db, const HistoryEditOptions& options,
                                  const MigrationSet& set) {
    EditState state;
    if (options.edit == HistoryEdit::adopt) {
        auto foreign = read_foreign_for_adopt(db, options);
        BELAY_TRY(foreign);
        state.foreign = std::move(*foreign);
        // The other tool's table may carry the history table's name: belay has none then.
        if (iequals_ascii(state.foreign->table, options.db.history_table)) {
            return state;
        }
    }
    auto history = read_history(db, options.db.history_table);
    BELAY_TRY(history);
    // baseline, repair and force would write a history that ignores what the tool applied.
    if (options.edit != HistoryEdit::adopt && guards_against_foreign_history(options.db)) {
        BELAY_TRY(refuse_foreign_overlap(db, *history, set.migrations));
    }
    state.history = std::move(*history);
    return state;
}

}  // namespace

Result<HistoryEditReport> run_history_edit(const HistoryEditOptions& options) {
    auto set = load_migration_set(options.db);
    BELAY_TRY(set);
    HistoryEditReport report;
    report.database = options.db.database.string();
    std::error_code ec;
    if (!std::filesystem::exists(options.db.database, ec)) {
        return fail(options.db.database, ErrorCode::invalid_input,
                    "database {} does not exist; {} works on an existing database (check {})",
                    options.db.database.string(), named(command_of(options.edit)),
                    Option::database);
    }
    BELAY_TRY(sqlite::refuse_non_database(options.db.database));
    auto lock = RunLock::acquire(options.db.database, options.db.lock_timeout);
    BELAY_TRY(lock);
    auto db = sqlite::Database::open(options.db.database, sqlite::OpenMode::read_write,
                                     options.db.lock_timeout);
    BELAY_TRY(db);
    auto state = read_edit_state(*db, options, *set);
    BELAY_TRY(state);
    auto changes = plan_edit(options, *set, state->history, state->foreign, report);
    BELAY_TRY(changes);
    if (state->foreign) {
        for (const auto& note : state->foreign->notes) {
            report.notes.push_back(said("{}: {}", state->foreign->table, note));
        }
    }
    if (changes->empty()) {
        return report;
    }
    if (state->foreign) {
        BELAY_TRY(refuse_adopt_conflicts(*db, state->foreign->table));
    }
    BELAY_TRY(sqlite::refuse_unwritable_database(options.db.database));
    BELAY_TRY(confirm_edit(options, *changes));
    if (auto ok = apply_edit(*db, options, *changes, report); !ok) {
        auto error = ok.error();
        append(error, "\nThe change was rolled back: the history is as it was.");
        if (report.snapshot && report.undo) {
            append(error, said(" The snapshot taken before it is {} ({}).", *report.snapshot,
                               *report.undo));
        }
        return std::unexpected(error);
    }
    report.version_after = read_version_after(*db, options.db.history_table, set->migrations);
    return report;
}

}  // namespace belay::engine
