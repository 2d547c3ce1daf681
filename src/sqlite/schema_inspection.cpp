#include "sqlite/schema_inspection.hpp"

#include <set>

#include <fmt/ranges.h>

#include "core/ascii.hpp"
#include "core/checksum.hpp"
#include "sqlite/database.hpp"
#include "sqlite/identifiers.hpp"
#include "sqlite/statement.hpp"

namespace belay::sqlite {

Result<std::vector<std::vector<std::string>>> query_rows(Database& db, std::string_view sql) {
    auto statement = db.prepare(sql);
    if (!statement) {
        return std::unexpected(statement.error());
    }
    std::vector<std::vector<std::string>> rows;
    while (true) {
        auto row = statement->step();
        if (!row) {
            return std::unexpected(row.error());
        }
        if (!*row) {
            return rows;
        }
        std::vector<std::string> values;
        for (int i = 0; i < statement->column_count(); ++i) {
            values.push_back(statement->column_text(i));
        }
        rows.push_back(std::move(values));
    }
}

namespace {

// The error SQLite gives when preparing `sql`, or "" when it compiles.
std::string prepare_error(Database& db, const std::string& sql) {
    auto statement = db.prepare(sql);
    if (statement) {
        return {};
    }
    // Drop the "<path>: cannot prepare statement: " prefix; keep SQLite's own words.
    const auto& message = statement.error().message;
    const auto colon = message.rfind("statement: ");
    return colon == std::string::npos ? message : message.substr(colon + 11);
}

}  // namespace

Result<std::vector<SchemaObject>> read_schema_objects(Database& db,
                                                      const std::string& history_table) {
    auto statement = db.prepare(
        "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema "
        "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "AND NOT (type = 'table' AND name LIKE 'belay\\_%' ESCAPE '\\') "
        "AND NOT (type = 'table' AND name = ?1 COLLATE NOCASE) ORDER BY type, name");
    if (!statement) {
        return std::unexpected(statement.error());
    }
    statement->bind(1, history_table);
    std::vector<SchemaObject> objects;
    while (true) {
        auto row = statement->step();
        if (!row) {
            return std::unexpected(row.error());
        }
        if (!*row) {
            return objects;
        }
        objects.push_back(SchemaObject{statement->column_text(0), statement->column_text(1),
                                       statement->column_text(2), statement->column_text(3)});
    }
}

std::string fingerprint_of(const std::vector<SchemaObject>& objects) {
    std::string canonical;
    for (const auto& object : objects) {
        canonical += fmt::format("{}\x1f{}\x1f{}\x1f{}\n", object.type, object.name, object.table,
                                 object.sql);
    }
    return sha256_hex(canonical);
}

Result<std::string> schema_fingerprint(Database& db, const std::string& history_table) {
    auto objects = read_schema_objects(db, history_table);
    if (!objects) {
        return std::unexpected(objects.error());
    }
    return fingerprint_of(*objects);
}

namespace {

// Every foreign key of the schema, read once per capture: which tables to check, and which
// keys point at a table that does not exist.
struct ForeignKeys {
    std::vector<std::pair<std::string, std::string>> edges;  // (child table, parent as written)
    std::set<std::string> tables;                            // every table, ASCII lower case
};

Result<ForeignKeys> read_foreign_keys(Database& db) {
    // A table with a foreign key says REFERENCES in its CREATE statement (ALTER TABLE ADD
    // COLUMN edits that text too), so only those tables are asked: in a schema of a thousand
    // tables without foreign keys, the pragma then runs for none of them.
    auto edges = query_rows(db,
                            "SELECT m.name, f.\"table\" FROM sqlite_schema m, "
                            "pragma_foreign_key_list(m.name) f "
                            "WHERE m.type = 'table' AND m.sql LIKE '%references%'");
    auto tables = edges ? query_rows(db, "SELECT name FROM sqlite_schema WHERE type = 'table'")
                        : std::unexpected(edges.error());
    if (!tables) {
        return std::unexpected(tables.error());
    }
    ForeignKeys keys;
    for (auto& edge : *edges) {
        keys.edges.emplace_back(std::move(edge[0]), std::move(edge[1]));
    }
    for (const auto& table : *tables) {
        keys.tables.insert(to_lower_ascii(table[0]));
    }
    return keys;
}

// Per table, so that one table whose foreign key SQLite cannot check ("foreign key mismatch":
// the parent key is not unique) is a finding of its own instead of failing the whole capture.
// Only a table with a foreign key of its own can hold violations or a mismatch (both are found
// from the child's side), so the others are not scanned at all.
void capture_foreign_key_violations(Database& db, const ForeignKeys& keys, ValidationState& state) {
    std::set<std::string> children;
    for (const auto& edge : keys.edges) {
        children.insert(edge.first);
    }
    for (const auto& table : children) {
        auto rows = query_rows(db, "SELECT parent, count(*) FROM pragma_foreign_key_check(" +
                                       quote_literal(table) + ") GROUP BY parent");
        if (!rows) {
            const auto& message = rows.error().message;
            const auto at = message.find("foreign key mismatch");
            state.foreign_key_mismatches[table] =
                at == std::string::npos ? message : message.substr(at);
            continue;
        }
        for (const auto& row : *rows) {
            state.foreign_key_violations[table + " -> " + row[0]] = std::stoll(row[1]);
        }
    }
}

// A foreign key whose parent table does not exist (SQLite compares names without ASCII case).
void capture_dangling_references(const ForeignKeys& keys, ValidationState& state) {
    for (const auto& [child, parent] : keys.edges) {
        if (!keys.tables.contains(to_lower_ascii(parent))) {
            state.dangling_references[child + " -> " + parent] = fmt::format(
                "table {} has a foreign key to {}, which does not exist", child, parent);
        }
    }
}

Result<void> capture_broken_views(Database& db, ValidationState& state) {
    auto views = query_rows(db, "SELECT name FROM sqlite_schema WHERE type = 'view'");
    if (!views) {
        return std::unexpected(views.error());
    }
    for (const auto& row : *views) {
        auto error = prepare_error(db, "SELECT * FROM " + quote_identifier(row[0]) + " LIMIT 0");
        if (!error.empty()) {
            state.broken_views[row[0]] = error;
        }
    }
    return {};
}

// Preparing INSERT, UPDATE and DELETE on a table compiles its triggers for that event, so a
// trigger whose body names a dropped table or column fails here, without running anything.
Result<void> capture_broken_triggers(Database& db, ValidationState& state) {
    auto subjects = query_rows(db,
                               "SELECT DISTINCT t.tbl_name, coalesce(o.type, '') "
                               "FROM sqlite_schema t LEFT JOIN sqlite_schema o "
                               "ON o.name = t.tbl_name AND o.type IN ('table', 'view') "
                               "WHERE t.type = 'trigger'");
    if (!subjects) {
        return std::unexpected(subjects.error());
    }
    for (const auto& subject : *subjects) {
        const auto& table = subject[0];
        const auto quoted = quote_identifier(table);
        auto columns = query_rows(db, "SELECT name FROM pragma_table_xinfo(" +
                                          quote_literal(table) + ") WHERE hidden IN (0, 1)");
        std::vector<std::string> assignments;
        if (columns) {
            for (const auto& column : *columns) {
                const auto c = quote_identifier(column[0]);
                assignments.push_back(c + " = " + c);
            }
        }
        const std::pair<const char*, std::string> probes[] = {
            {"INSERT", "INSERT INTO " + quoted + " DEFAULT VALUES"},
            {"UPDATE", assignments.empty() ? std::string()
                                           : fmt::format("UPDATE {} SET {} WHERE 0", quoted,
                                                         fmt::join(assignments, ", "))},
            {"DELETE", "DELETE FROM " + quoted + " WHERE 0"},
        };
        for (const auto& [event, sql] : probes) {
            auto error = sql.empty() ? std::string() : prepare_error(db, sql);
            // A view without an INSTEAD OF trigger for this event cannot be modified at all:
            // that is how views are, not a broken trigger.
            if (!error.empty() && error.find("cannot modify") == std::string::npos) {
                state.broken_triggers[fmt::format("{} ({})", table, event)] = error;
            }
        }
    }
    return {};
}

}  // namespace

Result<ValidationState> capture_validation_state(Database& db) {
    ValidationState state;
    auto keys = read_foreign_keys(db);
    if (!keys) {
        return std::unexpected(with_context(keys.error(), "validation query failed"));
    }
    capture_foreign_key_violations(db, *keys, state);
    capture_dangling_references(*keys, state);
    for (auto capture : {capture_broken_views, capture_broken_triggers}) {
        if (auto ok = capture(db, state); !ok) {
            return std::unexpected(with_context(ok.error(), "validation query failed"));
        }
    }
    return state;
}

ValidationFindings compare_validation_states(const ValidationState& before,
                                             const ValidationState& after, bool strict) {
    ValidationFindings findings;
    for (const auto& [key, count] : after.foreign_key_violations) {
        const auto it = before.foreign_key_violations.find(key);
        const std::int64_t old_count = it == before.foreign_key_violations.end() ? 0 : it->second;
        if (count > old_count) {
            findings.errors.push_back(fmt::format(
                "foreign key violation: {} row(s) of {} point at no row ({} before the step)",
                count, key, old_count));
        }
    }
    for (const auto& [table, error] : after.foreign_key_mismatches) {
        if (!before.foreign_key_mismatches.contains(table)) {
            findings.errors.push_back(
                fmt::format("the foreign keys of {} cannot be checked: {}", table, error));
        }
    }
    for (const auto& [view, error] : after.broken_views) {
        if (!before.broken_views.contains(view)) {
            findings.errors.push_back(fmt::format("view {} no longer works: {}", view, error));
        }
    }
    for (const auto& [subject, error] : after.broken_triggers) {
        if (!before.broken_triggers.contains(subject)) {
            findings.errors.push_back(
                fmt::format("a trigger on {} no longer compiles: {}", subject, error));
        }
    }
    for (const auto& [key, detail] : after.dangling_references) {
        if (!before.dangling_references.contains(key)) {
            (strict ? findings.errors : findings.warnings)
                .push_back(fmt::format("dangling foreign key: {}", detail));
        }
    }
    return findings;
}

Result<std::vector<std::string>> check_integrity(Database& db, bool full) {
    auto rows = query_rows(db, full ? "PRAGMA integrity_check" : "PRAGMA quick_check");
    if (!rows) {
        return std::unexpected(rows.error());
    }
    std::vector<std::string> problems;
    for (const auto& row : *rows) {
        if (!row.empty() && row[0] != "ok") {
            problems.push_back(row[0]);
        }
    }
    return problems;
}

}  // namespace belay::sqlite
