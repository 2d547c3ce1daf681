#include "sqlite/history_store.hpp"

#include <algorithm>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "belay/version.hpp"
#include "sqlite/database.hpp"
#include "sqlite/transaction.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay::sqlite {
namespace {

// Whether `version` is among the store's applied versions, compared as numbers the way a
// step's re-check compares them.
bool is_applied(HistoryStore& store, std::string_view version) {
    return store.applied_versions().value().contains(Version::parse(version)->numeric());
}

AppliedMigration applied(std::string version, std::string name) {
    return AppliedMigration{
        std::move(version),  std::move(name), std::string(64, 'a'), "2026-11-23T10:15:00Z", 42,
        std::string(64, 'f')};
}

FailedAttempt failure(std::string version, std::string error) {
    return FailedAttempt{std::move(version), "name", "2026-11-23T10:16:00Z", std::move(error)};
}

DirtyMark dirty(std::string version) {
    return DirtyMark{std::move(version), "name", "2026-11-23T10:17:00Z"};
}

class HistoryStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto db = Database::open(m_dir / "h.db", OpenMode::read_write_create);
        ASSERT_TRUE(db.has_value()) << db.error().message;
        m_db.emplace(std::move(*db));
    }

    // create_tables in its own committed transaction, as a run does.
    void create(HistoryStore& store) {
        auto tx = Transaction::begin_immediate(*m_db);
        ASSERT_TRUE(tx.has_value());
        ASSERT_TRUE(store.create_tables().has_value());
        ASSERT_TRUE(tx->commit().has_value());
    }

    History read(HistoryStore& store) {
        auto history = store.read();
        EXPECT_TRUE(history.has_value()) << history.error().message;
        return history.value_or(History{});
    }

    std::string schema_of(const std::string& table) {
        return m_db->query_text("SELECT sql FROM sqlite_schema WHERE name = '" + table + "'")
            .value_or("<missing>");
    }

    testing::TempDir m_dir;
    std::optional<Database> m_db;
};

TEST_F(HistoryStoreTest, ReadOfANeverMigratedDatabaseIsEmptyAndCreatesNothing) {
    HistoryStore store(*m_db, "schema_migrations");
    EXPECT_EQ(store.table(), "schema_migrations");
    const auto history = read(store);
    EXPECT_FALSE(history.table_exists);
    EXPECT_TRUE(history.applied.empty());
    EXPECT_TRUE(history.failures.empty());
    EXPECT_TRUE(history.dirty.empty());
    EXPECT_TRUE(store.check_ownership().has_value());
    EXPECT_EQ(m_db->query_int("SELECT count(*) FROM sqlite_schema").value(), 0);
}

TEST_F(HistoryStoreTest, RecordAppliedThenReadRoundTripsEveryField) {
    HistoryStore store(*m_db, "schema_migrations");
    create(store);
    create(store);  // idempotent
    EXPECT_TRUE(store.check_ownership().has_value());
    {
        auto tx = Transaction::begin_immediate(*m_db);
        ASSERT_TRUE(tx.has_value());
        ASSERT_TRUE(store.record_applied(applied("0001", "create_users")).has_value());
        ASSERT_TRUE(store.record_applied(applied("20150100000001000000", "huge")).has_value());
        ASSERT_TRUE(tx->commit().has_value());
    }
    const auto history = read(store);
    EXPECT_TRUE(history.table_exists);
    ASSERT_EQ(history.applied.size(), 2u);
    // read() promises no order; the planner sorts by version.
    auto sorted = history.applied;
    std::ranges::sort(sorted, {}, [](const AppliedMigration& m) { return m.version.size(); });
    const auto& first = sorted[0];
    const auto& second = sorted[1];
    EXPECT_EQ(first.version, "0001");
    EXPECT_EQ(first.name, "create_users");
    EXPECT_EQ(first.checksum, std::string(64, 'a'));
    EXPECT_EQ(first.applied_at, "2026-11-23T10:15:00Z");
    EXPECT_EQ(first.execution_ms, 42);
    EXPECT_EQ(first.schema_fingerprint, std::string(64, 'f'));
    EXPECT_EQ(second.version, "20150100000001000000") << "versions beyond int64 stay text";
}

TEST_F(HistoryStoreTest, RecordAppliedIsUndoneWithTheCallersTransaction) {
    HistoryStore store(*m_db, "schema_migrations");
    create(store);
    {
        auto tx = Transaction::begin_immediate(*m_db);
        ASSERT_TRUE(tx.has_value());
        ASSERT_TRUE(store.record_applied(applied("1", "a")).has_value());
    }
    EXPECT_TRUE(read(store).applied.empty());
}

