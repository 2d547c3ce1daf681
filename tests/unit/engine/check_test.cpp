#include "engine/check.hpp"
#include "engine/backups.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/migrate.hpp"
#include "sqlite/database.hpp"
#include "sqlite/history_store.hpp"
#include "sqlite/transaction.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"
#include "unit/engine/raw_database.hpp"

namespace belay::engine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::RawDatabase;

const std::string k_users =
    "-- +migrate Up\n"
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
    "CREATE INDEX users_by_name ON users (name);\n";
const std::string k_posts =
    "-- +migrate Up\n"
    "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id),\n"
    "                    body TEXT);\n"
    "CREATE VIEW post_authors AS SELECT posts.id, users.name FROM posts JOIN users\n"
    "    ON users.id = posts.user_id;\n"
    "INSERT INTO users (id, name) VALUES (1, 'ada');\n"
    "INSERT INTO posts (user_id, body) VALUES (1, 'hello');\n";

void flip_bytes_in_the_middle(const fs::path& path) {
    std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(static_cast<std::streamoff>(fs::file_size(path) / 2));
    file.write("\xde\xad\xbe\xef", 4);
    ASSERT_TRUE(file.good()) << path;
}

// A project (migrations/ and app.db) migrated by belay, then changed by hand.
class CheckTest : public ::testing::Test {
  protected:
    fs::path db() const { return m_dir / "app.db"; }

    void SetUp() override {
        add("0001_users.sql", k_users);
        add("0002_posts.sql", k_posts);
        migrate();
    }

    fs::path add(const std::string& name, const std::string& contents) {
        return m_dir.write("migrations/" + name, contents);
    }

    DatabaseOptions db_options() const {
        DatabaseOptions options;
        options.database = db();
        options.migrations_dir = m_dir / "migrations";
        options.lock_timeout = 2s;
        return options;
    }

    RunReport migrate() {
        MigrateOptions options;
        options.db = db_options();
        options.backup = false;
        auto report = run_migrate(options);
        if (!report) {
            ADD_FAILURE() << "run_migrate stopped: " << report.error().message;
            return {};
        }
        return *report;
    }

    // Changes the database as a user with the sqlite3 shell would, outside belay.
    void by_hand(const std::string& sql) {
        RawDatabase raw(db());
        raw.exec(sql);
    }

    CheckReport check(bool backups = false) {
        CheckOptions options;
        options.db = db_options();
        options.backups = backups;
        auto report = run_check(options);
        if (!report) {
            ADD_FAILURE() << "run_check failed: " << report.error().message;
            return {};
        }
        return *report;
    }

    // The messages of the findings in `area`.
    static std::vector<std::string> in_area(const CheckReport& report, const std::string& area) {
        std::vector<std::string> messages;
        for (const auto& finding : report.findings) {
            if (finding.area == area) {
                messages.push_back(finding.message);
            }
        }
        return messages;
    }

    static std::string all(const CheckReport& report) {
        std::string text;
        for (const auto& finding : report.findings) {
            text += finding.area + ": " + finding.message + "\n";
        }
        return text;
    }

    testing::TempDir m_dir;
};

TEST_F(CheckTest, CleanDatabaseHasNoFindings) {
    const auto report = check();
    EXPECT_TRUE(report.findings.empty()) << all(report);
    EXPECT_EQ(report.version, "0002");
    EXPECT_EQ(report.database, db().string());
    EXPECT_TRUE(report.backups.empty());
}

TEST_F(CheckTest, DataChangesAreNotDrift) {
    by_hand("INSERT INTO users (name) VALUES ('bob'); DELETE FROM posts;");
    const auto report = check();
    EXPECT_TRUE(report.findings.empty()) << all(report);
}

TEST_F(CheckTest, DriftListsAddedRemovedAndChangedObjectsByName) {
    by_hand(
        "ALTER TABLE users ADD COLUMN email TEXT;"
        "CREATE TABLE scratch (id INTEGER);"
        "DROP INDEX users_by_name;");

    const auto report = check();

    const auto drift = in_area(report, "drift");
    EXPECT_EQ(std::set<std::string>(drift.begin(), drift.end()),
              (std::set<std::string>{"table users was changed outside migrations",
                                     "table scratch was added outside migrations",
                                     "index users_by_name was removed outside migrations"}))
        << all(report);
    EXPECT_EQ(drift.size(), report.findings.size()) << all(report);
}

