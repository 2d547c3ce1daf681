#include "sqlite/schema_inspection.hpp"

#include <algorithm>
#include <iterator>
#include <optional>
#include <set>

#include <fmt/ranges.h>

#include "core/ascii.hpp"
#include "core/checksum.hpp"
#include "sqlite/database.hpp"
#include "sqlite/identifiers.hpp"
#include "sqlite/statement.hpp"
#include "sqlite/validation_probe.hpp"

namespace belay::sqlite {

Result<std::vector<std::vector<std::string>>> query_rows(Database& db, std::string_view sql) {
    auto statement = db.prepare(sql);
    BELAY_TRY(statement);
    std::vector<std::vector<std::string>> rows;
    auto read = statement->each_row([&](const Statement& row) {
        std::vector<std::string> values;
        for (int i = 0; i < row.column_count(); ++i) {
            values.push_back(row.column_text(i));
        }
        rows.push_back(std::move(values));
    });
    BELAY_TRY(read);
    return rows;
}

Result<std::map<std::string, std::set<std::string>>> table_columns(Database& db) {
    auto statement = db.prepare(
        "SELECT m.name, c.name FROM sqlite_schema AS m, pragma_table_info(m.name) AS c "
        "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "AND m.name NOT LIKE 'belay\\_%' ESCAPE '\\'");
    BELAY_TRY(statement);
    std::map<std::string, std::set<std::string>> columns;
    auto read = statement->each_row(
        [&](const Statement& row) { columns[row.column_text(0)].insert(row.column_text(1)); });
    BELAY_TRY(read);
    return columns;
}

std::string fingerprint_of(const std::vector<SchemaObject>& objects) {
    std::size_t size = 0;
    for (const auto& object : objects) {
        size +=
            object.type.size() + object.name.size() + object.table.size() + object.sql.size() + 4;
    }
    std::string canonical;
    canonical.reserve(size);
    for (const auto& object : objects) {
        for (const auto* field : {&object.type, &object.name, &object.table}) {
            canonical += *field;
            canonical += '\x1f';
        }
        canonical += object.sql;
        canonical += '\n';
    }
    return sha256_hex(canonical);
}

Result<std::string> schema_fingerprint(Database& db, const std::string& history_table) {
    auto objects = read_schema_objects(db, history_table);
    BELAY_TRY(objects);
    return fingerprint_of(*objects);
}

namespace {

// Every foreign key of the schema, read once per capture: which tables to check, and which
// keys point at a table that does not exist.
struct ForeignKeys {
    std::vector<std::pair<std::string, std::string>> edges;  // (child table, parent as written)
};

Result<ForeignKeys> read_foreign_keys(Database& db, const SchemaCatalog& catalog) {
    // A table with a foreign key says REFERENCES in its CREATE statement (ALTER TABLE ADD
    // COLUMN edits that text too), so only those tables are asked: in a schema of a thousand
    // tables without foreign keys, the pragma then runs for none of them.
    ForeignKeys keys;
    std::optional<Statement> list;
    for (std::size_t i = 0; i < catalog.rows().size(); ++i) {
        const auto& object = catalog.rows()[i];
        if (object.type != "table" || !catalog.mentions_references(i)) {
            continue;
        }
        if (!list) {
            auto statement = db.prepare("SELECT \"table\" FROM pragma_foreign_key_list(?1)");
            BELAY_TRY(statement);
            list.emplace(std::move(*statement));
        }
        list->reset();
        list->bind(1, object.name);
        BELAY_TRY(list->each_row([&](const Statement& row) {
            keys.edges.emplace_back(object.name, row.column_text(0));
        }));
    }
    return keys;
}

// The violations of one child table, per parent, with the rowids that tell them apart.
Result<void> read_violations(Statement& check, const std::string& table, ValidationState& state) {
    auto read = check.each_row([&](const Statement& row) {
        const auto parent = row.column_text(2);
        auto& violations = state.foreign_key_violations[table + " -> " + parent];
        if (violations.count++ == 0) {
            violations.table = table;
            violations.parent = parent;
        }
        if (row.column_is_null(1)) {
            violations.rowids = false;
        } else {
            violations.rows.emplace_back(row.column_int(1), row.column_int(3));
        }
    });
    if (!read) {
        return read;
    }
    for (auto& [key, violations] : state.foreign_key_violations) {
        if (violations.table == table) {
            std::ranges::sort(violations.rows);
        }
    }
    return {};
}

// Per table, so that one table whose foreign key SQLite cannot check ("foreign key mismatch":
// the parent key is not unique) is a finding of its own instead of failing the whole capture.
// Only a table with a foreign key of its own can hold violations or a mismatch (both are found
// from the child's side), so the others are not scanned at all. Each violating row is kept
// (its rowid, 16 bytes), so that a step that removes one old violation and makes a new one is
// still seen; without violations this costs what counting them did.
Result<void> capture_foreign_key_violations(Database& db, const ForeignKeys& keys,
                                            ExecutionGuard* guard, ValidationState& state) {
    std::set<std::string> children;
    for (const auto& edge : keys.edges) {
        children.insert(edge.first);
    }
    for (const auto& table : children) {
        if (auto ok = stop_if_asked(guard); !ok) {
            return ok;
        }
        // Columns by position: table, rowid, parent, fkid ("rowid" by name would be the
        // table-valued function's own).
        auto check =
            db.prepare("SELECT * FROM pragma_foreign_key_check(" + quote_literal(table) + ")");
        auto read = check ? read_violations(*check, table, state) : Result<void>();
        const auto& failure = !check ? check.error() : read ? Error{} : read.error();
        if (check && read) {
            continue;
        }
        if (failure.code == ErrorCode::interrupted) {
            return std::unexpected(failure);
        }
        std::erase_if(state.foreign_key_violations,
                      [&](const auto& entry) { return entry.second.table == table; });
        const auto& message = failure.message;
        const auto at = message.find("foreign key mismatch");
        state.foreign_key_mismatches[table] =
            at == std::string::npos ? message : message.substr(at);
    }
    return {};
}

// A foreign key whose parent table does not exist (SQLite compares names without ASCII case).
void capture_dangling_references(const ForeignKeys& keys, const SchemaCatalog& catalog,
                                 ValidationState& state) {
    if (keys.edges.empty()) {
        return;
    }
    std::set<std::string> tables;  // ASCII lower case
    for (const auto& object : catalog.rows()) {
        if (object.type == "table") {
            tables.insert(to_lower_ascii(object.name));
        }
    }
    for (const auto& [child, parent] : keys.edges) {
        if (!tables.contains(to_lower_ascii(parent))) {
            state.dangling_references[child + " -> " + parent] = fmt::format(
                "table {} has a foreign key to {}, which does not exist", child, parent);
        }
    }
}

Result<void> capture_broken_views(Database& db, const SchemaCatalog& catalog, ExecutionGuard* guard,
                                  ValidationState& state) {
    for (const auto& object : catalog.rows()) {
        if (object.type != "view") {
            continue;
        }
        if (auto ok = stop_if_asked(guard); !ok) {
            return ok;
        }
        auto error =
            prepare_error(db, "SELECT * FROM " + quote_identifier(object.name) + " LIMIT 0");
        BELAY_TRY(error);
        if (!error->empty()) {
            state.broken_views[object.name] = *error;
        }
    }
    return {};
}

// Whether a table's SQL may declare a generated column: the word AS followed by "(" (as in
// "GENERATED ALWAYS AS (" or "c AS (a * 2)"). False positives only cost one prepare.
bool may_declare_generated_column(std::string_view sql) {
    const auto is_word = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    };
    for (std::size_t i = 0; i + 2 < sql.size(); ++i) {
        if ((sql[i] != 'a' && sql[i] != 'A') || (sql[i + 1] != 's' && sql[i + 1] != 'S') ||
            (i > 0 && is_word(sql[i - 1]))) {
            continue;
        }
        auto next = i + 2;
        while (next < sql.size() && std::isspace(static_cast<unsigned char>(sql[next])) != 0) {
            ++next;
        }
        if (next < sql.size() && sql[next] == '(') {
            return true;
        }
    }
    return false;
}

// SQLite accepts ALTER TABLE ... ADD COLUMN ... AS (f(x)) for a function it does not have, and
// then every statement that reads the table's columns fails, quick_check included, and with it
// every backup's verification. Reading the table's columns compiles the expressions.
Result<void> capture_unreadable_tables(Database& db, const SchemaCatalog& catalog,
                                       ExecutionGuard* guard, ValidationState& state) {
    for (const auto& object : catalog.rows()) {
        if (object.type != "table" || object.name.starts_with("sqlite_") ||
            !may_declare_generated_column(object.sql)) {
            continue;
        }
        if (auto ok = stop_if_asked(guard); !ok) {
            return ok;
        }
        auto error =
            prepare_error(db, "SELECT * FROM " + quote_identifier(object.name) + " LIMIT 0");
        BELAY_TRY(error);
        if (!error->empty()) {
            state.unreadable_tables[object.name] = *error;
        }
    }
    return {};
}

}  // namespace

Result<ValidationState> capture_validation_state(Database& db, const SchemaCatalog& catalog,
                                                 ExecutionGuard* guard) {
    ValidationState state;
    auto keys = read_foreign_keys(db, catalog);
    if (!keys) {
        return std::unexpected(with_context(keys.error(), "validation query failed"));
    }
    capture_dangling_references(*keys, catalog, state);
    auto ok = capture_foreign_key_violations(db, *keys, guard, state);
    if (ok) {
        ok = capture_broken_views(db, catalog, guard, state);
    }
    if (ok) {
        ok = capture_broken_triggers(db, catalog, guard, state.broken_triggers);
    }
    if (ok) {
        ok = capture_unreadable_tables(db, catalog, guard, state);
    }
    BELAY_TRY(ok);
    return state;
}

Result<ValidationState> capture_validation_state(Database& db) {
    SchemaCatalog catalog;
    if (auto ok = catalog.refresh(db, ""); !ok) {
        return std::unexpected(with_context(ok.error(), "validation query failed"));
    }
    return capture_validation_state(db, catalog);
}

namespace {

// The rows of `after` that did not violate their foreign key before the step, described; ""
// when there are none, or when the child has no rowids to tell its rows apart (then the count,
// compared by the caller, is all there is).
std::string new_violations(const ForeignKeyViolations& before, const ForeignKeyViolations& after) {
    if (!before.rowids || !after.rowids) {
        return {};
    }
    std::vector<std::pair<std::int64_t, std::int64_t>> added;
    std::ranges::set_difference(after.rows, before.rows, std::back_inserter(added));
    if (added.empty()) {
        return {};
    }
    constexpr std::size_t k_listed = 10;
    std::vector<std::int64_t> rowids;
    for (std::size_t i = 0; i < added.size() && i < k_listed; ++i) {
        rowids.push_back(added[i].first);
    }
    return fmt::format(
        "foreign key violation: {} row(s) of {} point at no row in {} that did not before the "
        "step (rowid {}{}; {} row(s) in all, {} before the step)",
        added.size(), after.table, after.parent, fmt::join(rowids, ", "),
        added.size() > k_listed ? ", ..." : "", after.count, before.count);
}

}  // namespace

std::string describe(const BrokenTrigger& trigger) {
    return trigger.name.empty()
               ? fmt::format("a trigger on {} ({})", trigger.table, trigger.event)
               : fmt::format("trigger {} on {} ({})", trigger.name, trigger.table, trigger.event);
}

ValidationFindings compare_validation_states(const ValidationState& before,
                                             const ValidationState& after, bool strict) {
    ValidationFindings findings;
    for (const auto& [key, violations] : after.foreign_key_violations) {
        const auto it = before.foreign_key_violations.find(key);
        const ForeignKeyViolations none;
        const auto& old = it == before.foreign_key_violations.end() ? none : it->second;
        if (violations.count > old.count) {
            findings.errors.push_back(fmt::format(
                "foreign key violation: {} row(s) of {} point at no row ({} before the step)",
                violations.count, key, old.count));
        } else if (auto found = new_violations(old, violations); !found.empty()) {
            findings.errors.push_back(found);
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
    for (const auto& [key, trigger] : after.broken_triggers) {
        if (!before.broken_triggers.contains(key)) {
            findings.errors.push_back(describe(trigger) + " no longer compiles: " + trigger.error);
        }
    }
    for (const auto& [table, error] : after.unreadable_tables) {
        if (!before.unreadable_tables.contains(table)) {
            findings.errors.push_back(fmt::format(
                "table {} can no longer be read: {} (SQLite accepted its definition, but every "
                "query of its columns, every integrity check and every backup would now fail)",
                table, error));
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

Result<void> drop_temporary_objects(Database& db) {
    // Triggers and views first: a table's drop takes its own indexes and triggers with it.
    auto rows = query_rows(db,
                           "SELECT type, name FROM temp.sqlite_schema WHERE type IN "
                           "('trigger', 'view', 'table') ORDER BY type = 'table', name");
    BELAY_TRY(rows);
    for (const auto& row : *rows) {
        const auto statement = fmt::format("DROP {} IF EXISTS temp.{}", to_upper_ascii(row.at(0)),
                                           quote_identifier(row.at(1)));
        if (auto ok = db.exec(statement); !ok) {
            return ok;
        }
    }
    return {};
}

Result<std::vector<std::string>> check_integrity(Database& db, bool full) {
    auto rows = query_rows(db, full ? "PRAGMA integrity_check" : "PRAGMA quick_check");
    BELAY_TRY(rows);
    std::vector<std::string> problems;
    for (const auto& row : *rows) {
        if (!row.empty() && row[0] != "ok") {
            problems.push_back(row[0]);
        }
    }
    return problems;
}

}  // namespace belay::sqlite
