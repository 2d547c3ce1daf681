#include "sqlite/schema_catalog.hpp"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "sqlite/database.hpp"
#include "support/temp_dir.hpp"

namespace belay::sqlite {
namespace {

using Keyed = std::map<std::pair<std::string, std::string>, SchemaObject>;

Keyed keyed(const std::vector<SchemaObject>& objects) {
    Keyed result;
    for (const auto& object : objects) {
        result.emplace(std::pair(object.type, object.name), object);
    }
    return result;
}

// A catalog kept across changes, as a run keeps it across steps, checked after each change
// against a fresh read of the same database.
class SchemaCatalogTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto db = Database::open(m_dir / "c.db", OpenMode::read_write_create);
        ASSERT_TRUE(db.has_value()) << db.error().message;
        m_db.emplace(std::move(*db));
        exec("PRAGMA synchronous = OFF");  // this test is about sqlite_schema, not durability
        refresh_and_compare("an empty database");
    }

    void exec(const std::string& sql) {
        auto ok = m_db->exec(sql);
        ASSERT_TRUE(ok.has_value()) << ok.error().message;
    }

    // Refreshes the kept catalog and checks it against read_catalog / read_schema_objects,
    // and that last_changes() turns the previous user objects into the new ones.
    void refresh_and_compare(const std::string& after) {
        SCOPED_TRACE("after " + after);
        auto before = keyed(m_catalog.user_objects());
        const auto refreshes = m_catalog.refreshes();
        ASSERT_TRUE(m_catalog.refresh(*m_db, "schema_migrations").has_value());
        EXPECT_EQ(m_catalog.refreshes(), refreshes + 1);
        const auto rows = read_catalog(*m_db);
        ASSERT_TRUE(rows.has_value());
        EXPECT_EQ(m_catalog.rows(), *rows);
        const auto objects = read_schema_objects(*m_db, "schema_migrations");
        ASSERT_TRUE(objects.has_value());
        EXPECT_EQ(m_catalog.user_objects(), *objects);
        for (std::size_t i = 0; i < rows->size(); ++i) {
            const auto& sql = (*rows)[i].sql;
            const bool says = sql.find("REFERENCES") != std::string::npos ||
                              sql.find("references") != std::string::npos ||
                              sql.find("References") != std::string::npos;
            EXPECT_EQ(m_catalog.mentions_references(i), says) << sql;
        }
        for (const auto* written : m_catalog.last_changes().written) {
            before.insert_or_assign(std::pair(written->type, written->name), *written);
        }
        for (const auto& removed : m_catalog.last_changes().removed) {
            EXPECT_EQ(before.erase(removed), 1u) << removed.first << " " << removed.second;
        }
        EXPECT_EQ(before, keyed(*objects)) << "last_changes() is not what changed";
    }

    testing::TempDir m_dir;
    std::optional<Database> m_db;
    SchemaCatalog m_catalog;
};

TEST_F(SchemaCatalogTest, FollowsEveryKindOfChangeAsAFreshReadSeesIt) {
    const std::pair<const char*, const char*> changes[] = {
        {"a first table", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"},
        {"a table with a foreign key",
         "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER References users (id))"},
        {"an index", "CREATE INDEX posts_by_user ON posts (user_id)"},
        {"a view", "CREATE VIEW named AS SELECT name FROM users"},
        {"a trigger", "CREATE TRIGGER users_ai AFTER INSERT ON users BEGIN SELECT 1; END"},
        {"belay's own tables",
         "CREATE TABLE schema_migrations (version TEXT); CREATE TABLE belay_schema (x)"},
        {"an added column", "ALTER TABLE users ADD COLUMN email TEXT"},
        {"a renamed table (its index, view and trigger rows change too)",
         "ALTER TABLE users RENAME TO people"},
        {"a dropped index", "DROP INDEX posts_by_user"},
        {"a dropped table with its trigger", "DROP TABLE posts"},
        {"nothing", "INSERT INTO people (name) VALUES ('ada')"},
        {"many objects at once",
         "CREATE TABLE m1 (x); CREATE TABLE m2 (x); CREATE TABLE m3 (x); CREATE TABLE m4 (x);"
         "CREATE TABLE m5 (x); CREATE TABLE m6 (x); CREATE TABLE m7 (x); CREATE TABLE m8 (x);"
         "CREATE TABLE m9 (x); CREATE TABLE m10 (x); CREATE TABLE m11 (x); CREATE TABLE m12 (x);"
         "CREATE TABLE m13 (x); CREATE TABLE m14 (x); CREATE TABLE m15 (x); CREATE TABLE m16 (x);"
         "CREATE TABLE m17 (x); CREATE TABLE m18 (x); CREATE TABLE m19 (x); CREATE TABLE m20 (x);"
         "CREATE TABLE m21 (x); CREATE TABLE m22 (x); CREATE TABLE m23 (x); CREATE TABLE m24 (x);"
         "CREATE TABLE m25 (x); CREATE TABLE m26 (x); CREATE TABLE m27 (x); CREATE TABLE m28 (x);"
         "CREATE TABLE m29 (x); CREATE TABLE m30 (x); CREATE TABLE m31 (x); CREATE TABLE m32 (x);"
         "CREATE TABLE m33 (x); CREATE TABLE m34 (x)"},
        {"a table dropped from the middle", "DROP TABLE m3"},
        {"a new table after that", "CREATE TABLE \"Zed\" (x)"},
        {"VACUUM (which may renumber sqlite_schema)", "VACUUM"},
    };
    for (const auto& [what, sql] : changes) {
        exec(sql);
        refresh_and_compare(what);
    }
}

TEST_F(SchemaCatalogTest, SeesWhatAnotherConnectionChanged) {
    exec("CREATE TABLE a (x)");
    refresh_and_compare("a");
    auto other = Database::open(m_dir / "c.db", OpenMode::read_write);
    ASSERT_TRUE(other.has_value());
    ASSERT_TRUE(other->exec("CREATE TABLE b (y REFERENCES a (x)); DROP TABLE a").has_value());
    refresh_and_compare("another connection's changes");
}

TEST_F(SchemaCatalogTest, ANewObjectIsTheOnlyChangeReported) {
    exec("CREATE TABLE a (x); CREATE TABLE c (x)");
    refresh_and_compare("two tables");
    exec("CREATE TABLE b (x)");
    refresh_and_compare("a third");
    const auto& changes = m_catalog.last_changes();
    ASSERT_EQ(changes.written.size(), 1u);
    EXPECT_EQ(changes.written[0]->name, "b");
    EXPECT_TRUE(changes.removed.empty());
    const auto& objects = m_catalog.user_objects();
    ASSERT_EQ(objects.size(), 3u);
    EXPECT_EQ(objects[1].name, "b") << "kept in (type, name) order";
}

}  // namespace
}  // namespace belay::sqlite