TEST_F(CheckTest, DriftWithoutARecordedSchemaIsStillReported) {
    by_hand("DELETE FROM belay_schema; CREATE TABLE scratch (id INTEGER);");
    const auto drift = in_area(check(), "drift");
    ASSERT_EQ(drift.size(), 1U);
    EXPECT_CONTAINS(drift[0], "differs from the one recorded");
}

TEST_F(CheckTest, MigratingAgainRecordsTheNewSchema) {
    add("0003_tags.sql", "-- +migrate Up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n");
    migrate();
    const auto report = check();
    EXPECT_TRUE(report.findings.empty()) << all(report);
    EXPECT_EQ(report.version, "0003");
}

TEST_F(CheckTest, IntegrityProblemsAreFindings) {
    // An index whose recorded definition no longer matches its entries: integrity_check's
    // "missing from index" and "wrong # of entries".
    by_hand(
        "PRAGMA writable_schema = ON;"
        "UPDATE sqlite_schema SET sql = 'CREATE INDEX users_by_name ON users (id DESC, name)' "
        "WHERE name = 'users_by_name';"
        "PRAGMA writable_schema = OFF;");

    const auto report = check();

    const auto integrity = in_area(report, "integrity");
    ASSERT_FALSE(integrity.empty()) << all(report);
    EXPECT_CONTAINS(integrity[0], "users_by_name");
}

TEST_F(CheckTest, ForeignKeyViolationsAreFindings) {
    by_hand("INSERT INTO posts (user_id, body) VALUES (99, 'orphan');");
    const auto report = check();
    const auto found = in_area(report, "foreign_keys");
    ASSERT_EQ(found.size(), 1U) << all(report);
    EXPECT_CONTAINS(found[0], "posts");
    EXPECT_CONTAINS(found[0], "users");
}

TEST_F(CheckTest, BrokenViewsAreFindings) {
    by_hand(
        "CREATE TABLE temp_source (x);"
        "CREATE VIEW uses_temp AS SELECT x FROM temp_source;"
        "DROP TABLE temp_source;");
    const auto report = check();
    const auto found = in_area(report, "views");
    ASSERT_EQ(found.size(), 1U) << all(report);
    EXPECT_CONTAINS(found[0], "uses_temp");
}

TEST_F(CheckTest, TriggersThatDoNotCompileAreFindings) {
    by_hand(
        "CREATE TABLE audit_log (what TEXT);"
        "CREATE TRIGGER users_logged AFTER INSERT ON users BEGIN "
        "  INSERT INTO audit_log VALUES (new.name); END;"
        "DROP TABLE audit_log;");
    const auto report = check();
    const auto found = in_area(report, "triggers");
    ASSERT_FALSE(found.empty()) << all(report);
    EXPECT_CONTAINS(found[0], "users");
}

TEST_F(CheckTest, ForeignKeysToMissingTablesAreFindings) {
    by_hand("CREATE TABLE comments (id INTEGER PRIMARY KEY, topic_id INTEGER REFERENCES topics);");
    const auto report = check();
    const auto found = in_area(report, "references");
    ASSERT_EQ(found.size(), 1U) << all(report);
    EXPECT_CONTAINS(found[0], "comments");
    EXPECT_CONTAINS(found[0], "topics");
}

TEST_F(CheckTest, ModifiedMigrationFileIsAHistoryFinding) {
    add("0001_users.sql", k_users + "-- an edit after the fact\n");
    const auto found = in_area(check(), "history");
    ASSERT_EQ(found.size(), 1U);
    EXPECT_CONTAINS(found[0], "0001_users");
    EXPECT_CONTAINS(found[0], "changed");
}

TEST_F(CheckTest, MissingMigrationFileIsAHistoryFinding) {
    fs::remove(m_dir / "migrations" / "0002_posts.sql");
    const auto found = in_area(check(), "history");
    ASSERT_EQ(found.size(), 1U);
    EXPECT_CONTAINS(found[0], "0002_posts");
    EXPECT_CONTAINS(found[0], "gone");
}

