#include "sqlite/foreign_history.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/ascii.hpp"

#include "sqlite/database.hpp"
#include "sqlite/flyway_history.hpp"
#include "sqlite/identifiers.hpp"
#include "sqlite/schema_inspection.hpp"
#include "sqlite/sqlx_prisma_history.hpp"

namespace belay::sqlite {

namespace {

// The columns of the table `table` (lower case), none when there is no table of that name (a
// view or a virtual table of that name, an FTS5 index say, is no tool's history). SQLite stores a
// virtual table's statement as "CREATE VIRTUAL TABLE ...", whatever case and spacing it was given.
Result<std::set<std::string>> columns_of(Database& db, const std::string& table) {
    auto rows =
        query_rows(db,
                   "SELECT lower(p.name) FROM sqlite_schema AS s, pragma_table_info(s.name) "
                   "AS p WHERE s.type = 'table' AND s.sql NOT LIKE 'CREATE VIRTUAL TABLE %' AND "
                   "s.name = " +
                       quote_literal(table) + " COLLATE NOCASE");
    BELAY_TRY(rows);
    std::set<std::string> columns;
    for (const auto& row : *rows) {
        columns.insert(row.at(0));
    }
    return columns;
}

// A table as a migration tool creates it: its name and the columns that tell it apart.
struct KnownTable {
    const char* tool;
    const char* table;
    std::vector<std::string> columns;
};

// The tools whose history `db adopt` reads come first (in read_foreign_history's order of
// preference), then those belay only names (and Flyway's, read by sqlite/flyway_history.cpp,
// kept in its place so that db check lists tables in the order it always has). golang-migrate's
// schema_migrations comes before dbmate's: it has the dirty column besides dbmate's version.
const std::vector<KnownTable>& known_tables() {
    static const std::vector<KnownTable> k_known{
        {"goose", "goose_db_version", {"version_id", "is_applied"}},
        {"sql-migrate", "gorp_migrations", {"id", "applied_at"}},
        {"golang-migrate", "schema_migrations", {"version", "dirty"}},
        {"dbmate", "schema_migrations", {"version"}},
        {"pop", "schema_migration", {"version"}},
        {"diesel", "__diesel_schema_migrations", {"version", "run_on"}},
        {"Prisma", "_prisma_migrations", {"migration_name", "checksum"}},
        {"Drizzle", "__drizzle_migrations", {"hash"}},
        {"sqlx", "_sqlx_migrations", {"version", "description", "success"}},
        {"Flyway", "flyway_schema_history", {"installed_rank", "version", "script"}},
        {"Alembic", "alembic_version", {"version_num"}},
    };
    return k_known;
}

// `tool` as --from names it ("flyway") or as belay shows it ("Flyway").
const KnownTable* known_table_of(const std::string& tool) {
    for (const auto& known : known_tables()) {
        if (iequals_ascii(tool, known.tool)) {
            return &known;
        }
    }
    return nullptr;
}

// The tools `db adopt` reads, as `--from` names them (without case: `--from prisma`).
constexpr std::array<const char*, 10> k_adoptable{
    "goose",  "sql-migrate", "golang-migrate", "dbmate",  "pop",
    "diesel", "sqlx",        "Prisma",         "Drizzle", "Flyway"};

bool is_adoptable(std::string_view tool) {
    return std::ranges::any_of(k_adoptable,
                               [&](const char* name) { return iequals_ascii(tool, name); });
}

// "2024-01-02 03:04:05..." (SQLite's CURRENT_TIMESTAMP, Go's time text) -> ISO-8601 UTC;
// anything else -> "" (belay then records the time of the adoption).
std::string iso_time(const std::string& text) {
    if (text.size() < 19 || text[4] != '-' || text[7] != '-' ||
        (text[10] != ' ' && text[10] != 'T')) {
        return {};
    }
    return text.substr(0, 10) + "T" + text.substr(11, 8) + "Z";
}

std::string digits_prefix(const std::string& text) {
    std::size_t end = 0;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
        ++end;
    }
    return text.substr(0, end);
}

Result<ForeignHistory> read_goose(Database& db) {
    auto rows = query_rows(db,
                           "SELECT version_id, is_applied, coalesce(tstamp, '') FROM "
                           "goose_db_version WHERE version_id > 0 ORDER BY id");
    BELAY_TRY(rows);
    // The latest row of a version decides: goose writes a row with is_applied = 0 on down.
    std::map<std::string, std::pair<bool, std::string>> latest;
    for (const auto& row : *rows) {
        latest[row.at(0)] = {row.at(1) != "0" && row.at(1) != "false", iso_time(row.at(2))};
    }
    ForeignHistory history{"goose", "goose_db_version", {}, std::nullopt, false};
    for (const auto& [version, state] : latest) {
        if (state.first) {
            history.applied.push_back({version, state.second});
        }
    }
    return history;
}

Result<ForeignHistory> read_listing(Database& db, const std::string& tool, const std::string& table,
                                    const std::string& select) {
    auto rows = query_rows(db, select);
    BELAY_TRY(rows);
    ForeignHistory history{tool, table, {}, std::nullopt, false};
    for (const auto& row : *rows) {
        const auto version = digits_prefix(row.at(0));
        if (!version.empty()) {
            history.applied.push_back({version, row.size() > 1 ? iso_time(row.at(1)) : ""});
        }
    }
    return history;
}

Result<ForeignHistory> read_golang_migrate(Database& db) {
    auto rows = query_rows(db, "SELECT version, dirty FROM schema_migrations LIMIT 1");
    BELAY_TRY(rows);
    ForeignHistory history{"golang-migrate", "schema_migrations", {}, std::nullopt, false};
    if (!rows->empty()) {
        history.up_to = rows->front().at(0);
        history.dirty = rows->front().at(1) != "0" && rows->front().at(1) != "false";
    }
    return history;
}

// Drizzle's rows: each row's version is its created_at (its journal entry's "when", written as
// a whole number), with the hash it recorded; in the order Drizzle wrote them.
Result<ForeignHistory> read_drizzle(Database& db) {
    auto rows = query_rows(db,
                           "SELECT CASE WHEN created_at = CAST(created_at AS INTEGER) THEN "
                           "CAST(CAST(created_at AS INTEGER) AS TEXT) ELSE coalesce(CAST("
                           "created_at AS TEXT), 'NULL') END, coalesce(hash, '') FROM "
                           "__drizzle_migrations ORDER BY rowid");
    BELAY_TRY(rows);
    ForeignHistory history{"Drizzle", "__drizzle_migrations", {}, std::nullopt, false};
    for (const auto& row : *rows) {
        history.applied.push_back({.version = row.at(0), .applied_at = {}, .hash = row.at(1)});
    }
    return history;
}

Result<std::optional<ForeignHistory>> read_as(Database& db, const std::string& tool,
                                              const std::set<std::string>& columns) {
    const auto require_columns = [&](std::initializer_list<const char*> names) -> Result<void> {
        for (const auto* name : names) {
            if (!columns.contains(name)) {
                return fail(ErrorCode::invalid_input,
                            "{}: the {} history table has no column {}; is it really {}'s?",
                            db.path().string(), tool, name, tool);
            }
        }
        return {};
    };
    Result<void> ok;
    Result<ForeignHistory> history = std::unexpected(Error{ErrorCode::invalid_input, ""});
    if (tool == "goose") {
        ok = require_columns({"id", "version_id", "is_applied"});
        history = ok ? read_goose(db) : std::unexpected(ok.error());
    } else if (tool == "sql-migrate") {
        ok = require_columns({"id", "applied_at"});
        history = ok ? read_listing(db, tool, "gorp_migrations",
                                    "SELECT id, coalesce(applied_at, '') FROM gorp_migrations "
                                    "ORDER BY id")
                     : std::unexpected(ok.error());
    } else if (tool == "golang-migrate") {
        ok = require_columns({"version", "dirty"});
        history = ok ? read_golang_migrate(db) : std::unexpected(ok.error());
    } else if (tool == "sqlx") {
        ok = require_columns({"version", "success", "checksum", "installed_on"});
        history = ok ? read_sqlx_history(db) : std::unexpected(ok.error());
    } else if (tool == "Prisma") {
        ok = require_columns({"migration_name", "checksum", "finished_at", "rolled_back_at"});
        history = ok ? read_prisma_history(db) : std::unexpected(ok.error());
    } else if (tool == "Flyway") {
        ok = require_columns({"installed_rank", "version", "description", "type", "script",
                              "checksum", "installed_on", "success"});
        history = ok ? read_flyway(db) : std::unexpected(ok.error());
    } else if (tool == "diesel") {
        ok = require_columns({"version", "run_on"});
        history = ok ? read_listing(db, tool, "__diesel_schema_migrations",
                                    "SELECT replace(version, '-', ''), coalesce(run_on, '') FROM "
                                    "__diesel_schema_migrations ORDER BY 1")
                     : std::unexpected(ok.error());
    } else if (tool == "Drizzle") {
        ok = require_columns({"hash", "created_at"});
        history = ok ? read_drizzle(db) : std::unexpected(ok.error());
    } else {
        // dbmate's schema_migrations and pop's schema_migration: a version per row, no time.
        const std::string table = known_table_of(tool)->table;
        ok = require_columns({"version"});
        history = ok ? read_listing(
                           db, tool, table,
                           "SELECT version FROM " + quote_identifier(table) + " ORDER BY version")
                     : std::unexpected(ok.error());
    }
    BELAY_TRY(history);
    return std::optional(std::move(*history));
}

}  // namespace