TEST_F(HistoryStoreTest, AppliedVersionsCompareAsNumbers) {
    HistoryStore store(*m_db, "schema_migrations");
    create(store);
    ASSERT_TRUE(store.record_applied(applied("0001", "a")).has_value());
    ASSERT_TRUE(store.record_applied(applied("20", "b")).has_value());
    EXPECT_TRUE(is_applied(store, "0001"));
    EXPECT_TRUE(is_applied(store, "1"));
    EXPECT_TRUE(is_applied(store, "00000001"));
    EXPECT_TRUE(is_applied(store, "020"));
    EXPECT_FALSE(is_applied(store, "2"));
    EXPECT_FALSE(is_applied(store, "10"));
    EXPECT_FALSE(is_applied(store, "0002"));
    EXPECT_FALSE(is_applied(store, "200"));
}

TEST_F(HistoryStoreTest, RecordFailureKeepsTheLatestAttemptPerVersion) {
    HistoryStore store(*m_db, "schema_migrations");
    create(store);
    ASSERT_TRUE(store.record_failure(failure("0003", "first try failed")).has_value());
    ASSERT_TRUE(store.record_failure(failure("0003", "second try failed")).has_value());
    ASSERT_TRUE(store.mark_dirty(dirty("0004")).has_value());
    const auto history = read(store);
    ASSERT_EQ(history.failures.size(), 1u);
    EXPECT_EQ(history.failures[0].version, "0003");
    EXPECT_EQ(history.failures[0].error, "second try failed");
    EXPECT_EQ(history.failures[0].failed_at, "2026-11-23T10:16:00Z");
    ASSERT_EQ(history.dirty.size(), 1u);
    EXPECT_EQ(history.dirty[0].version, "0004");
    EXPECT_EQ(history.dirty[0].started_at, "2026-11-23T10:17:00Z");
}

TEST_F(HistoryStoreTest, RecordAppliedClearsThatVersionsFailureAndDirtyMarkOnly) {
    HistoryStore store(*m_db, "schema_migrations");
    create(store);
    ASSERT_TRUE(store.record_failure(failure("0002", "boom")).has_value());
    ASSERT_TRUE(store.record_failure(failure("0003", "bang")).has_value());
    ASSERT_TRUE(store.mark_dirty(dirty("0002")).has_value());
    ASSERT_TRUE(store.mark_dirty(dirty("0003")).has_value());
    ASSERT_TRUE(store.record_applied(applied("2", "two")).has_value())
        << "spelled differently, the same version";
    const auto history = read(store);
    ASSERT_EQ(history.failures.size(), 1u);
    EXPECT_EQ(history.failures[0].version, "0003");
    ASSERT_EQ(history.dirty.size(), 1u);
    EXPECT_EQ(history.dirty[0].version, "0003");
}

// Flyway's versions: 1.0 is 1, and 1.10 is not 1.1. Rows are found by version, not by spelling,
// when they are removed, re-checksummed or cleared.
TEST_F(HistoryStoreTest, DottedVersionsAreFoundPartByPartWhateverTheirSpelling) {
    HistoryStore store(*m_db, "schema_migrations");
    create(store);
    ASSERT_TRUE(store.record_applied(applied("1.0", "a")).has_value());
    ASSERT_TRUE(store.record_applied(applied("1.10", "b")).has_value());
    ASSERT_TRUE(store.record_applied(applied("0002.01", "c")).has_value());
    ASSERT_TRUE(store.record_failure(failure("3.0", "boom")).has_value());
    ASSERT_TRUE(store.mark_dirty(dirty("4.00")).has_value());
    EXPECT_TRUE(store.applied_versions().value().contains("1"));
    EXPECT_TRUE(store.applied_versions().value().contains("1.10"));

    ASSERT_TRUE(store.update_checksum("2.1", std::string(64, 'c')).has_value());
    ASSERT_TRUE(store.record_reverted("1").has_value());
    ASSERT_TRUE(store.clear_marks("3").has_value());
    ASSERT_TRUE(store.record_applied(applied("4", "d")).has_value());
    const auto history = read(store);
    std::vector<std::string> versions;
    for (const auto& row : history.applied) {
        versions.push_back(row.version + (row.checksum == std::string(64, 'c') ? " (new)" : ""));
    }
    std::ranges::sort(versions);
    EXPECT_EQ(versions, (std::vector<std::string>{"0002.01 (new)", "1.10", "4"}))
        << "1.0 reverted as 1, 2.1 re-checksummed as 0002.01, 1.10 untouched";
    EXPECT_TRUE(history.failures.empty()) << "3.0 cleared as 3";
    EXPECT_TRUE(history.dirty.empty()) << "4.00 cleared when 4 was recorded";
}

