#include "sqlite/flyway_history.hpp"

#include <map>
#include <string>

#include <fmt/format.h>

#include "belay/version.hpp"
#include "sqlite/database.hpp"
#include "sqlite/schema_inspection.hpp"

namespace belay::sqlite {

namespace {

// Where a version stands after the rows read so far.
struct VersionState {
    std::string version;     // as the latest row spells it
    bool applied = false;    // false: taken back, or failed
    bool failed = false;     // the latest row failed (success = 0)
    std::string applied_at;  // of the row that applied it
    std::string checksum;
};

// One row of flyway_schema_history, as read.
struct FlywayRow {
    std::string rank;
    std::string version;  // "" for a repeatable migration
    std::string description;
    std::string type;
    std::string script;
    std::string checksum;
    std::string installed_on;
    bool success = false;
};

// "2024-01-02 03:04:05.678" (Flyway's installed_on on SQLite) -> ISO-8601 UTC; else "".
std::string iso_time(const std::string& text) {
    if (text.size() < 19 || text[4] != '-' || text[7] != '-' ||
        (text[10] != ' ' && text[10] != 'T')) {
        return {};
    }
    return text.substr(0, 10) + "T" + text.substr(11, 8) + "Z";
}

// Applies one versioned row to `states`.
void apply_row(const FlywayRow& row, const Version& version,
               std::map<Version, VersionState>& states, ForeignHistory& history) {
    auto& state = states[version];
    state.version = row.version;
    if (row.type.starts_with("UNDO_") || row.type == "DELETE") {
        state.applied = false;
        state.failed = !row.success;  // a failed undo may have taken back part of it
        if (row.type == "DELETE") {
            history.notes.push_back(fmt::format(
                "row {} marks version {} deleted (flyway repair): it is not recorded as applied",
                row.rank, row.version));
        }
        return;
    }
    state.applied = row.success;
    state.failed = !row.success;
    if (row.success) {
        state.applied_at = iso_time(row.installed_on);
        state.checksum = row.checksum;
    }
}

// Keeps a repeatable migration's row as the latest of its description (rows come in
// installed_rank order).
void keep_repeatable_row(const FlywayRow& row,
                         std::map<std::string, ForeignHistory::RepeatableRow>& latest) {
    latest[row.description] = ForeignHistory::RepeatableRow{
        .rank = row.rank,
        .description = row.description,
        .script = row.script,
        .checksum = row.checksum,
        .applied_at = iso_time(row.installed_on),
        .succeeded = row.success,
        .deleted = row.type == "DELETE",
    };
}

Result<std::vector<FlywayRow>> read_rows(Database& db) {
    auto rows = query_rows(
        db,
        "SELECT installed_rank, coalesce(version, ''), coalesce(description, ''), "
        "coalesce(type, ''), coalesce(script, ''), coalesce(checksum, ''), "
        "coalesce(installed_on, ''), CASE WHEN success IN (1, '1', 'true', 'TRUE', 't') THEN 1 "
        "ELSE 0 END FROM flyway_schema_history ORDER BY installed_rank");
    BELAY_TRY(rows);
    std::vector<FlywayRow> result;
    for (auto& row : *rows) {
        result.push_back(FlywayRow{std::move(row.at(0)), std::move(row.at(1)), std::move(row.at(2)),
                                   std::move(row.at(3)), std::move(row.at(4)), std::move(row.at(5)),
                                   std::move(row.at(6)), row.at(7) == "1"});
    }
    return result;
}

}  // namespace

Result<ForeignHistory> read_flyway(Database& db) {
    auto rows = read_rows(db);
    BELAY_TRY(rows);
    ForeignHistory history{"Flyway", "flyway_schema_history", {}, std::nullopt, false};
    std::map<Version, VersionState> states;
    std::map<std::string, ForeignHistory::RepeatableRow> repeatables;
    for (const auto& row : *rows) {
        if (row.type == "SCHEMA") {
            continue;  // Flyway's note that it created the schema: no migration
        }
        if (row.version.empty()) {
            keep_repeatable_row(row, repeatables);  // plan_adopt matches them to the files
            continue;
        }
        const auto version = Version::parse_dotted(row.version);
        if (!version) {
            return fail(ErrorCode::invalid_input,
                        "{}: row {} of flyway_schema_history has version '{}', which is not a "
                        "version Flyway writes (digits joined by dots); correct or delete that "
                        "row. Nothing was changed",
                        db.path().string(), row.rank, row.version);
        }
        if (row.type == "BASELINE" || row.type == "SQL_BASELINE") {
            history.baseline = row.version;
            continue;
        }
        apply_row(row, *version, states, history);
    }
    for (const auto& [version, state] : states) {
        if (state.applied) {
            history.applied.push_back({.version = state.version,
                                       .applied_at = state.applied_at,
                                       .checksum = state.checksum});
        } else if (state.failed) {
            history.failed.push_back({.version = state.version, .applied_at = state.applied_at});
        }
    }
    for (auto& [description, row] : repeatables) {
        history.repeatables.push_back(std::move(row));
    }
    return history;
}

}  // namespace belay::sqlite