Result<std::optional<ForeignHistory>> read_foreign_history(Database& db,
                                                           const std::optional<std::string>& tool) {
    if (tool && !is_adoptable(*tool)) {
        return fail(
            ErrorCode::invalid_input,
            "{} {}: expected goose, sql-migrate, golang-migrate, dbmate, pop, diesel, sqlx, "
            "prisma, drizzle or flyway",
            Option::from_tool, *tool);
    }
    for (const auto* candidate : k_adoptable) {
        if (tool && !iequals_ascii(*tool, candidate)) {
            continue;
        }
        auto columns = columns_of(db, known_table_of(candidate)->table);
        BELAY_TRY(columns);
        if (columns->empty() || columns->contains("schema_fingerprint")) {
            continue;  // absent, or belay's own history table
        }
        const bool golang = columns->contains("dirty");
        if (!tool && std::string(candidate) == "golang-migrate" && !golang) {
            continue;  // a schema_migrations without a dirty column is dbmate's
        }
        return read_as(db, candidate, *columns);
    }
    return std::optional<ForeignHistory>();
}

Result<std::vector<ToolHistory>> find_tool_histories(Database& db) {
    std::vector<ToolHistory> found;
    for (const auto& known : known_tables()) {
        if (std::ranges::any_of(found,
                                [&](const ToolHistory& h) { return h.table == known.table; })) {
            continue;  // schema_migrations: golang-migrate's, so not dbmate's too
        }
        auto columns = columns_of(db, known.table);
        BELAY_TRY(columns);
        if (columns->empty() || columns->contains("schema_fingerprint") ||
            !std::ranges::all_of(known.columns,
                                 [&](const std::string& c) { return columns->contains(c); })) {
            continue;  // absent, belay's own, or a table of that name no tool made
        }
        std::string tool = known.tool;
        if (tool == "dbmate") {
            // Rails keeps the same schema_migrations (version) and, since 5.0, this table.
            auto rails = columns_of(db, "ar_internal_metadata");
            BELAY_TRY(rails);
            tool = rails->contains("key") ? "Rails" : "dbmate";
        }
        const bool adoptable = is_adoptable(known.tool);
        found.push_back(ToolHistory{tool, known.table, adoptable});
    }
    return found;
}