TEST_F(HistoryStoreTest, RenamedHistoryTablesKeepTheirFailuresApart) {
    HistoryStore app(*m_db, "schema_migrations");
    HistoryStore plugin(*m_db, "plugin_migrations");
    create(app);
    create(plugin);
    ASSERT_TRUE(app.record_failure(failure("0001", "app failed")).has_value());
    ASSERT_TRUE(plugin.record_failure(failure("0001", "plugin failed")).has_value());
    ASSERT_TRUE(plugin.mark_dirty(dirty("0005")).has_value());
    ASSERT_TRUE(plugin.record_applied(applied("0007", "p")).has_value());

    auto app_history = read(app);
    ASSERT_EQ(app_history.failures.size(), 1u);
    EXPECT_EQ(app_history.failures[0].error, "app failed");
    EXPECT_TRUE(app_history.dirty.empty());
    EXPECT_TRUE(app_history.applied.empty());

    ASSERT_TRUE(app.record_applied(applied("1", "a")).has_value());
    EXPECT_TRUE(read(app).failures.empty());
    const auto plugin_history = read(plugin);
    ASSERT_EQ(plugin_history.failures.size(), 1u) << "app's success must not clear plugin's";
    EXPECT_EQ(plugin_history.failures[0].error, "plugin failed");
    ASSERT_EQ(plugin_history.dirty.size(), 1u);
    ASSERT_EQ(plugin_history.applied.size(), 1u);
    EXPECT_FALSE(is_applied(app, "7"));
    EXPECT_TRUE(is_applied(plugin, "7"));
}

TEST_F(HistoryStoreTest, RepeatableRowsAreReplacedPerNameAndKeptApartPerHistoryTable) {
    HistoryStore app(*m_db, "schema_migrations");
    HistoryStore plugin(*m_db, "plugin_migrations");
    create(app);
    EXPECT_EQ(schema_of("belay_repeatable"), "<missing>")
        << "only a repeatable migration's step creates the table";
    EXPECT_EQ(app.repeatable_checksum("views").value(), std::nullopt);
    ASSERT_TRUE(app.create_repeatable_table().has_value());
    ASSERT_TRUE(app.create_repeatable_table().has_value()) << "IF NOT EXISTS";
    ASSERT_TRUE(
        app.record_repeatable({"views", std::string(64, 'a'), "2026-11-23T10:15:00Z"}).has_value());
    ASSERT_TRUE(
        app.record_repeatable({"views", std::string(64, 'b'), "2026-11-24T10:15:00Z"}).has_value());
    ASSERT_TRUE(plugin.record_repeatable({"views", "c", "2026-11-25T10:15:00Z"}).has_value());
    EXPECT_EQ(app.repeatable_checksum("views").value(), std::string(64, 'b'));
    EXPECT_EQ(app.repeatable_checksum("other").value(), std::nullopt);
    const auto history = read(app);
    ASSERT_EQ(history.repeatables.size(), 1u) << "one row per name, the latest application";
    EXPECT_EQ(history.repeatables[0].name, "views");
    EXPECT_EQ(history.repeatables[0].checksum, std::string(64, 'b'));
    EXPECT_EQ(history.repeatables[0].applied_at, "2026-11-24T10:15:00Z");
    EXPECT_EQ(plugin.repeatable_checksum("views").value(), "c");
    EXPECT_TRUE(app.check_ownership().has_value());
}

TEST_F(HistoryStoreTest, RefusesATableOfTheUsersNamedBelayRepeatable) {
    ASSERT_TRUE(m_db->exec("CREATE TABLE belay_repeatable (name TEXT, body TEXT);").has_value());
    HistoryStore store(*m_db, "schema_migrations");
    auto owned = store.check_ownership();
    ASSERT_FALSE(owned.has_value());
    EXPECT_EQ(owned.error().code, ErrorCode::refused);
    EXPECT_CONTAINS(owned.error().message,
                    "table belay_repeatable (columns body, name) was not "
                    "made by belay")
        << owned.error().message;
}

TEST_F(HistoryStoreTest, TableNameWithQuotesWorks) {
    HistoryStore store(*m_db, "my \"odd\" history");
    create(store);
    EXPECT_TRUE(store.check_ownership().has_value());
    ASSERT_TRUE(store.record_applied(applied("0001", "a")).has_value());
    EXPECT_EQ(m_db->query_int("SELECT count(*) FROM \"my \"\"odd\"\" history\"").value(), 1);
    EXPECT_TRUE(is_applied(store, "1"));
    EXPECT_EQ(read(store).applied.size(), 1u);
}