TEST_F(CheckTest, FailedMigrationIsAHistoryFinding) {
    add("0003_broken.sql", "-- +migrate Up\nINSERT INTO nowhere VALUES (1);\n");
    EXPECT_FALSE(migrate().succeeded());
    const auto found = in_area(check(), "history");
    ASSERT_EQ(found.size(), 1U);
    EXPECT_CONTAINS(found[0], "0003_broken");
    EXPECT_CONTAINS(found[0], "nowhere");
}

TEST_F(CheckTest, DirtyMigrationIsAHistoryFinding) {
    add("0003_slow.sql", "-- +migrate Up notransaction\nCREATE TABLE slow (id INTEGER);\n");
    by_hand(
        "INSERT INTO belay_dirty (history_table, version, name, started_at) "
        "VALUES ('schema_migrations', '0003', 'slow', '2026-11-23T10:15:00Z');");
    const auto found = in_area(check(), "history");
    ASSERT_EQ(found.size(), 1U);
    EXPECT_CONTAINS(found[0], "0003_slow");
    EXPECT_CONTAINS(found[0], "dirty");
}

TEST_F(CheckTest, BackupsAreVerifiedOnlyWhenAsked) {
    BackupOptions request;
    request.db = db_options();
    auto good = run_backup(request);
    ASSERT_TRUE(good.has_value()) << good.error().message;
    request.out = m_dir / "damaged.bak";
    auto bad = run_backup(request);
    ASSERT_TRUE(bad.has_value()) << bad.error().message;
    // --out puts it beside the database too, where listing finds it by its sidecar.
    flip_bytes_in_the_middle(bad->path);

    EXPECT_TRUE(check(false).findings.empty());

    const auto report = check(true);
    const auto found = in_area(report, "backups");
    ASSERT_EQ(found.size(), 1U) << all(report);
    EXPECT_CONTAINS(found[0], bad->path.string());
    EXPECT_EQ(found.size(), report.findings.size()) << all(report);
    EXPECT_EQ(report.backups.size(), 2U);
}

TEST_F(CheckTest, MissingDatabaseIsAnError) {
    fs::remove(db());
    CheckOptions options;
    options.db = db_options();
    auto report = run_check(options);
    ASSERT_FALSE(report.has_value());
    EXPECT_EQ(report.error().code, ErrorCode::invalid_input);
    EXPECT_FALSE(fs::exists(db()));
}

TEST_F(CheckTest, CheckChangesNothing) {
    by_hand("CREATE TABLE scratch (id INTEGER);");
    const auto before = testing::read_file(db());
    check(true);
    EXPECT_EQ(testing::read_file(db()), before);
}

// The recorded schema that drift is measured against (sqlite/history_store).
class RecordedSchemaTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto db = sqlite::Database::open(m_dir / "h.db", sqlite::OpenMode::read_write_create);
        ASSERT_TRUE(db.has_value()) << db.error().message;
        m_db.emplace(std::move(*db));
    }

    void create(sqlite::HistoryStore& store) {
        auto tx = sqlite::Transaction::begin_immediate(*m_db);
        ASSERT_TRUE(tx.has_value());
        ASSERT_TRUE(store.create_tables().has_value());
        ASSERT_TRUE(tx->commit().has_value());
    }

    static AppliedMigration applied(std::string version, std::string fingerprint) {
        return AppliedMigration{std::move(version),     "name", std::string(64, 'a'),
                                "2026-11-23T10:15:00Z", 1,      std::move(fingerprint)};
    }

    testing::TempDir m_dir;
    std::optional<sqlite::Database> m_db;
};

TEST_F(RecordedSchemaTest, NothingRecordedIsNullopt) {
    sqlite::HistoryStore store(*m_db, "schema_migrations");
    auto schema = store.read_recorded_schema();
    ASSERT_TRUE(schema.has_value()) << schema.error().message;
    EXPECT_FALSE(schema->has_value());
    auto fingerprint = store.last_recorded_fingerprint();
    ASSERT_TRUE(fingerprint.has_value()) << fingerprint.error().message;
    EXPECT_FALSE(fingerprint->has_value());

    create(store);
    schema = store.read_recorded_schema();
    ASSERT_TRUE(schema.has_value());
    EXPECT_FALSE(schema->has_value());
    fingerprint = store.last_recorded_fingerprint();
    ASSERT_TRUE(fingerprint.has_value()) << fingerprint.error().message;
    EXPECT_FALSE(fingerprint->has_value());
}

