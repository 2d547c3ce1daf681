#include "sqlite/logical_schema.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sqlite/database.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay::sqlite {
namespace {

class LogicalSchemaTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto db = Database::open(m_dir / "l.db", OpenMode::read_write_create);
        ASSERT_TRUE(db.has_value()) << db.error().message;
        m_db.emplace(std::move(*db));
        exec(
            "CREATE TABLE parents (id INTEGER PRIMARY KEY);"
            "CREATE TABLE kids (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents (id),"
            " name TEXT NOT NULL DEFAULT 'x', UNIQUE (parent_id, name));"
            "CREATE INDEX kids_name ON kids (name DESC);"
            "CREATE VIEW kid_names AS SELECT name FROM kids;"
            "CREATE TABLE schema_migrations (version TEXT);"
            "CREATE TABLE belay_dirty (x);");
    }
    void exec(const std::string& sql) {
        auto ok = m_db->exec(sql);
        ASSERT_TRUE(ok.has_value()) << ok.error().message;
    }
    std::vector<std::string> schema() {
        auto lines = logical_schema(*m_db, "schema_migrations");
        EXPECT_TRUE(lines.has_value()) << lines.error().message;
        return lines.value_or(std::vector<std::string>{});
    }
    // kids rebuilt by the 12-step procedure, with `foreign_key` as its parent_id clause.
    void rebuild_kids(const std::string& foreign_key) {
        exec(
            "DROP VIEW kid_names;"
            "CREATE TABLE kids_new (id INTEGER PRIMARY KEY, parent_id INTEGER " +
            foreign_key +
            ", name TEXT NOT NULL DEFAULT 'x', UNIQUE (parent_id, name));"
            "INSERT INTO kids_new SELECT * FROM kids; DROP TABLE kids;"
            "ALTER TABLE kids_new RENAME TO kids;"
            "CREATE INDEX kids_name ON kids (name DESC);"
            "CREATE VIEW kid_names AS SELECT name FROM kids;");
    }

    testing::TempDir m_dir;
    std::optional<Database> m_db;
};

TEST_F(LogicalSchemaTest, NamesTablesColumnsIndexesForeignKeysAndViewsButNotBelaysTables) {
    const auto lines = schema();
    const auto has = [&](const std::string& line) {
        return std::ranges::find(lines, line) != lines.end();
    };
    EXPECT_TRUE(has("table kids"));
    EXPECT_TRUE(has("column kids#2 name TEXT notnull=1 default='x' pk=0 hidden=0"));
    EXPECT_TRUE(has("index kids u unique=1 (parent_id, name)"));
    EXPECT_TRUE(has("index kids_name on kids: CREATE INDEX kids_name ON kids (name DESC)"));
    EXPECT_TRUE(
        has("foreign key kids #0.0 (parent_id) -> parents (id) on update NO ACTION on "
            "delete NO ACTION match NONE"));
    EXPECT_TRUE(has("view kid_names on kid_names: CREATE VIEW kid_names AS SELECT name FROM kids"));
    for (const auto& line : lines) {
        EXPECT_NOT_CONTAINS(line, "schema_migrations") << line;
        EXPECT_NOT_CONTAINS(line, "belay_") << line;
    }
}

TEST_F(LogicalSchemaTest, ARebuildThatKeepsEverythingIsNoDifference) {
    const auto before = schema();
    rebuild_kids("REFERENCES parents (id)");
    EXPECT_EQ(logical_differences(before, schema()), std::vector<std::string>{})
        << "the rebuilt table's quoted name in sqlite_schema is not a difference";
}

TEST_F(LogicalSchemaTest, ARebuildThatChangesAForeignKeyIsADifference) {
    const auto before = schema();
    rebuild_kids("REFERENCES parents (id) ON DELETE CASCADE");
    EXPECT_EQ(logical_differences(before, schema()),
              (std::vector<std::string>{
                  "missing: foreign key kids #0.0 (parent_id) -> parents (id) on update NO "
                  "ACTION on delete NO ACTION match NONE",
                  "extra: foreign key kids #0.0 (parent_id) -> parents (id) on update NO ACTION "
                  "on delete CASCADE match NONE"}));
}

}  // namespace
}  // namespace belay::sqlite
