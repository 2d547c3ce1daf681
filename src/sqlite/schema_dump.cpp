#include "sqlite/schema_dump.hpp"

#include <algorithm>
#include <regex>

#include <fmt/format.h>

#include "belay/version.hpp"
#include "sqlite/database.hpp"
#include "sqlite/identifiers.hpp"
#include "sqlite/schema_inspection.hpp"

namespace belay::sqlite {

namespace {

constexpr std::string_view k_begin = "BEGIN TRANSACTION;\n";
constexpr std::string_view k_history_marker =
    "-- belay's history: the migrations applied, so that a database loaded from this file is at "
    "the same version\n";

// The first column of every row, each followed by ";\n" unless it already ends a statement.
Result<std::string> statements_of(Database& db, const std::string& sql) {
    auto rows = query_rows(db, sql);
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
Result<std::string> user_object_statements(Database& db, const std::string& history_table) {
    return statements_of(
        db, fmt::format("SELECT sql FROM sqlite_schema AS m WHERE sql IS NOT NULL "
                        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                        "AND NOT (type = 'table' AND name LIKE 'belay\\_%' ESCAPE '\\') "
                        "AND NOT EXISTS (SELECT 1 FROM pragma_table_list AS l WHERE "
                        "l.name = m.name AND l.type = 'shadow') "
                        "AND NOT (type = 'table' AND name = {0} COLLATE NOCASE) "
                        "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 "
                        "WHEN 'view' THEN 2 ELSE 3 END, name",
                        quote_literal(history_table)));
}

// The INSERT statements of the history table's rows, in version order (as numbers, Flyway's
// dotted versions part by part; text that is no version last, by text).
Result<std::string> history_rows_in_version_order(Database& db, const std::string& history_table) {
    auto rows = query_rows(
        db, fmt::format("SELECT 'INSERT INTO {0} (version, name, checksum, applied_at, "
                        "execution_ms, schema_fingerprint) VALUES (' || quote(version) || ', ' || "
                        "quote(name) || ', ' || quote(checksum) || ', ' || "
                        "'strftime(''%Y-%m-%dT%H:%M:%SZ'', ''now''), 0, ' || "
                        "quote(schema_fingerprint) || ')', version FROM {0} ORDER BY version",
                        quote_identifier(history_table)));
    BELAY_TRY(rows);
    const auto key = [](const std::vector<std::string>& row) {
        return std::pair{Version::parse_dotted(row.at(1)), row.at(1)};
    };
    std::ranges::stable_sort(*rows, [&](const auto& left, const auto& right) {
        const auto [a, a_text] = key(left);
        const auto [b, b_text] = key(right);
        if (a && b && *a != *b) {
            return *a < *b;
        }
        if (a.has_value() != b.has_value()) {
            return a.has_value();
        }
        return a_text < b_text;
    });
    std::string text;
    for (const auto& row : *rows) {
        text += row.at(0) + ";\n";
    }
    return text;
}

// The rows of belay's table `table` (belay_schema or belay_repeatable) that belong to the
// history table `name` (a quoted literal), as INSERT statements in `order`: `values` is the SQL
// expression that spells a row's values as literals, in the order of the columns `names`.
Result<std::string> shared_table_rows(Database& db, std::string_view table, std::string_view names,
                                      std::string_view values, std::string_view order,
                                      const std::string& name) {
    return statements_of(
        db, fmt::format("SELECT 'INSERT INTO {0} ({1}) VALUES (' || {2} || ')' FROM {0} WHERE "
                        "history_table = {3} ORDER BY {4}",
                        table, names, values, name, order));
}

// belay's history table, belay_schema and belay_repeatable (when it has repeatable migrations)
// with their rows ("" when belay never ran here). The history rows and the repeatable
// migrations' rows get the loading time (and 0 ms), so the text is the same for every database
// migrated from the same files.
Result<std::string> history_part(Database& db, const std::string& history_table) {
    const auto name = quote_literal(history_table);
    auto tables = statements_of(
        db, fmt::format("SELECT sql FROM sqlite_schema WHERE type = 'table' AND (name = {0} "
                        "COLLATE NOCASE OR name IN ('belay_schema', 'belay_repeatable')) "
                        "ORDER BY CASE name WHEN 'belay_schema' THEN 1 WHEN 'belay_repeatable' "
                        "THEN 2 ELSE 0 END",
                        name));
    if (!tables || tables->empty()) {
        return tables;
    }
    auto rows = history_rows_in_version_order(db, history_table);
    if (!rows) {
        return rows;
    }
    std::string recorded;
    if (tables->find("belay_schema") != std::string::npos) {
        auto schema_rows = shared_table_rows(
            db, "belay_schema", "history_table, type, name, tbl_name, sql",
            "quote(history_table) || ', ' || quote(type) || ', ' || quote(name) || ', ' || "
            "quote(tbl_name) || ', ' || quote(sql)",
            "type, name", name);
        BELAY_TRY(schema_rows);
        recorded = std::move(*schema_rows);
    }
    if (tables->find("belay_repeatable") != std::string::npos) {
        auto repeatable_rows = shared_table_rows(
            db, "belay_repeatable", "history_table, name, checksum, applied_at",
            "quote(history_table) || ', ' || quote(name) || ', ' || quote(checksum) || ', ' || "
            "'strftime(''%Y-%m-%dT%H:%M:%SZ'', ''now'')'",
            "name", name);
        BELAY_TRY(repeatable_rows);
        recorded += *repeatable_rows;
    }
    return *tables + *rows + recorded;
}

std::string escape_for_regex(std::string_view text) {
    std::string escaped;
    for (const char c : text) {
        if (std::string_view(R"(\^$.|?*+()[]{})").find(c) != std::string_view::npos) {
            escaped += '\\';
        }
        escaped += c;
    }
    return escaped;
}

}  // namespace

Result<std::string> dump_schema(Database& db, const std::string& history_table,
                                std::string_view written_by, const std::string& version) {
    auto objects = user_object_statements(db, history_table);
    auto history = objects ? history_part(db, history_table) : objects;
    BELAY_TRY(history);
    return fmt::format(
        "-- Schema at version {}, written by {}. Load it into a new database "
        "with:\n--   sqlite3 new.db < schema.sql\n{}{}\n{}{}COMMIT;\n",
        version, written_by, k_begin, *objects, k_history_marker, *history);
}

DumpParts split_dump(std::string_view dump, const std::string& history_table) {
    DumpParts parts;
    const auto begin = dump.find(k_begin);
    const auto marker = dump.find(k_history_marker);
    const auto schema_start = begin == std::string_view::npos ? 0 : begin + k_begin.size();
    const auto schema_end = marker == std::string_view::npos ? dump.size() : marker;
    // Only a line that is exactly such a row, its values SQL literals, is read as one: a line
    // with anything more (a second statement) is another line.
    const std::string literal = "'(?:[^']|'')*'";
    const std::string value = "(?:" + literal + "|NULL)";
    const std::regex history_row(
        "INSERT INTO " + escape_for_regex(quote_identifier(history_table)) +
        R"( \(version, name, checksum, applied_at, execution_ms, schema_fingerprint\) VALUES \('((?:[^']|'')*)', )" +
        value + ", " + value + R"(, strftime\('%Y-%m-%dT%H:%M:%SZ', 'now'\), 0, )" + value +
        R"(\);)");
    std::size_t start = 0;
    while (start < dump.size()) {
        const auto end = std::min(dump.find('\n', start), dump.size());
        const auto line = std::string(dump.substr(start, end - start));
        std::smatch match;
        if (begin != std::string_view::npos && end <= begin &&
            (line.empty() || line.starts_with("--"))) {
            // The comments above the script (who wrote it, when).
        } else if (start >= schema_start && end <= schema_end) {
            parts.schema.push_back(line);
        } else if (std::regex_match(line, match, history_row)) {
            parts.history.emplace(match[1].str(), line);
        } else {
            parts.other.push_back(line);
        }
        start = end + 1;
    }
    return parts;
}

}  // namespace belay::sqlite