TEST_F(RecordedSchemaTest, RecordedSchemaRoundTripsAndIsReplacedNotAppended) {
    sqlite::HistoryStore store(*m_db, "schema_migrations");
    create(store);
    const std::vector<sqlite::SchemaObject> first{
        {"table", "users", "users", "CREATE TABLE users (id INTEGER)"},
        {"index", "users_by_id", "users", "CREATE INDEX users_by_id ON users (id)"},
        {"index", "sqlite_autoindex_users_1", "users", ""},
    };
    ASSERT_TRUE(store.record_schema(first).has_value());
    auto schema = store.read_recorded_schema();
    ASSERT_TRUE(schema.has_value() && schema->has_value());
    // Read back in (type, name) order.
    EXPECT_EQ(**schema, (std::vector<sqlite::SchemaObject>{first[2], first[1], first[0]}));

    const std::vector<sqlite::SchemaObject> second{{"view", "v", "v", "CREATE VIEW v AS SELECT 1"}};
    ASSERT_TRUE(store.record_schema(second).has_value());
    schema = store.read_recorded_schema();
    ASSERT_TRUE(schema.has_value() && schema->has_value());
    EXPECT_EQ(**schema, second);
}

// After a step only the objects it changed are written: one replaced, one removed, the
// unchanged one not touched (two row changes, not a rewrite of all three).
TEST_F(RecordedSchemaTest, RecordingWritesOnlyWhatChanged) {
    sqlite::HistoryStore store(*m_db, "schema_migrations");
    create(store);
    const sqlite::SchemaObject users{"table", "users", "users", "CREATE TABLE users (id INTEGER)"};
    const sqlite::SchemaObject index{"index", "users_by_id", "users",
                                     "CREATE INDEX users_by_id ON users (id)"};
    const sqlite::SchemaObject view{"view", "v", "v", "CREATE VIEW v AS SELECT 1"};
    ASSERT_TRUE(store.record_schema({users, index, view}).has_value());
    auto changed_view = view;
    changed_view.sql = "CREATE VIEW v AS SELECT 2";
    const auto changes_before = sqlite3_total_changes64(m_db->handle());
    ASSERT_TRUE(store.record_schema({users, changed_view}).has_value());
    EXPECT_EQ(sqlite3_total_changes64(m_db->handle()) - changes_before, 2);
    auto schema = store.read_recorded_schema();
    ASSERT_TRUE(schema.has_value() && schema->has_value());
    EXPECT_EQ(**schema, (std::vector<sqlite::SchemaObject>{users, changed_view}));
}

TEST_F(RecordedSchemaTest, EachHistoryTableKeepsItsOwnRecordedSchema) {
    sqlite::HistoryStore main(*m_db, "schema_migrations");
    sqlite::HistoryStore other(*m_db, "other_history");
    create(main);
    create(other);
    const std::vector<sqlite::SchemaObject> mine{{"table", "a", "a", "CREATE TABLE a (x)"}};
    const std::vector<sqlite::SchemaObject> theirs{{"table", "b", "b", "CREATE TABLE b (x)"}};
    ASSERT_TRUE(main.record_schema(mine).has_value());
    ASSERT_TRUE(other.record_schema(theirs).has_value());
    EXPECT_EQ(main.read_recorded_schema().value().value_or(std::vector<sqlite::SchemaObject>{}),
              mine);
    EXPECT_EQ(other.read_recorded_schema().value().value_or(std::vector<sqlite::SchemaObject>{}),
              theirs);
}

TEST_F(RecordedSchemaTest, LastFingerprintIsTheMostRecentlyAppliedNotTheHighestVersion) {
    sqlite::HistoryStore store(*m_db, "schema_migrations");
    create(store);
    ASSERT_TRUE(store.record_applied(applied("0001", "fp-1")).has_value());
    ASSERT_TRUE(store.record_applied(applied("0003", "fp-3")).has_value());
    EXPECT_EQ(store.last_recorded_fingerprint().value(), std::optional<std::string>("fp-3"));
    // 0002 applied out of order, after 0003: its fingerprint is the schema's latest.
    ASSERT_TRUE(store.record_applied(applied("0002", "fp-2")).has_value());
    EXPECT_EQ(store.last_recorded_fingerprint().value(), std::optional<std::string>("fp-2"));
}

}  // namespace
}  // namespace belay::engine
