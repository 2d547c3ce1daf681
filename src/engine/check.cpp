#include "engine/check.hpp"

#include "engine/backups.hpp"

#include "engine/roundtrip.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/ascii.hpp"
#include "core/plan.hpp"
#include "engine/database_state.hpp"
#include "engine/migrate.hpp"
#include "engine/migration_set.hpp"
#include "engine/status.hpp"
#include "sqlite/database.hpp"
#include "sqlite/foreign_history.hpp"
#include "sqlite/history_store.hpp"
#include "sqlite/schema_inspection.hpp"

namespace belay::engine {

namespace {

void add(CheckReport& report, std::string area, std::string message) {
    report.findings.push_back(CheckFinding{std::move(area), std::move(message)});
}

Result<void> check_structure(sqlite::Database& db, CheckReport& report) {
    auto state = sqlite::capture_validation_state(db);
    BELAY_TRY(state);
    // integrity_check compiles every table's generated columns: with one it cannot read, it
    // cannot run at all, so the table is the finding.
    for (const auto& [table, error] : state->unreadable_tables) {
        add(report, "integrity",
            fmt::format("table {} cannot be read, so integrity_check cannot run: {}", table,
                        error));
    }
    if (state->unreadable_tables.empty()) {
        auto integrity = sqlite::check_integrity(db, true);
        BELAY_TRY(integrity);
        for (const auto& problem : *integrity) {
            add(report, "integrity", "integrity_check: " + problem);
        }
    }
    for (const auto& [key, violations] : state->foreign_key_violations) {
        add(report, "foreign_keys",
            fmt::format("{} row(s) of {} point at no row (PRAGMA foreign_key_check)",
                        violations.count, key));
    }
    for (const auto& [table, error] : state->foreign_key_mismatches) {
        add(report, "foreign_keys", fmt::format("the foreign keys of {}: {}", table, error));
    }
    for (const auto& [view, error] : state->broken_views) {
        add(report, "views", fmt::format("view {} does not work: {}", view, error));
    }
    for (const auto& [key, trigger] : state->broken_triggers) {
        add(report, "triggers", sqlite::describe(trigger) + " does not compile: " + trigger.error);
    }
    for (const auto& [key, detail] : state->dangling_references) {
        add(report, "references", detail);
    }
    return {};
}

void check_history(const Plan& plan, CheckReport& report) {
    for (const auto& entry : plan.entries) {
        const auto label = fmt::format("{}_{}", entry.version.text(), entry.name);
        switch (entry.status) {
            case MigrationStatus::modified:
                add(report, "history", label + " was changed after it was applied");
                break;
            case MigrationStatus::missing:
                add(report, "history",
                    label + (from_program(plan)
                                 ? " is applied but no longer among the program's embedded "
                                   "migrations"
                                 : " is applied but its file is gone"));
                break;
            case MigrationStatus::failed:
                add(report, "history", label + " failed: " + entry.last_failure->error);
                break;
            case MigrationStatus::dirty:
                add(report, "history",
                    label +
                        " is dirty: an attempt at it did not finish (a NoTransaction "
                        "step, or a failed one an adopted history recorded)");
                break;
            default:
                break;
        }
        if (entry.out_of_order) {
            add(report, "history",
                fmt::format("{} is pending but older than the newest applied migration, {}; "
                            "renumber it after that one",
                            label, plan.current_version));
        }
    }
}

// What differs between the recorded schema and the current one, object by object.
void list_differences(const std::vector<sqlite::SchemaObject>& recorded,
                      const std::vector<sqlite::SchemaObject>& current, CheckReport& report) {
    std::map<std::pair<std::string, std::string>, const sqlite::SchemaObject*> before;
    for (const auto& object : recorded) {
        before[{object.type, object.name}] = &object;
    }
    for (const auto& object : current) {
        const auto it = before.find({object.type, object.name});
        if (it == before.end()) {
            add(report, "drift",
                fmt::format("{} {} was added outside migrations", object.type, object.name));
        } else {
            if (!(*it->second == object)) {
                add(report, "drift",
                    fmt::format("{} {} was changed outside migrations", object.type, object.name));
            }
            before.erase(it);
        }
    }
    for (const auto& [key, object] : before) {
        add(report, "drift",
            fmt::format("{} {} was removed outside migrations", object->type, object->name));
    }
}

Result<void> check_drift(sqlite::Database& db, const std::string& history_table,
                         CheckReport& report) {
    sqlite::HistoryStore history(db, history_table);
    auto recorded_fingerprint = history.last_recorded_fingerprint();
    BELAY_TRY(recorded_fingerprint);
    auto current = sqlite::read_schema_objects(db, history_table);
    BELAY_TRY(current);
    auto recorded = history.read_recorded_schema();
    BELAY_TRY(recorded);
    // The schema recorded after the latest step (up or down) is the reference; databases
    // migrated before belay_schema existed only have the newest history row's fingerprint.
    const auto expected =
        *recorded ? std::optional(sqlite::fingerprint_of(**recorded)) : *recorded_fingerprint;
    if (!expected || sqlite::fingerprint_of(*current) == *expected) {
        return {};
    }
    if (*recorded) {
        list_differences(**recorded, *current, report);
    }
    if (report.findings.empty() || report.findings.back().area != "drift") {
        add(report, "drift",
            "the schema differs from the one recorded after the last migration (the objects "
            "were not recorded, so belay cannot list them)");
    }
    return {};
}

Result<void> check_roundtrip(const CheckOptions& options, CheckReport& report) {
    BELAY_TRY(check_step_timeout(options.step_timeout));
    MigrateOptions run;
    run.db = options.db;
    run.step_timeout = options.step_timeout;
    auto roundtrip = run_roundtrip(run);
    BELAY_TRY(roundtrip);
    for (const auto& result : roundtrip->migrations) {
        for (const auto& problem : result.problems) {
            add(report, "roundtrip",
                fmt::format("{}_{}: {}", result.version, result.name, problem));
        }
    }
    for (const auto& result : roundtrip->on_copy) {
        for (const auto& problem : result.problems) {
            add(report, "roundtrip",
                fmt::format("on a copy of the database, pending {}_{}: {}", result.version,
                            result.name, problem));
        }
    }
    if (!roundtrip->complete) {
        add(report, "roundtrip",
            "the migrations after the one whose Up failed could not be checked");
    }
    report.roundtrip = std::move(*roundtrip);
    return {};
}

// belay's version of a database whose history table is another tool's. (Assigning the literal
// itself trips a false -Wrestrict warning of GCC 12.)
constexpr std::string_view k_unknown_version = "-";

// The history and drift checks, when the history table is belay's (or absent).
Result<void> check_belay_history(sqlite::Database& db, const CheckOptions& options,
                                 const AnyDatabaseState& read, CheckReport& report) {
    // An object under one of belay's own table names that belay did not make: a finding, and
    // belay's records cannot be read through it.
    auto foreign = sqlite::find_foreign_belay_objects(db);
    BELAY_TRY(foreign);
    for (const auto& problem : *foreign) {
        add(report, "belay_tables", problem);
    }
    if (!foreign->empty()) {
        report.version = std::string(k_unknown_version);
        report.history_skipped =
            "belay's own tables cannot be read while another object has one of their names";
        return {};
    }
    if (read.not_belays) {
        const auto& table = options.db.history_table;
        const auto owner = std::ranges::find_if(report.other_histories, [&](const auto& other) {
            return iequals_ascii(other.table, table);
        });
        report.version = std::string(k_unknown_version);
        report.history_skipped =
            owner == report.other_histories.end()
                ? fmt::format("{} is not belay's history table", table)
                : fmt::format("{} is {}'s history table, not belay's", table, owner->tool);
        return {};
    }
    auto set = load_migration_set(options.db);
    std::error_code ec;
    if (!set && !read.state.history.table_exists && !options.db.embedded_migrations &&
        !std::filesystem::exists(options.db.migrations_dir, ec)) {
        report.history_skipped =
            fmt::format("belay has no history here and the migrations directory {} does not exist",
                        options.db.migrations_dir.string());
        return {};
    }
    BELAY_TRY(set);
    const auto plan = build_plan(set->migrations, read.state.history);
    report.version = plan.current_version;
    if (auto ok = check_drift(db, options.db.history_table, report); !ok) {
        return ok;
    }
    check_history(plan, report);
    return {};
}

}  // namespace

Result<CheckReport> run_check(const CheckOptions& options) {
    CheckReport report;
    report.database = options.db.database.string();
    if (options.roundtrip) {
        BELAY_TRY(check_roundtrip(options, report));
        std::error_code ec;
        if (!std::filesystem::exists(options.db.database, ec)) {
            return report;
        }
    }
    // Read as the backup commands read it: any SQLite database can be checked.
    auto read = read_any_database_state(options.db);
    BELAY_TRY(read);
    if (!read->state.exists) {
        return fail(options.db.database, ErrorCode::invalid_input,
                    "database {} does not exist; nothing to check", options.db.database.string());
    }
    auto db = sqlite::Database::open(options.db.database, sqlite::OpenMode::read_only,
                                     options.db.lock_timeout);
    BELAY_TRY(db);
    auto ok = check_structure(*db, report);
    BELAY_TRY(ok);
    auto others = sqlite::find_tool_histories(*db);
    BELAY_TRY(others);
    report.other_histories = std::move(*others);
    BELAY_TRY(check_belay_history(*db, options, *read, report));
    if (options.backups) {
        auto backups = list_backups(options.db, true);
        BELAY_TRY(backups);
        for (const auto& entry : *backups) {
            for (const auto& problem : *entry.problems) {
                add(report, "backups", fmt::format("{}: {}", entry.path.string(), problem));
            }
        }
        report.backups = std::move(*backups);
    }
    return report;
}

}  // namespace belay::engine
