#include "sqlite/validation_probe.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <vector>

#include <fmt/ranges.h>

#include "core/ascii.hpp"
#include "sqlite/database.hpp"
#include "sqlite/execution_guard.hpp"
#include "sqlite/identifiers.hpp"
#include "sqlite/statement.hpp"

namespace belay::sqlite {

Result<void> stop_if_asked(ExecutionGuard* guard) {
    if (guard != nullptr && guard->poll() != StopReason::none) {
        return fail(ErrorCode::interrupted, "validation was stopped");
    }
    return {};
}

Result<std::string> prepare_error(Database& db, const std::string& sql) {
    auto statement = db.prepare(sql);
    if (statement) {
        return std::string();
    }
    if (statement.error().code == ErrorCode::interrupted) {
        return std::unexpected(statement.error());
    }
    // Drop the "<path>: cannot prepare statement: " prefix; keep SQLite's own words.
    const auto& message = statement.error().message;
    const auto colon = message.rfind("statement: ");
    return colon == std::string::npos ? message : message.substr(colon + 11);
}

namespace {

struct Probe {
    const char* event;
    std::string sql;  // empty: no statement can compile this event's triggers
};

// The INSERT, UPDATE and DELETE on `table` (named `qualified` in the statements) whose
// preparation compiles its triggers for that event, without running anything.
std::vector<Probe> probes_for(Database& db, const std::string& table,
                              const std::string& qualified) {
    auto columns = query_rows(db, "SELECT name FROM pragma_table_xinfo(" + quote_literal(table) +
                                      ") WHERE hidden IN (0, 1)");
    std::vector<std::string> assignments;
    if (columns) {
        for (const auto& column : *columns) {
            const auto c = quote_identifier(column[0]);
            assignments.push_back(c + " = " + c);
        }
    }
    return {
        {"INSERT", "INSERT INTO " + qualified + " DEFAULT VALUES"},
        {"UPDATE", assignments.empty() ? std::string()
                                       : fmt::format("UPDATE {} SET {} WHERE 0", qualified,
                                                     fmt::join(assignments, ", "))},
        {"DELETE", "DELETE FROM " + qualified + " WHERE 0"},
    };
}

// The error of preparing `probe`, "" when it compiles. A view without an INSTEAD OF trigger
// for the event cannot be modified at all: that is how views are, not a broken trigger.
Result<std::string> probe_error(Database& db, ExecutionGuard* guard, const Probe& probe) {
    BELAY_TRY(stop_if_asked(guard));
    auto error = probe.sql.empty() ? Result<std::string>() : prepare_error(db, probe.sql);
    if (error && error->find("cannot modify") != std::string::npos) {
        error->clear();
    }
    return error;
}

// A statement of the naming below that failed: an interruption ends the capture, anything else
// only means the triggers cannot be told apart (the finding stays unnamed).
Result<bool> ran(Result<void> result) {
    if (result) {
        return true;
    }
    if (result.error().code == ErrorCode::interrupted) {
        return std::unexpected(result.error());
    }
    return false;
}

// Compiles each of `triggers` alone, as a temporary copy on a temporary copy of its table (a
// table of the same name in temp hides the real one, and with it the real triggers), for the
// `failing` events. Works on a read-only connection too: only the temp schema is written.
Result<std::vector<BrokenTrigger>> compile_each_alone(
    Database& db, ExecutionGuard* guard, const std::string& table, bool is_view,
    const std::vector<const SchemaObject*>& triggers, const std::vector<BrokenTrigger>& failing) {
    const auto quoted = quote_identifier(table);
    std::vector<BrokenTrigger> named;
    auto copied =
        ran(db.exec(is_view ? fmt::format("CREATE TEMP VIEW {0} AS SELECT * FROM main.{0}", quoted)
                            : fmt::format("CREATE TEMP TABLE {0} AS SELECT * FROM "
                                          "main.{0} WHERE 0",
                                          quoted)));
    if (!copied || !*copied) {
        return copied ? Result<std::vector<BrokenTrigger>>(named) : std::unexpected(copied.error());
    }
    const auto probes = probes_for(db, table, "temp." + quoted);
    constexpr std::string_view k_prefix = "CREATE TRIGGER ";
    for (const auto* trigger : triggers) {
        // SQLite stores every trigger's text as "CREATE TRIGGER " and the rest as written.
        if (!to_upper_ascii(trigger->sql.substr(0, k_prefix.size())).starts_with(k_prefix)) {
            continue;
        }
        auto created = ran(db.exec("CREATE TEMP TRIGGER " + trigger->sql.substr(k_prefix.size())));
        BELAY_TRY(created);
        if (!*created) {
            continue;
        }
        for (const auto& probe : probes) {
            const bool wanted = std::ranges::any_of(
                failing, [&](const BrokenTrigger& f) { return f.event == probe.event; });
            auto error = wanted ? probe_error(db, guard, probe) : Result<std::string>();
            BELAY_TRY(error);
            if (!error->empty()) {
                named.push_back(BrokenTrigger{trigger->name, table, probe.event, *error});
            }
        }
        BELAY_TRY(db.exec("DROP TRIGGER temp." + quote_identifier(trigger->name)));
    }
    return named;
}

// Which of `triggers` fail on their own. Everything it creates is undone: the savepoint is
// rolled back whatever happened in it.
Result<std::vector<BrokenTrigger>> name_broken_triggers(
    Database& db, ExecutionGuard* guard, const std::string& table, bool is_view,
    const std::vector<const SchemaObject*>& triggers, const std::vector<BrokenTrigger>& failing) {
    // On a connection opened read-only (db check), query_only would refuse the temp schema
    // too; lifting it for this while cannot make the file itself writable.
    const bool lift_query_only = sqlite3_db_readonly(db.handle(), "main") == 1 &&
                                 db.query_int("PRAGMA query_only").value_or(0) != 0;
    if (lift_query_only) {
        BELAY_TRY(db.exec("PRAGMA query_only = OFF"));
    }
    auto started = db.exec("SAVEPOINT belay_trigger_probe");
    BELAY_TRY(started);
    auto named = compile_each_alone(db, guard, table, is_view, triggers, failing);
    auto undone = started ? db.exec("ROLLBACK TO belay_trigger_probe; RELEASE belay_trigger_probe")
                          : Result<void>();
    if (lift_query_only) {
        if (auto ok = db.exec("PRAGMA query_only = ON"); !ok && undone) {
            undone = ok;
        }
    }
    if (!undone) {
        return std::unexpected(with_context(undone.error(), "cannot undo the trigger check"));
    }
    return named;
}

// Whether `table` (as a trigger names it: SQLite compares names without ASCII case) is a view.
bool is_view_named(const SchemaCatalog& catalog, const std::string& table) {
    const auto wanted = to_lower_ascii(table);
    return std::ranges::any_of(catalog.rows(), [&](const SchemaObject& object) {
        return object.type == "view" && to_lower_ascii(object.name) == wanted;
    });
}

}  // namespace

// Preparing INSERT, UPDATE and DELETE on a table compiles its triggers for that event, so a
// trigger whose body names a dropped table or column fails here, without running anything.
// One probe covers all the table's triggers of an event; only when it fails is each trigger
// compiled alone, so that a second broken trigger is not hidden behind the first.
Result<void> capture_broken_triggers(Database& db, const SchemaCatalog& catalog,
                                     ExecutionGuard* guard,
                                     std::map<std::string, BrokenTrigger>& broken) {
    std::map<std::string, std::vector<const SchemaObject*>> triggers_of;
    for (const auto& object : catalog.rows()) {
        if (object.type == "trigger") {
            triggers_of[object.table].push_back(&object);
        }
    }
    for (const auto& [table, triggers] : triggers_of) {
        std::vector<BrokenTrigger> failing;
        for (const auto& probe : probes_for(db, table, quote_identifier(table))) {
            auto error = probe_error(db, guard, probe);
            BELAY_TRY(error);
            if (!error->empty()) {
                failing.push_back(BrokenTrigger{"", table, probe.event, *error});
            }
        }
        if (failing.empty()) {
            continue;
        }
        auto named = name_broken_triggers(db, guard, table, is_view_named(catalog, table), triggers,
                                          failing);
        BELAY_TRY(named);
        for (auto& finding : failing) {
            const bool told_apart = std::ranges::any_of(
                *named, [&](const BrokenTrigger& n) { return n.event == finding.event; });
            if (!told_apart) {
                broken[fmt::format("{} ({})", table, finding.event)] = std::move(finding);
            }
        }
        for (auto& finding : *named) {
            broken[finding.name] = std::move(finding);
        }
    }
    return {};
}

}  // namespace belay::sqlite
