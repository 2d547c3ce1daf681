#include "sqlite/foreign_history.hpp"

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "sqlite/database.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay::sqlite {
namespace {

class ForeignHistoryTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto db = Database::open(m_dir / "f.db", OpenMode::read_write_create);
        ASSERT_TRUE(db.has_value()) << db.error().message;
        m_db.emplace(std::move(*db));
    }

    belay::testing::TempDir m_dir;
    std::optional<Database> m_db;
};

TEST_F(ForeignHistoryTest, DieselVersionsLoseTheirDashesAndKeepTheirRunTime) {
    ASSERT_TRUE(m_db->exec("CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY "
                           "KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);"
                           "INSERT INTO __diesel_schema_migrations VALUES "
                           "('20240102000000', '2024-01-02 10:00:00'),"
                           "('2024-01-01-000000', '2024-01-01 10:00:00');")
                    .has_value());
    auto history = read_foreign_history(*m_db, std::nullopt);
    ASSERT_TRUE(history.has_value()) << history.error().message;
    ASSERT_TRUE(history->has_value());
    EXPECT_EQ((*history)->tool, "diesel");
    EXPECT_EQ((*history)->table, "__diesel_schema_migrations");
    ASSERT_EQ((*history)->applied.size(), 2u);
    EXPECT_EQ((*history)->applied[0].version, "20240101000000");
    EXPECT_EQ((*history)->applied[0].applied_at, "2024-01-01T10:00:00Z");
    EXPECT_EQ((*history)->applied[1].version, "20240102000000");
}

TEST_F(ForeignHistoryTest, FindsEveryToolsTableButNotBelaysOrAViewOfThatName) {
    ASSERT_TRUE(
        m_db->exec("CREATE TABLE schema_migrations (version TEXT NOT NULL PRIMARY KEY, name TEXT "
                   "NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL, execution_ms "
                   "INTEGER NOT NULL, schema_fingerprint TEXT NOT NULL);"
                   "CREATE TABLE \"Schema_Migration\" (\"Version\" TEXT NOT NULL);"
                   "CREATE VIEW alembic_version AS SELECT 'x' AS version_num;"
                   "CREATE TABLE _prisma_migrations (id TEXT PRIMARY KEY, checksum TEXT, "
                   "migration_name TEXT)")
            .has_value());
    auto found = find_tool_histories(*m_db);
    ASSERT_TRUE(found.has_value()) << found.error().message;
    ASSERT_EQ(found->size(), 2u);
    EXPECT_EQ((*found)[0].tool, "pop");
    EXPECT_TRUE((*found)[0].adoptable);
    EXPECT_EQ((*found)[1].tool, "Prisma");
    EXPECT_EQ((*found)[1].table, "_prisma_migrations");
    EXPECT_TRUE((*found)[1].adoptable);
}

TEST_F(ForeignHistoryTest, SqlxRowsBySuccessWithTheirChecksumsAsHex) {
    ASSERT_TRUE(m_db->exec("CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, "
                           "description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT "
                           "CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum BLOB NOT NULL, "
                           "execution_time BIGINT NOT NULL);"
                           "INSERT INTO _sqlx_migrations VALUES (20240101000000, 'a', "
                           "'2024-01-01 10:00:00', TRUE, X'00AB', 1), (2, 'b', "
                           "'2024-01-02 10:00:00', FALSE, X'01', 1);")
                    .has_value());
    auto history = read_foreign_history(*m_db, std::string("sqlx"));
    ASSERT_TRUE(history.has_value()) << history.error().message;
    ASSERT_TRUE(history->has_value());
    ASSERT_EQ((*history)->applied.size(), 1u);
    EXPECT_EQ((*history)->applied[0].version, "20240101000000");
    EXPECT_EQ((*history)->applied[0].checksum, "00ab");
    EXPECT_EQ((*history)->applied[0].applied_at, "2024-01-01T10:00:00Z");
    ASSERT_EQ((*history)->failed.size(), 1u);
    EXPECT_EQ((*history)->failed[0].version, "2");
}

