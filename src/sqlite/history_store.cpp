#include "sqlite/history_store.hpp"

#include <algorithm>
#include <chrono>
#include <compare>
#include <set>
#include <tuple>

#include <fmt/ranges.h>

#include "belay/version.hpp"
#include "core/ascii.hpp"
#include "core/utc_time.hpp"
#include "sqlite/database.hpp"
#include "sqlite/foreign_history.hpp"
#include "sqlite/identifiers.hpp"
#include "sqlite/statement.hpp"

namespace belay::sqlite {

namespace {

const std::set<std::string> k_belay_columns{"version",    "name",         "checksum",
                                            "applied_at", "execution_ms", "schema_fingerprint"};

// A guess at which tool made a history table, from its columns, for the refusal message.
std::string guess_tool(const std::set<std::string>& columns) {
    if (columns.contains("dirty")) {
        return "golang-migrate";
    }
    if (columns.contains("version_id") && columns.contains("is_applied")) {
        return "goose";
    }
    if (columns == std::set<std::string>{"version"}) {
        return "dbmate (or Rails)";
    }
    if (columns.contains("id") && columns.contains("applied_at")) {
        return "sql-migrate";
    }
    return "another tool";
}

}  // namespace

std::string utc_now_iso8601() {
    return iso8601_utc(std::chrono::system_clock::now());
}

HistoryStore::HistoryStore(Database& db, std::string table) : m_db(db), m_table(std::move(table)) {}

std::string HistoryStore::quoted_table() const {
    return quote_identifier(m_table);
}

Result<bool> HistoryStore::table_exists(const std::string& name) {
    auto statement = m_db.prepare(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE");
    BELAY_TRY(statement);
    statement->bind(1, name);
    return statement->step();
}

namespace {

// belay's own tables (shared by every history table) and their columns as create_tables makes
// them.
struct OwnTable {
    const char* name;
    std::set<std::string> columns;
};
const std::vector<OwnTable>& own_tables() {
    static const std::vector<OwnTable> tables{
        {"belay_failures", {"history_table", "version", "name", "failed_at", "error"}},
        {"belay_dirty", {"history_table", "version", "name", "started_at"}},
        {"belay_schema", {"history_table", "type", "name", "tbl_name", "sql"}},
        {"belay_repeatable", {"history_table", "name", "checksum", "applied_at"}},
    };
    return tables;
}

Result<std::set<std::string>> column_names(Database& db, const std::string& table) {
    auto statement = db.prepare("SELECT name FROM pragma_table_info(?1)");
    BELAY_TRY(statement);
    statement->bind(1, table);
    std::set<std::string> columns;
    auto read =
        statement->each_row([&](const Statement& row) { columns.insert(row.column_text(0)); });
    BELAY_TRY(read);
    return columns;
}

}  // namespace

Result<std::vector<std::string>> find_foreign_belay_objects(Database& db) {
    std::vector<std::string> found;
    for (const auto& own : own_tables()) {
        auto statement = db.prepare(
            "SELECT type, name FROM sqlite_schema WHERE name = ?1 COLLATE NOCASE ORDER BY type");
        BELAY_TRY(statement);
        statement->bind(1, std::string(own.name));
        auto row = statement->step();
        BELAY_TRY(row);
        if (!*row) {
            continue;
        }
        const auto type = statement->column_text(0);
        const auto name = statement->column_text(1);
        auto columns = type == "table" ? column_names(db, name) : std::set<std::string>{};
        BELAY_TRY(columns);
        if (type == "table" && *columns == own.columns) {
            continue;
        }
        const auto what_to_do =
            type == "table" ? fmt::format("rename it (ALTER TABLE {} RENAME TO another_name)",
                                          quote_identifier(name))
                            : std::string("drop it and create it under another name");
        found.push_back(fmt::format(
            "{} {}{} was not made by belay, but belay keeps its own records under that name (the "
            "belay_ prefix is belay's): {}",
            type, name,
            type == "table" ? fmt::format(" (columns {})", fmt::join(*columns, ", ")) : "",
            what_to_do));
    }
    return found;
}

Result<void> HistoryStore::check_ownership() {
    if (auto ok = check_history_table(); !ok) {
        return ok;
    }
    auto foreign = find_foreign_belay_objects(m_db);
    BELAY_TRY(foreign);
    if (foreign->empty()) {
        return {};
    }
    return fail(ErrorCode::refused, "{}: {}. belay left it untouched; nothing was changed",
                m_db.path().string(), fmt::join(*foreign, "; "));
}

Result<void> HistoryStore::check_history_table() {
    // A view, an index, a trigger or a virtual table (an FTS5 index, say) under the name.
    auto other = m_db.prepare(
        "SELECT CASE WHEN type = 'table' THEN 'virtual table' ELSE type END FROM sqlite_schema "
        "WHERE name = ?1 COLLATE NOCASE AND (type <> 'table' OR sql LIKE 'CREATE VIRTUAL "
        "TABLE %')");
    BELAY_TRY(other);
    other->bind(1, m_table);
    auto found = other->step();
    BELAY_TRY(found);
    if (*found) {
        return fail(ErrorCode::refused,
                    "{}: {} is a {} in this database, not belay's history table; belay left it "
                    "untouched. Use {} to keep belay's history under another name",
                    m_db.path().string(), m_table, other->column_text(0), Option::history_table);
    }
    auto exists = table_exists(m_table);
    BELAY_TRY(exists);
    if (!*exists) {
        return {};
    }
    auto listed = column_names(m_db, m_table);
    BELAY_TRY(listed);
    const auto& columns = *listed;
    if (columns == k_belay_columns) {
        return {};
    }
    // Name the tool only when belay knows the table, and point at db adopt only for a tool it
    // can adopt: Prisma's or Alembic's table sent there would be a dead end.
    auto tools = find_tool_histories(m_db);
    BELAY_TRY(tools);
    const auto owner = std::ranges::find_if(
        *tools, [&](const ToolHistory& tool) { return iequals_ascii(tool.table, m_table); });
    const bool known = owner != tools->end();
    const bool belays_and_more = std::ranges::includes(columns, k_belay_columns);
    const auto whose =
        known ? fmt::format("it is {}'s history table", owner->tool)
        : belays_and_more
            ? std::string("it has belay's history columns and others, so belay cannot trust it")
            : fmt::format("it looks like {}'s", guess_tool(columns));
    const auto advice =
        known && owner->adoptable
            ? said("Take that tool's history over with `{}`, or use", run(Command::adopt))
            : Message("Use");
    return fail(ErrorCode::refused,
                "{}: table {} exists but was not made by belay ({}: columns {}). belay left it "
                "untouched. {} {} to keep belay's history elsewhere (backups, restores and {} "
                "work on this database as it is)",
                m_db.path().string(), m_table, whose, fmt::join(columns, ", "), advice,
                Option::history_table, named(Command::check));
}

Result<void> HistoryStore::create_tables() {
    // belay_failures and belay_dirty are shared by every history table in the database; the
    // history_table column keeps them apart when --table is used.
    return m_db.exec(
        fmt::format("CREATE TABLE IF NOT EXISTS {} ("
                    " version TEXT NOT NULL PRIMARY KEY,"
                    " name TEXT NOT NULL,"
                    " checksum TEXT NOT NULL,"
                    " applied_at TEXT NOT NULL,"
                    " execution_ms INTEGER NOT NULL,"
                    " schema_fingerprint TEXT NOT NULL);"
                    "CREATE TABLE IF NOT EXISTS belay_failures ("
                    " history_table TEXT NOT NULL, version TEXT NOT NULL, name TEXT NOT NULL,"
                    " failed_at TEXT NOT NULL, error TEXT NOT NULL,"
                    " PRIMARY KEY (history_table, version));"
                    "CREATE TABLE IF NOT EXISTS belay_dirty ("
                    " history_table TEXT NOT NULL, version TEXT NOT NULL, name TEXT NOT NULL,"
                    " started_at TEXT NOT NULL,"
                    " PRIMARY KEY (history_table, version));"
                    "CREATE TABLE IF NOT EXISTS belay_schema ("
                    " history_table TEXT NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL,"
                    " tbl_name TEXT NOT NULL, sql TEXT NOT NULL,"
                    " PRIMARY KEY (history_table, type, name));",
                    quoted_table()));
}

Result<void> HistoryStore::create_repeatable_table() {
    return m_db.exec(
        "CREATE TABLE IF NOT EXISTS belay_repeatable ("
        " history_table TEXT NOT NULL, name TEXT NOT NULL, checksum TEXT NOT NULL,"
        " applied_at TEXT NOT NULL,"
        " PRIMARY KEY (history_table, name));");
}

namespace {

// Runs `sql` (with ?1 bound to `table` when it has a parameter) and hands each row to `on_row`.
template <typename OnRow>
Result<void> for_each_row(Database& db, const std::string& sql, const std::string& table,
                          OnRow on_row) {
    auto statement = db.prepare(sql);
    BELAY_TRY(statement);
    if (sql.find("?1") != std::string::npos) {
        statement->bind(1, table);
    }
    return statement->each_row(on_row);
}

}  // namespace

Result<History> HistoryStore::read() {
    History history;
    auto exists = table_exists(m_table);
    BELAY_TRY(exists);
    if (!*exists) {
        return history;
    }
    history.table_exists = true;
    auto ok = for_each_row(m_db,
                           fmt::format("SELECT version, name, checksum, applied_at, execution_ms, "
                                       "schema_fingerprint FROM {}",
                                       quoted_table()),
                           m_table, [&](const Statement& s) {
                               history.applied.push_back(AppliedMigration{
                                   s.column_text(0), s.column_text(1), s.column_text(2),
                                   s.column_text(3), s.column_int(4), s.column_text(5)});
                           });
    if (ok && table_exists("belay_failures").value_or(false)) {
        ok = for_each_row(
            m_db,
            "SELECT version, name, failed_at, error FROM belay_failures "
            "WHERE history_table = ?1",
            m_table, [&](const Statement& s) {
                history.failures.push_back(FailedAttempt{s.column_text(0), s.column_text(1),
                                                         s.column_text(2), s.column_text(3)});
            });
    }
    if (ok && table_exists("belay_dirty").value_or(false)) {
        ok = for_each_row(m_db,
                          "SELECT version, name, started_at FROM belay_dirty "
                          "WHERE history_table = ?1",
                          m_table, [&](const Statement& s) {
                              history.dirty.push_back(
                                  DirtyMark{s.column_text(0), s.column_text(1), s.column_text(2)});
                          });
    }
    if (ok && table_exists("belay_repeatable").value_or(false)) {
        ok = for_each_row(m_db,
                          "SELECT name, checksum, applied_at FROM belay_repeatable "
                          "WHERE history_table = ?1 ORDER BY name",
                          m_table, [&](const Statement& s) {
                              history.repeatables.push_back(AppliedRepeatable{
                                  s.column_text(0), s.column_text(1), s.column_text(2)});
                          });
    }
    if (!ok) {
        return std::unexpected(with_context(ok.error(), "cannot read the migration history"));
    }
    return history;
}

Result<std::optional<std::string>> HistoryStore::repeatable_checksum(const std::string& name) {
    auto exists = table_exists("belay_repeatable");
    BELAY_TRY(exists);
    if (!*exists) {
        return std::nullopt;
    }
    std::optional<std::string> checksum;
    auto statement = m_db.prepare(
        "SELECT checksum FROM belay_repeatable WHERE history_table = ?1 AND name = ?2");
    BELAY_TRY(statement);
    statement->bind(1, m_table).bind(2, name);
    auto read = statement->each_row([&](const Statement& row) { checksum = row.column_text(0); });
    BELAY_TRY(read);
    return checksum;
}

Result<void> HistoryStore::record_repeatable(const AppliedRepeatable& row) {
    auto statement = m_db.prepare(
        "INSERT OR REPLACE INTO belay_repeatable (history_table, name, checksum, applied_at) "
        "VALUES (?1, ?2, ?3, ?4)");
    BELAY_TRY(statement);
    statement->bind(1, m_table).bind(2, row.name).bind(3, row.checksum).bind(4, row.applied_at);
    return statement->run();
}

Result<void> HistoryStore::forget_repeatables() {
    auto exists = table_exists("belay_repeatable");
    BELAY_TRY(exists);
    if (!*exists) {
        return {};
    }
    auto statement = m_db.prepare("DELETE FROM belay_repeatable WHERE history_table = ?1");
    BELAY_TRY(statement);
    statement->bind(1, m_table);
    return statement->run();
}

Result<std::set<std::string>> HistoryStore::applied_versions() {
    std::set<std::string> versions;
    auto ok = for_each_row(m_db, fmt::format("SELECT version FROM {}", quoted_table()), m_table,
                           [&](const Statement& s) {
                               auto text = s.column_text(0);
                               const auto version = Version::parse_dotted(text);
                               versions.insert(version ? version->numeric() : std::move(text));
                           });
    BELAY_TRY(ok);
    return versions;
}

Result<void> HistoryStore::record_applied(const AppliedMigration& row) {
    auto insert = m_db.prepare(fmt::format(
        "INSERT INTO {} (version, name, checksum, applied_at, execution_ms, schema_fingerprint) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        quoted_table()));
    BELAY_TRY(insert);
    insert->bind(1, row.version).bind(2, row.name).bind(3, row.checksum).bind(4, row.applied_at);
    insert->bind(5, row.execution_ms).bind(6, row.schema_fingerprint);
    if (auto ok = insert->run(); !ok) {
        return ok;
    }
    return clear_marks(row.version);
}

namespace {

// Every text under which the rows `select` lists (with ?1 bound to the history table) record
// `version`. Versions compare as numbers, so "0007" and "7", or Flyway's "1.0" and "1", are one
// migration however each was written; text that is no version matches only itself.
Result<std::vector<std::string>> spellings_of(Database& db, const std::string& select,
                                              const std::string& table,
                                              const std::string& version) {
    const auto wanted = Version::parse_dotted(version);
    std::vector<std::string> spellings;
    auto ok = for_each_row(db, select, table, [&](const Statement& s) {
        auto text = s.column_text(0);
        const auto recorded = Version::parse_dotted(text);
        if (text == version || (wanted && recorded && *recorded == *wanted)) {
            spellings.push_back(std::move(text));
        }
    });
    BELAY_TRY(ok);
    return spellings;
}

// Runs `change` (its ?1 the version, ?2 and on bound by `bind`) once for each spelling of
// `version` that `select` finds.
template <typename Bind>
Result<void> for_each_spelling(Database& db, const std::string& select, const std::string& change,
                               const std::string& table, const std::string& version, Bind bind) {
    auto spellings = spellings_of(db, select, table, version);
    BELAY_TRY(spellings);
    for (const auto& spelling : *spellings) {
        auto statement = db.prepare(change);
        BELAY_TRY(statement);
        statement->bind(1, spelling);
        bind(*statement);
        if (auto ok = statement->run(); !ok) {
            return ok;
        }
    }
    return {};
}

}  // namespace

Result<void> HistoryStore::record_reverted(const std::string& version) {
    auto ok = for_each_spelling(m_db, fmt::format("SELECT version FROM {}", quoted_table()),
                                fmt::format("DELETE FROM {} WHERE version = ?1", quoted_table()),
                                m_table, version, [](Statement&) {});
    BELAY_TRY(ok);
    return clear_marks(version);
}

Result<void> HistoryStore::update_checksum(const std::string& version,
                                           const std::string& checksum) {
    return for_each_spelling(
        m_db, fmt::format("SELECT version FROM {}", quoted_table()),
        fmt::format("UPDATE {} SET checksum = ?2 WHERE version = ?1", quoted_table()), m_table,
        version, [&](Statement& statement) { statement.bind(2, checksum); });
}

Result<void> HistoryStore::clear_marks(const std::string& version) {
    for (const char* table : {"belay_failures", "belay_dirty"}) {
        auto ok = for_each_spelling(
            m_db, fmt::format("SELECT version FROM {} WHERE history_table = ?1", table),
            fmt::format("DELETE FROM {} WHERE version = ?1 AND history_table = ?2", table), m_table,
            version, [&](Statement& statement) { statement.bind(2, m_table); });
        BELAY_TRY(ok);
    }
    return {};
}

Result<void> HistoryStore::record_failure(const FailedAttempt& failure) {
    auto statement = m_db.prepare(
        "INSERT OR REPLACE INTO belay_failures (history_table, version, name, failed_at, error) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    BELAY_TRY(statement);
    statement->bind(1, m_table).bind(2, failure.version).bind(3, failure.name);
    statement->bind(4, failure.failed_at).bind(5, failure.error);
    return statement->run();
}

Result<void> HistoryStore::mark_dirty(const DirtyMark& mark) {
    auto statement = m_db.prepare(
        "INSERT OR REPLACE INTO belay_dirty (history_table, version, name, started_at) "
        "VALUES (?1, ?2, ?3, ?4)");
    BELAY_TRY(statement);
    statement->bind(1, m_table).bind(2, mark.version).bind(3, mark.name).bind(4, mark.started_at);
    return statement->run();
}

Result<void> HistoryStore::record_schema(const std::vector<SchemaObject>& objects,
                                         const std::vector<SchemaObject>* recorded) {
    // Only what changed is written: a step touches a few objects, and rewriting every row of a
    // large schema after each one would make a run of many steps quadratic in pages written.
    std::optional<std::vector<SchemaObject>> read;
    if (recorded == nullptr) {
        auto from_table = read_recorded_schema();
        BELAY_TRY(from_table);
        read = std::move(*from_table);
        recorded = read ? &*read : nullptr;
    }
    // diff_schema needs both lists in (type, name) order, as read_schema_objects gives them.
    const auto key = [](const SchemaObject& object) { return std::tie(object.type, object.name); };
    const auto in_order = [&](std::vector<SchemaObject> list) {
        if (!std::ranges::is_sorted(list, {}, key)) {
            std::ranges::sort(list, {}, key);
        }
        return list;
    };
    const auto none = std::vector<SchemaObject>{};
    if (std::ranges::is_sorted(objects, {}, key) &&
        (recorded == nullptr || std::ranges::is_sorted(*recorded, {}, key))) {
        return record_schema_changes(diff_schema(recorded != nullptr ? *recorded : none, objects));
    }
    const auto sorted = in_order(objects);
    return record_schema_changes(
        diff_schema(recorded != nullptr ? in_order(*recorded) : none, sorted));
}

Result<void> HistoryStore::record_schema_changes(const SchemaChanges& changes) {
    auto upsert = m_db.prepare(
        "INSERT OR REPLACE INTO belay_schema (history_table, type, name, tbl_name, sql) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    BELAY_TRY(upsert);
    for (const auto* object : changes.written) {
        upsert->reset();
        upsert->bind(1, m_table).bind(2, object->type).bind(3, object->name);
        upsert->bind(4, object->table).bind(5, object->sql);
        if (auto ok = upsert->run(); !ok) {
            return ok;
        }
    }
    auto remove = m_db.prepare(
        "DELETE FROM belay_schema WHERE history_table = ?1 AND type = ?2 AND name = ?3");
    BELAY_TRY(remove);
    for (const auto& [type, name] : changes.removed) {
        remove->reset();
        remove->bind(1, m_table).bind(2, type).bind(3, name);
        if (auto ok = remove->run(); !ok) {
            return ok;
        }
    }
    return {};
}

Result<std::optional<std::vector<SchemaObject>>> HistoryStore::read_recorded_schema() {
    auto exists = table_exists("belay_schema");
    BELAY_TRY(exists);
    if (!*exists) {
        return std::nullopt;
    }
    std::vector<SchemaObject> objects;
    auto ok = for_each_row(m_db,
                           "SELECT type, name, tbl_name, sql FROM belay_schema "
                           "WHERE history_table = ?1 ORDER BY type, name",
                           m_table, [&](const Statement& s) {
                               objects.push_back(SchemaObject{s.column_text(0), s.column_text(1),
                                                              s.column_text(2), s.column_text(3)});
                           });
    BELAY_TRY(ok);
    if (objects.empty()) {
        return std::nullopt;
    }
    return objects;
}

Result<std::optional<std::string>> HistoryStore::last_recorded_fingerprint() {
    auto exists = table_exists(m_table);
    BELAY_TRY(exists);
    if (!*exists) {
        return std::nullopt;
    }
    std::optional<std::string> fingerprint;
    auto ok =
        for_each_row(m_db,
                     fmt::format("SELECT schema_fingerprint FROM {} ORDER BY rowid DESC LIMIT 1",
                                 quoted_table()),
                     m_table, [&](const Statement& s) { fingerprint = s.column_text(0); });
    BELAY_TRY(ok);
    return fingerprint;
}

}  // namespace belay::sqlite
