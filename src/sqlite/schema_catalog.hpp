// sqlite_schema as belay reads it: every row in storage order, the user's objects among them
// in a stable order, and a catalog kept across the steps of a run so that reading it after
// each step costs what the step changed rather than the whole schema.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace belay::sqlite {

class Database;

// One row of sqlite_schema.
struct SchemaObject {
    std::string type;  // table, index, view, trigger
    std::string name;
    std::string table;  // tbl_name
    std::string sql;    // empty for objects SQLite made itself
    bool operator==(const SchemaObject&) const = default;
};

// Every row of sqlite_schema, SQLite's internal objects and belay's tables included, in the
// order SQLite stores them.
Result<std::vector<SchemaObject>> read_catalog(Database& db);

// The user's schema objects of `catalog`, in a stable order (type, name, compared as bytes, as
// SQLite's BINARY collation does), leaving out SQLite's internal objects, `history_table` and
// belay's own `belay_*` tables.
std::vector<SchemaObject> user_objects(std::vector<SchemaObject> catalog,
                                       const std::string& history_table);

// Whether sqlite_schema has any row at all (a new, empty database has none).
Result<bool> has_objects(Database& db);

// The object named `name` (SQLite matches names without ASCII case), if there is one.
Result<std::optional<SchemaObject>> find_object(Database& db, const std::string& name);

// read_catalog, then user_objects.
Result<std::vector<SchemaObject>> read_schema_objects(Database& db,
                                                      const std::string& history_table);

// How one list of user objects became another (both in user_objects order): the objects that
// are new or whose row changed, and the (type, name) of those that are gone. The pointers
// point into the newer list.
struct SchemaChanges {
    std::vector<const SchemaObject*> written;
    std::vector<std::pair<std::string, std::string>> removed;
};

SchemaChanges diff_schema(const std::vector<SchemaObject>& before,
                          const std::vector<SchemaObject>& now);

// The catalog as of the last refresh. A row byte for byte the one read before is kept as it
// was (no copy); when every row read before is still there in the same place and the rest are
// new (a step that only created objects, the common case), the user objects are updated with
// the new ones instead of being filtered and sorted again. Anything else is rebuilt whole, so
// rows() and user_objects() are always what a fresh read_catalog / user_objects would give.
class SchemaCatalog {
  public:
    // Reads sqlite_schema again, in the caller's transaction if any. On failure the catalog is
    // left empty and last_changes() means nothing (the next refresh rebuilds everything).
    Result<void> refresh(Database& db, const std::string& history_table);

    const std::vector<SchemaObject>& rows() const { return m_rows; }
    // Whether row `index`'s CREATE text says REFERENCES (ASCII case ignored): only such a table
    // can have foreign keys (ALTER TABLE ADD COLUMN edits that text too).
    bool mentions_references(std::size_t index) const { return m_references[index] != 0; }
    const std::vector<SchemaObject>& user_objects() const { return m_user; }
    // How user_objects() changed in the last refresh; points into user_objects().
    const SchemaChanges& last_changes() const { return m_changes; }
    // Counts refreshes, failed ones too: last_changes() is relative to the state of the read
    // before, so a caller that noted refreshes() == n then can use it when it is n + 1.
    std::uint64_t refreshes() const { return m_refreshes; }

  private:
    void forget();
    void rebuild_user_objects(const std::string& history_table);
    void add_user_objects(std::size_t first_new_row, const std::string& history_table);

    std::vector<SchemaObject> m_rows;
    std::vector<char> m_references;  // per row: mentions_references
    std::vector<SchemaObject> m_user;
    SchemaChanges m_changes;
    std::uint64_t m_refreshes = 0;
};

}  // namespace belay::sqlite