TEST_F(ForeignHistoryTest, PrismaRowsPerFolderWithMillisecondsOrTextTimes) {
    ASSERT_TRUE(
        m_db->exec("CREATE TABLE _prisma_migrations (id TEXT PRIMARY KEY NOT NULL, checksum TEXT "
                   "NOT NULL, finished_at DATETIME, migration_name TEXT NOT NULL, logs TEXT, "
                   "rolled_back_at DATETIME, started_at DATETIME NOT NULL DEFAULT "
                   "current_timestamp, applied_steps_count INTEGER UNSIGNED NOT NULL DEFAULT 0);"
                   "INSERT INTO _prisma_migrations VALUES "
                   "('1', 'c1', 1704103200000, '20240101000000_init', NULL, NULL, 1, 1),"
                   "('2', 'c2', NULL, '20240102000000_b', 'x', 1704103200000, 2, 0),"
                   "('3', 'c2', '2024-01-03T10:00:00.123+00:00', '20240102000000_b', NULL, "
                   "NULL, 3, 1),"
                   "('4', 'c3', NULL, '0_base', 'x', NULL, 4, 0)")
            .has_value());
    auto history = read_foreign_history(*m_db, std::string("prisma"));
    ASSERT_TRUE(history.has_value()) << history.error().message;
    ASSERT_TRUE(history->has_value());
    EXPECT_EQ((*history)->tool, "Prisma");
    ASSERT_EQ((*history)->applied.size(), 2u);
    EXPECT_EQ((*history)->applied[0].name, "20240101000000_init");
    EXPECT_EQ((*history)->applied[0].version, "20240101000000");
    EXPECT_EQ((*history)->applied[0].applied_at, "2024-01-01T10:00:00Z");
    EXPECT_EQ((*history)->applied[1].applied_at, "2024-01-03T10:00:00Z");
    ASSERT_EQ((*history)->failed.size(), 1u);
    EXPECT_EQ((*history)->failed[0].name, "0_base");
    EXPECT_EQ((*history)->failed[0].version, "0");
}

TEST_F(ForeignHistoryTest, AnUnknownToolIsRefusedNamingTheToolsItReads) {
    auto history = read_foreign_history(*m_db, std::string("liquibase"));
    ASSERT_FALSE(history.has_value());
    EXPECT_EQ(history.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(history.error().message, "sqlx, prisma, drizzle or flyway")
        << history.error().message;
}

TEST_F(ForeignHistoryTest, FlywaysRepeatableRowsAreKeptTheLatestPerDescription) {
    ASSERT_TRUE(
        m_db->exec(
                "CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, "
                "version VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT "
                "NULL, script VARCHAR(1000) NOT NULL, checksum INT, installed_by VARCHAR(100) "
                "NOT NULL, installed_on TEXT NOT NULL, execution_time INT NOT NULL, success "
                "BOOLEAN NOT NULL);"
                "INSERT INTO flyway_schema_history VALUES"
                "(1, '1', 'a', 'SQL', 'V1__a.sql', 1, 'u', '2026-01-01 10:00:00.000', 1, 1),"
                "(2, NULL, 'user views', 'SQL', 'R__user_views.sql', 2, 'u',"
                " '2026-01-02 10:00:00.000', 1, 1),"
                "(3, NULL, 'user views', 'SQL', 'R__user_views.sql', 3, 'u',"
                " '2026-01-03 10:00:00.000', 1, 0),"
                "(4, NULL, 'grants', 'SQL', 'R__grants.sql', -4, 'u',"
                " '2026-01-04 10:00:00.000', 1, 1),"
                "(5, NULL, 'gone', 'SQL', 'R__gone.sql', 5, 'u', '2026-01-05 10:00:00.000', 1, 1),"
                "(6, NULL, 'gone', 'DELETE', 'R__gone.sql', 5, 'u',"
                " '2026-01-06 10:00:00.000', 1, 1);")
            .has_value());
    auto history = read_foreign_history(*m_db, std::string("flyway"));
    ASSERT_TRUE(history.has_value()) << history.error().message;
    ASSERT_TRUE(history->has_value());
    const auto& rows = (*history)->repeatables;
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].description, "gone");
    EXPECT_TRUE(rows[0].deleted);
    EXPECT_EQ(rows[1].description, "grants");
    EXPECT_EQ(rows[1].checksum, "-4");
    EXPECT_EQ(rows[1].script, "R__grants.sql");
    EXPECT_EQ(rows[1].applied_at, "2026-01-04T10:00:00Z");
    EXPECT_TRUE(rows[1].succeeded);
    EXPECT_FALSE(rows[1].deleted);
    EXPECT_EQ(rows[2].description, "user views");
    EXPECT_EQ(rows[2].rank, "3") << "the latest row decides";
    EXPECT_FALSE(rows[2].succeeded);
    ASSERT_EQ((*history)->applied.size(), 1u) << "the versioned rows as before";
    EXPECT_TRUE((*history)->notes.empty()) << "repeatable rows are matched with files later";
}

}  // namespace
}  // namespace belay::sqlite