TEST_F(HistoryStoreTest, RefusesGolangMigratesTableAndLeavesItUntouched) {
    ASSERT_TRUE(m_db->exec("CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, "
                           "dirty boolean NOT NULL);"
                           "INSERT INTO schema_migrations VALUES (20240101, 0);")
                    .has_value());
    const auto before = schema_of("schema_migrations");
    HistoryStore store(*m_db, "schema_migrations");
    auto owned = store.check_ownership();
    ASSERT_FALSE(owned.has_value());
    EXPECT_EQ(owned.error().code, ErrorCode::refused);
    EXPECT_CONTAINS(owned.error().message, "golang-migrate");
    EXPECT_CONTAINS(owned.error().message, "schema_migrations");
    EXPECT_CONTAINS(owned.error().message, (m_dir / "h.db").string());
    EXPECT_CONTAINS(owned.error().message, "or use history_table to keep belay's history");
    EXPECT_EQ(owned.error().option(), Option::history_table);
    ASSERT_TRUE(owned.error().advised_call().has_value());
    EXPECT_EQ(owned.error().advised_call()->command, Command::adopt);
    EXPECT_EQ(schema_of("schema_migrations"), before);
    EXPECT_EQ(m_db->query_int("SELECT version FROM schema_migrations WHERE dirty = 0").value(),
              20240101);
    EXPECT_EQ(m_db->query_int("SELECT count(*) FROM sqlite_schema").value(), 2)
        << "the table and its primary key index, nothing more";
}

TEST_F(HistoryStoreTest, RefusesDbmatesTableAndLeavesItUntouched) {
    ASSERT_TRUE(m_db->exec("CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);"
                           "INSERT INTO schema_migrations VALUES ('20240101120000');")
                    .has_value());
    const auto before = schema_of("schema_migrations");
    HistoryStore store(*m_db, "schema_migrations");
    auto owned = store.check_ownership();
    ASSERT_FALSE(owned.has_value());
    EXPECT_EQ(owned.error().code, ErrorCode::refused);
    EXPECT_CONTAINS(owned.error().message, "dbmate");
    EXPECT_EQ(schema_of("schema_migrations"), before);
    EXPECT_EQ(m_db->query_text("SELECT version FROM schema_migrations").value(), "20240101120000");
}

TEST_F(HistoryStoreTest, RefusesAForeignTableWhateverTheCaseOfItsName) {
    ASSERT_TRUE(
        m_db->exec("CREATE TABLE Schema_Migrations (version bigint, dirty boolean)").has_value());
    HistoryStore store(*m_db, "schema_migrations");
    auto owned = store.check_ownership();
    ASSERT_FALSE(owned.has_value());
    EXPECT_EQ(owned.error().code, ErrorCode::refused);
}

// CREATE TABLE IF NOT EXISTS silently does nothing when a view of that name exists, so a view
// that passes the ownership check leaves belay recording into a view.
TEST_F(HistoryStoreTest, RefusesAViewNamedLikeTheHistoryTable) {
    ASSERT_TRUE(m_db->exec("CREATE VIEW schema_migrations AS SELECT '1' AS version").has_value());
    HistoryStore store(*m_db, "schema_migrations");
    auto owned = store.check_ownership();
    ASSERT_FALSE(owned.has_value()) << "a view is not belay's history table";
    EXPECT_EQ(owned.error().code, ErrorCode::refused);
    EXPECT_CONTAINS(owned.error().message, "schema_migrations");
    EXPECT_EQ(schema_of("schema_migrations"),
              "CREATE VIEW schema_migrations AS SELECT '1' AS version");
}

TEST_F(HistoryStoreTest, OtherHistoryTablesDoNotCountAsForeign) {
    ASSERT_TRUE(
        m_db->exec("CREATE TABLE schema_migrations (version bigint, dirty boolean)").has_value());
    HistoryStore store(*m_db, "belay_history");
    EXPECT_TRUE(store.check_ownership().has_value());
    create(store);
    EXPECT_TRUE(store.check_ownership().has_value());
    EXPECT_TRUE(read(store).table_exists);
}

TEST(UtcNowIso8601, IsUtcToTheSecondWithATrailingZ) {
    const auto now = utc_now_iso8601();
    EXPECT_TRUE(std::regex_match(now, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)")))
        << now;
    EXPECT_GE(now.substr(0, 4), "2024");
}

}  // namespace
}  // namespace belay::sqlite
