#include "engine/dump_schema.hpp"

#include <algorithm>
#include <iterator>
#include <set>

#include <fmt/format.h>

#include "core/durable_file.hpp"
#include "core/migration_files.hpp"
#include "core/plan.hpp"
#include "engine/database_state.hpp"
#include "engine/migration_set.hpp"
#include "engine/scratch_run.hpp"
#include "sqlite/database.hpp"
#include "sqlite/identifiers.hpp"
#include "sqlite/schema_inspection.hpp"

namespace belay::engine {

namespace {

constexpr std::string_view k_begin = "BEGIN TRANSACTION;\n";
constexpr std::string_view k_history_marker =
    "-- belay's history: the migrations applied, so that a database loaded from this file is at "
    "the same version\n";

// The first column of every row, each followed by ";\n" unless it already ends a statement.
Result<std::string> statements_of(sqlite::Database& db, const std::string& sql) {
    auto rows = sqlite::query_rows(db, sql);
    BELAY_TRY(rows);
    std::string text;
    for (const auto& row : *rows) {
        text += row.at(0);
        text += row.at(0).ends_with(";") ? "\n" : ";\n";
    }
    return text;
}

// The user's tables, indexes, views and triggers, in that order, each group by name; not
// belay's tables, nor tables SQLite makes itself (FTS5's shadow tables).
Result<std::string> user_objects(sqlite::Database& db, const std::string& history_table) {
    return statements_of(
        db, fmt::format("SELECT sql FROM sqlite_schema AS m WHERE sql IS NOT NULL "
                        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                        "AND NOT (type = 'table' AND name LIKE 'belay\\_%' ESCAPE '\\') "
                        "AND NOT EXISTS (SELECT 1 FROM pragma_table_list AS l WHERE "
                        "l.name = m.name AND l.type = 'shadow') "
                        "AND NOT (type = 'table' AND name = {0} COLLATE NOCASE) "
                        "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 "
                        "WHEN 'view' THEN 2 ELSE 3 END, name",
                        sqlite::quote_literal(history_table)));
}

// belay's history table and belay_schema with their rows ("" when belay never ran here). The
// history rows get the loading time and 0 ms, so the text is the same for every database
// migrated from the same files.
Result<std::string> history_part(sqlite::Database& db, const std::string& history_table) {
    const auto name = sqlite::quote_literal(history_table);
    auto tables = statements_of(
        db, fmt::format("SELECT sql FROM sqlite_schema WHERE type = 'table' AND (name = {0} "
                        "COLLATE NOCASE OR name = 'belay_schema') ORDER BY name = 'belay_schema'",
                        name));
    if (!tables || tables->empty()) {
        return tables;
    }
    auto rows = statements_of(
        db, fmt::format("SELECT 'INSERT INTO {0} (version, name, checksum, applied_at, "
                        "execution_ms, schema_fingerprint) VALUES (' || quote(version) || ', ' || "
                        "quote(name) || ', ' || quote(checksum) || ', ' || "
                        "'strftime(''%Y-%m-%dT%H:%M:%SZ'', ''now''), 0, ' || "
                        "quote(schema_fingerprint) || ')' FROM {0} ORDER BY "
                        "length(ltrim(version, '0')), ltrim(version, '0')",
                        sqlite::quote_identifier(history_table)));
    if (!rows) {
        return rows;
    }
    std::string recorded;
    if (tables->find("belay_schema") != std::string::npos) {
        auto schema_rows = statements_of(
            db, fmt::format("SELECT 'INSERT INTO belay_schema (history_table, type, name, "
                            "tbl_name, sql) VALUES (' || quote(history_table) || ', ' || "
                            "quote(type) || ', ' || quote(name) || ', ' || quote(tbl_name) || "
                            "', ' || quote(sql) || ')' FROM belay_schema WHERE history_table = "
                            "{0} ORDER BY type, name",
                            name));
        if (!schema_rows) {
            return schema_rows;
        }
        recorded = std::move(*schema_rows);
    }
    return *tables + *rows + recorded;
}

Result<std::string> dump_database(sqlite::Database& db, const std::string& history_table,
                                  std::string_view written_by, const std::string& version) {
    auto objects = user_objects(db, history_table);
    auto history = objects ? history_part(db, history_table) : objects;
    BELAY_TRY(history);
    return fmt::format(
        "-- Schema at version {}, written by {}. Load it into a new database "
        "with:\n--   sqlite3 new.db < schema.sql\n{}{}\n{}{}COMMIT;\n",
        version, written_by, k_begin, *objects, k_history_marker, *history);
}

// The schema part of a dump (between BEGIN and the history marker) and the history's
// versions, as text lines.
struct DumpParts {
    std::vector<std::string> schema;
    std::vector<std::string> versions;
};

DumpParts split_dump(std::string_view dump, const std::string& history_table) {
    DumpParts parts;
    const auto begin = dump.find(k_begin);
    const auto marker = dump.find(k_history_marker);
    const auto schema_start = begin == std::string_view::npos ? 0 : begin + k_begin.size();
    const auto schema_end = marker == std::string_view::npos ? dump.size() : marker;
    const auto insert =
        fmt::format("INSERT INTO {} (version, ", sqlite::quote_identifier(history_table));
    std::size_t start = 0;
    while (start < dump.size()) {
        const auto end = std::min(dump.find('\n', start), dump.size());
        const auto line = std::string(dump.substr(start, end - start));
        if (start >= schema_start && end <= schema_end && !line.empty()) {
            parts.schema.push_back(line);
        } else if (line.starts_with(insert)) {
            const auto open = line.find("VALUES ('");
            const auto close = open == std::string::npos ? open : line.find('\'', open + 9);
            if (close != std::string::npos) {
                parts.versions.push_back(line.substr(open + 9, close - open - 9));
            }
        }
        start = end + 1;
    }
    return parts;
}

// Every Up, in order, on a scratch database; its dump.
Result<std::string> dump_of_migrations(const MigrateOptions& options) {
    auto set = load_migration_set(options.db);
    auto scratch = set ? ScratchRun::create("belay-dump-check", options)
                       : Result<ScratchRun>(std::unexpected(set.error()));
    BELAY_TRY(scratch);
    for (const auto& migration : set->migrations) {
        auto outcome = scratch->apply(migration, Direction::up);
        if (outcome.error) {
            return fail(ErrorCode::invalid_input,
                        "cannot build the schema from the migrations: {}_{} fails on a scratch "
                        "database: {}",
                        migration.version.text(), migration.name, outcome.error->message);
        }
    }
    const auto newest =
        set->migrations.empty() ? std::string("0") : set->migrations.back().version.text();
    return dump_database(scratch->db(), options.db.history_table, "belay", newest);
}

Result<DumpSchemaReport> check_dump(const DumpSchemaOptions& options) {
    auto file = read_whole_file(*options.check);
    BELAY_TRY(file);
    auto expected = dump_of_migrations(options.run);
    BELAY_TRY(expected);
    const auto& table = options.run.db.history_table;
    const auto have = split_dump(*file, table);
    const auto want = split_dump(*expected, table);
    DumpSchemaReport report;
    const auto compare = [&](std::vector<std::string> a, std::vector<std::string> b,
                             std::string_view what) {
        std::ranges::sort(a);
        std::ranges::sort(b);
        std::vector<std::string> missing;
        std::vector<std::string> extra;
        std::ranges::set_difference(b, a, std::back_inserter(missing));
        std::ranges::set_difference(a, b, std::back_inserter(extra));
        for (const auto& line : missing) {
            report.differences.push_back(fmt::format("missing {}: {}", what, line));
        }
        for (const auto& line : extra) {
            report.differences.push_back(fmt::format("extra {}: {}", what, line));
        }
    };
    compare(have.schema, want.schema, "schema line");
    compare(have.versions, want.versions, "history version");
    return report;
}

}  // namespace

Result<DumpSchemaReport> run_dump_schema(const DumpSchemaOptions& options) {
    if (options.check) {
        return check_dump(options);
    }
    const auto& db_options = options.run.db;
    auto state = read_database_state(db_options);
    BELAY_TRY(state);
    if (!state->exists) {
        return fail(db_options.database, ErrorCode::invalid_input,
                    "database {} does not exist; nothing to dump", db_options.database.string());
    }
    auto db = sqlite::Database::open(db_options.database, sqlite::OpenMode::read_only,
                                     db_options.lock_timeout);
    auto set =
        db ? load_migration_set(db_options) : Result<MigrationSet>(std::unexpected(db.error()));
    // The version as the history says; the files are only needed to spell it.
    const auto version = set ? build_plan(set->migrations, state->history).current_version
                             : build_plan(std::vector<Migration>{}, state->history).current_version;
    BELAY_TRY(db);
    auto sql = dump_database(*db, db_options.history_table, options.written_by, version);
    BELAY_TRY(sql);
    DumpSchemaReport report;
    if (options.out) {
        auto ownership = FileOwnership{};
        BELAY_TRY(write_new_file_durably(*options.out, *sql, ownership, ExistingFile::replace));
        report.notes.push_back(fmt::format("wrote {}", options.out->string()));
    } else {
        report.sql = std::move(*sql);
    }
    return report;
}

}  // namespace belay::engine
