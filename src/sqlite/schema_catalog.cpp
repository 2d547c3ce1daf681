#include "sqlite/schema_catalog.hpp"

#include <algorithm>
#include <compare>
#include <tuple>

#include "core/ascii.hpp"
#include "sqlite/database.hpp"
#include "sqlite/statement.hpp"

namespace belay::sqlite {

namespace {

constexpr const char* k_read_catalog = "SELECT type, name, tbl_name, sql FROM sqlite_schema";
constexpr std::size_t k_few = 32;

auto key_of(const SchemaObject& object) {
    return std::tie(object.type, object.name);
}

bool comes_before(const SchemaObject& a, const SchemaObject& b) {
    return key_of(a) < key_of(b);
}

// SQLite compares these names without ASCII case, as LIKE and COLLATE NOCASE do.
bool is_users(const SchemaObject& object, const std::string& history_table) {
    if (starts_with_ascii_nocase(object.name, "sqlite_")) {
        return false;
    }
    return object.type != "table" || (!starts_with_ascii_nocase(object.name, "belay_") &&
                                      !iequals_ascii(object.name, history_table));
}

bool row_equals(const Statement& row, const SchemaObject& object) {
    return row.column_view(1) == object.name && row.column_view(3) == object.sql &&
           row.column_view(0) == object.type && row.column_view(2) == object.table;
}

SchemaObject object_of(const Statement& row) {
    return SchemaObject{row.column_text(0), row.column_text(1), row.column_text(2),
                        row.column_text(3)};
}

}  // namespace

Result<std::vector<SchemaObject>> read_catalog(Database& db) {
    auto statement = db.prepare(k_read_catalog);
    BELAY_TRY(statement);
    std::vector<SchemaObject> catalog;
    auto read =
        statement->each_row([&](const Statement& row) { catalog.push_back(object_of(row)); });
    BELAY_TRY(read);
    return catalog;
}

Result<bool> has_objects(Database& db) {
    auto found = db.prepare("SELECT 1 FROM sqlite_schema LIMIT 1");
    BELAY_TRY(found);
    return found->step();
}

Result<std::optional<SchemaObject>> find_object(Database& db, const std::string& name) {
    auto statement = db.prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name = ?1 COLLATE NOCASE");
    BELAY_TRY(statement);
    statement->bind(1, name);
    auto found = statement->step();
    BELAY_TRY(found);
    if (!*found) {
        return std::nullopt;
    }
    return object_of(*statement);
}

std::vector<SchemaObject> user_objects(std::vector<SchemaObject> catalog,
                                       const std::string& history_table) {
    std::erase_if(catalog,
                  [&](const SchemaObject& object) { return !is_users(object, history_table); });
    // Pointers are sorted, then the objects moved once into place.
    std::vector<SchemaObject*> order;
    order.reserve(catalog.size());
    for (auto& object : catalog) {
        order.push_back(&object);
    }
    const auto key = [](const SchemaObject* object) { return key_of(*object); };
    if (std::ranges::is_sorted(order, {}, key)) {
        return catalog;
    }
    std::ranges::sort(order, {}, key);
    std::vector<SchemaObject> objects;
    objects.reserve(catalog.size());
    for (auto* object : order) {
        objects.push_back(std::move(*object));
    }
    return objects;
}

Result<std::vector<SchemaObject>> read_schema_objects(Database& db,
                                                      const std::string& history_table) {
    auto catalog = read_catalog(db);
    BELAY_TRY(catalog);
    return user_objects(std::move(*catalog), history_table);
}

SchemaChanges diff_schema(const std::vector<SchemaObject>& before,
                          const std::vector<SchemaObject>& now) {
    // Both in (type, name) order, so one walk pairs them: an object only in `now` is new, one
    // only in `before` is gone.
    SchemaChanges changes;
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < now.size() || j < before.size()) {
        const auto order = i == now.size()      ? std::strong_ordering::greater
                           : j == before.size() ? std::strong_ordering::less
                                                : key_of(now[i]) <=> key_of(before[j]);
        if (order < 0) {
            changes.written.push_back(&now[i++]);
        } else if (order > 0) {
            changes.removed.emplace_back(before[j].type, before[j].name);
            ++j;
        } else {
            if (!(now[i] == before[j])) {
                changes.written.push_back(&now[i]);
            }
            ++i;
            ++j;
        }
    }
    return changes;
}

Result<void> SchemaCatalog::refresh(Database& db, const std::string& history_table) {
    auto statement = db.prepare(k_read_catalog);
    if (!statement) {
        forget();
        return std::unexpected(statement.error());
    }
    // Rows equal to the ones at the same place last time are kept; `kept` counts how many of
    // the earlier rows lead the new list unchanged.
    std::vector<SchemaObject> rows;
    std::vector<char> references;
    rows.reserve(m_rows.size() + 1);
    references.reserve(m_rows.size() + 1);
    std::size_t kept = 0;
    auto read = statement->each_row([&](const Statement& row) {
        const auto at = rows.size();
        if (kept == at && at < m_rows.size() && row_equals(row, m_rows[at])) {
            rows.push_back(std::move(m_rows[at]));
            references.push_back(m_references[at]);
            ++kept;
            return;
        }
        rows.push_back(object_of(row));
        references.push_back(contains_ascii_nocase(rows.back().sql, "references") ? 1 : 0);
    });
    if (!read) {
        forget();
        return std::unexpected(read.error());
    }
    // A few new objects are inserted where they belong; many are cheaper sorted with the rest.
    const bool few_added = kept == m_rows.size() && rows.size() - kept <= k_few;
    m_rows = std::move(rows);
    m_references = std::move(references);
    if (few_added && m_refreshes > 0) {
        add_user_objects(kept, history_table);
    } else {
        rebuild_user_objects(history_table);
    }
    ++m_refreshes;
    return {};
}

void SchemaCatalog::forget() {
    m_rows.clear();
    m_references.clear();
    m_user.clear();
    m_changes = SchemaChanges{};
    ++m_refreshes;  // so that no one takes last_changes() for the changes since their read
}

void SchemaCatalog::rebuild_user_objects(const std::string& history_table) {
    auto before = std::move(m_user);
    m_user = sqlite::user_objects(m_rows, history_table);
    m_changes = diff_schema(before, m_user);
}

void SchemaCatalog::add_user_objects(std::size_t first_new_row, const std::string& history_table) {
    std::vector<std::pair<std::string, std::string>> added;
    for (std::size_t i = first_new_row; i < m_rows.size(); ++i) {
        if (!is_users(m_rows[i], history_table)) {
            continue;
        }
        const auto at = std::ranges::upper_bound(m_user, m_rows[i], comes_before);
        m_user.insert(at, m_rows[i]);
        added.emplace_back(m_rows[i].type, m_rows[i].name);
    }
    // Pointers are taken once every insertion is done (an insertion moves what follows it).
    m_changes = SchemaChanges{};
    for (const auto& [type, name] : added) {
        const auto at = std::ranges::lower_bound(m_user, std::tie(type, name), {}, key_of);
        m_changes.written.push_back(&*at);
    }
}

}  // namespace belay::sqlite