namespace {

// The query that lists a tool's entries (read_tool_records), by tool.
std::string records_query(const ToolHistory& tool) {
    const auto table = quote_identifier(tool.table);
    if (tool.tool == "sql-migrate") {
        return "SELECT id FROM " + table + " ORDER BY id";
    }
    if (tool.tool == "golang-migrate") {
        return "SELECT version || CASE WHEN dirty THEN ' (dirty)' ELSE '' END FROM " + table;
    }
    if (tool.tool == "Prisma") {
        return "SELECT migration_name || CASE WHEN rolled_back_at IS NOT NULL THEN ' (rolled "
               "back)' WHEN finished_at IS NULL THEN ' (failed)' ELSE '' END FROM " +
               table + " ORDER BY started_at, migration_name";
    }
    if (tool.tool == "Drizzle") {
        return "SELECT created_at FROM " + table + " ORDER BY id";
    }
    if (tool.tool == "sqlx") {
        return "SELECT version || CASE WHEN success THEN '' ELSE ' (failed)' END FROM " + table +
               " ORDER BY version";
    }
    if (tool.tool == "Flyway") {
        return "SELECT coalesce(version, 'R ' || description) || CASE WHEN success THEN '' ELSE "
               "' (failed)' END FROM " +
               table + " ORDER BY installed_rank";
    }
    if (tool.tool == "Alembic") {
        return "SELECT version_num FROM " + table + " ORDER BY version_num";
    }
    return "SELECT version FROM " + table + " ORDER BY version";  // dbmate, Rails, pop, diesel
}

}  // namespace

Result<std::vector<std::string>> read_tool_records(Database& db, const ToolHistory& tool) {
    std::vector<std::string> records;
    if (tool.tool == "goose") {
        auto goose = read_goose(db);
        BELAY_TRY(goose);
        for (auto& row : goose->applied) {
            records.push_back(std::move(row.version));
        }
        return records;
    }
    auto rows = query_rows(db, records_query(tool));
    BELAY_TRY(rows);
    for (auto& row : *rows) {
        records.push_back(std::move(row.at(0)));
    }
    return records;
}

Result<void> rename_tool_table(Database& db, const std::string& table,
                               const std::string& new_name) {
    return db.exec(fmt::format("ALTER TABLE {} RENAME TO {}", quote_identifier(table),
                               quote_identifier(new_name)));
}

}  // namespace belay::sqlite
