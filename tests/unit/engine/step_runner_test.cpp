#include "engine/step_runner.hpp"

#include <chrono>
#include <csignal>
#include <string>

#include <gtest/gtest.h>

#include "belay/cancellation.hpp"
#include "core/migration_parser.hpp"
#include "sqlite/database.hpp"
#include "sqlite/execution_guard.hpp"
#include "sqlite/history_store.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"
#include "unit/engine/raw_database.hpp"

namespace belay::engine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::RawDatabase;

// One connection with belay's machinery around it, as run_migrate sets it up.
class StepFixture : public ::testing::Test {
  protected:
    void SetUp() override {
        auto db = sqlite::Database::open(m_dir / "app.db", sqlite::OpenMode::read_write_create);
        ASSERT_TRUE(db.has_value()) << db.error().message;
        m_db.emplace(std::move(*db));
        m_history.emplace(*m_db, "schema_migrations");
        m_guard.emplace(*m_db, 2s);
    }

    void TearDown() override {
        m_context.reset();
        m_guard.reset();
        m_history.reset();
        m_db.reset();
    }

    // Parses `contents` as the file `file_name` (kept on disk, so messages can name it).
    Migration migration(std::string_view file_name, std::string_view contents) {
        const auto path = m_dir.write(file_name, contents);
        auto parsed = parse_migration(path, contents);
        if (!parsed) {
            throw std::runtime_error(parsed.error().message);
        }
        return *parsed;
    }

    // One context for every step of a test, as one run has: the validation state a step ends
    // with is carried to the next unless another connection committed in between.
    StepOutcome apply(const Migration& m) {
        if (!m_context) {
            m_context.emplace(StepContext{
                .db = *m_db, .history = *m_history, .guard = *m_guard, .options = m_options});
        }
        return apply_step(*m_context, m, Direction::up);
    }

    // Applies a file that must succeed (test set-up).
    void apply_ok(std::string_view file_name, std::string_view contents) {
        const auto outcome = apply(migration(file_name, contents));
        ASSERT_FALSE(outcome.error.has_value()) << outcome.error->message;
    }

    RawDatabase raw() { return RawDatabase(m_dir / "app.db"); }

    testing::TempDir m_dir;
    std::optional<sqlite::Database> m_db;
    std::optional<sqlite::HistoryStore> m_history;
    std::optional<sqlite::ExecutionGuard> m_guard;
    MigrateOptions m_options;
    std::optional<StepContext> m_context;
};

const std::string k_parent_child =
    "-- +migrate Up\n"
    "CREATE TABLE parent (id INTEGER PRIMARY KEY);\n"
    "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));\n"
    "INSERT INTO parent VALUES (1);\n"
    "INSERT INTO child VALUES (10, 1);\n";

TEST_F(StepFixture, AppliedStepReportsAndRecordsItself) {
    const auto m = migration("0001_parent_child.sql", k_parent_child);
    const auto outcome = apply(m);
    ASSERT_FALSE(outcome.error.has_value()) << outcome.error->message;
    EXPECT_EQ(outcome.report.result, StepResult::applied);
    EXPECT_EQ(outcome.report.version, "0001");
    EXPECT_EQ(outcome.report.name, "parent_child");
    EXPECT_FALSE(outcome.report.no_transaction);
    EXPECT_GE(outcome.report.duration_ms, 0);
    auto db = raw();
    EXPECT_EQ(db.text("SELECT checksum FROM schema_migrations WHERE version = '0001'"), m.checksum);
    EXPECT_FALSE(m_db->in_transaction());
}

// belay_schema holds the schema after the last step, step after step of one run, also when
// another connection changed the schema between two steps.
TEST_F(StepFixture, RecordedSchemaFollowsEveryStepAndChangesMadeBetweenThem) {
    const auto recorded = [&] {
        return raw().column(
            "SELECT type || ' ' || name || ': ' || sql FROM belay_schema ORDER BY type, name");
    };
    const auto actual = [&] {
        return raw().column(
            "SELECT type || ' ' || name || ': ' || sql FROM sqlite_schema WHERE name NOT LIKE "
            "'sqlite_%' AND name NOT LIKE 'belay_%' AND name <> 'schema_migrations' "
            "ORDER BY type, name");
    };
    apply_ok("0001_a.sql", "-- +migrate Up\nCREATE TABLE a (x);\nCREATE INDEX a_x ON a (x);\n");
    EXPECT_EQ(recorded(), actual());
    apply_ok("0002_b.sql", "-- +migrate Up\nCREATE TABLE b (y);\nDROP INDEX a_x;\n");
    EXPECT_EQ(recorded(), actual());
    raw().exec("CREATE TABLE made_by_hand (z)");
    apply_ok("0003_c.sql", "-- +migrate Up\nALTER TABLE b ADD COLUMN w;\n");
    EXPECT_EQ(recorded(), actual());
    EXPECT_EQ(recorded().size(), 3u) << "a, b (with w) and made_by_hand";
    raw().exec("DELETE FROM belay_schema");  // by hand, between two steps
    apply_ok("0004_d.sql", "-- +migrate Up\nCREATE TABLE d (v);\n");
    EXPECT_EQ(recorded(), actual());
}

TEST_F(StepFixture, StepAppliedByAnotherRunMeanwhileIsSkipped) {
    apply_ok("0001_parent_child.sql", k_parent_child);
    // Same version, spelled differently, as another belay run might have recorded it.
    const auto again = migration("1_parent_child.sql", "-- +migrate Up\nCREATE TABLE extra (x);\n");
    const auto outcome = apply(again);
    EXPECT_FALSE(outcome.error.has_value());
    EXPECT_EQ(outcome.report.result, StepResult::not_run);
    ASSERT_EQ(outcome.report.warnings.size(), 1U);
    EXPECT_CONTAINS(outcome.report.warnings[0], "already applied");
    auto db = raw();
    EXPECT_FALSE(db.has_table("extra"));
    EXPECT_EQ(db.integer("SELECT count(*) FROM schema_migrations"), 1);
}

// The re-check reads the history again when another connection committed since the last step
// (belay keeps what it read while nobody else writes).
TEST_F(StepFixture, StepAnotherConnectionRecordedBetweenTwoStepsIsSkipped) {
    apply_ok("0001_a.sql", "-- +migrate Up\nCREATE TABLE a (x);\n");
    raw().exec(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at, execution_ms, "
        "schema_fingerprint) VALUES ('02', 'b', 'c', '2026-12-01T00:00:00Z', 1, 'f')");
    const auto outcome = apply(migration("0002_b.sql", "-- +migrate Up\nCREATE TABLE b (y);\n"));
    EXPECT_FALSE(outcome.error.has_value());
    EXPECT_EQ(outcome.report.result, StepResult::not_run);
    ASSERT_EQ(outcome.report.warnings.size(), 1U);
    EXPECT_CONTAINS(outcome.report.warnings[0], "already applied");
    EXPECT_FALSE(raw().has_table("b"));
    // And a step nobody did runs as usual after that.
    apply_ok("0003_c.sql", "-- +migrate Up\nCREATE TABLE c (z);\n");
    EXPECT_TRUE(raw().has_table("c"));
}

// A NoTransaction step is re-checked too: it ran again (a counter bumped twice) when another
// run, through a second name of the file, had applied it meanwhile.
TEST_F(StepFixture, NoTransactionStepAnotherRunAppliedMeanwhileIsSkipped) {
    apply_ok(
        "0001_counter.sql",
        "-- +migrate Up\nCREATE TABLE counter (n INTEGER);\nINSERT INTO counter VALUES (0);\n");
    raw().exec(
        "UPDATE counter SET n = n + 1;"
        "INSERT INTO schema_migrations (version, name, checksum, applied_at, execution_ms, "
        "schema_fingerprint) VALUES ('0002', 'bump', 'c', '2026-12-01T00:00:00Z', 1, 'f')");
    const auto outcome = apply(migration(
        "0002_bump.sql", "-- +migrate Up notransaction\nUPDATE counter SET n = n + 1;\n"));
    EXPECT_FALSE(outcome.error.has_value()) << outcome.error->message;
    EXPECT_EQ(outcome.report.result, StepResult::not_run);
    ASSERT_EQ(outcome.report.warnings.size(), 1U);
    EXPECT_CONTAINS(outcome.report.warnings[0], "already applied");
    auto db = raw();
    EXPECT_EQ(db.integer("SELECT n FROM counter"), 1);
    EXPECT_EQ(db.integer("SELECT count(*) FROM belay_dirty"), 0);
}

TEST_F(StepFixture, RevertAnotherConnectionRecordedBetweenTwoStepsIsSkipped) {
    const auto b = migration(
        "0002_b.sql", "-- +migrate Up\nCREATE TABLE b (y);\n-- +migrate Down\nDROP TABLE b;\n");
    apply_ok("0001_a.sql", "-- +migrate Up\nCREATE TABLE a (x);\n");
    ASSERT_FALSE(apply(b).error.has_value());
    raw().exec("DELETE FROM schema_migrations WHERE version = '0002'");
    const auto outcome = apply_step(*m_context, b, Direction::down);
    EXPECT_FALSE(outcome.error.has_value());
    EXPECT_EQ(outcome.report.result, StepResult::not_run);
    ASSERT_EQ(outcome.report.warnings.size(), 1U);
    EXPECT_CONTAINS(outcome.report.warnings[0], "already reverted");
    EXPECT_TRUE(raw().has_table("b"));
}

// Within one run, a step's own history row is known without reading the table again: a step
// applied earlier in the run, then reverted, then applied again, is each time what it should be.
TEST_F(StepFixture, OwnStepsOfTheRunAreKnownToTheReCheck) {
    const auto a = migration(
        "0001_a.sql", "-- +migrate Up\nCREATE TABLE a (x);\n-- +migrate Down\nDROP TABLE a;\n");
    ASSERT_FALSE(apply(a).error.has_value());
    auto again = apply(a);
    EXPECT_EQ(again.report.result, StepResult::not_run) << "applied earlier in this run";
    auto down = apply_step(*m_context, a, Direction::down);
    ASSERT_FALSE(down.error.has_value()) << down.error->message;
    EXPECT_EQ(down.report.result, StepResult::reverted);
    EXPECT_FALSE(raw().has_table("a"));
    again = apply(a);
    ASSERT_FALSE(again.error.has_value()) << again.error->message;
    EXPECT_EQ(again.report.result, StepResult::applied);
    EXPECT_TRUE(raw().has_table("a"));
}

TEST_F(StepFixture, NewForeignKeyViolationFailsTheStep) {
    apply_ok("0001_parent_child.sql", k_parent_child);
    const auto outcome =
        apply(migration("0002_orphan.sql", "-- +migrate Up\nINSERT INTO child VALUES (11, 99);\n"));
    ASSERT_TRUE(outcome.error.has_value());
    EXPECT_EQ(outcome.error->code, ErrorCode::step_failed);
    EXPECT_CONTAINS(outcome.error->message, "child");
    EXPECT_EQ(outcome.report.result, StepResult::failed);
    EXPECT_EQ(raw().integer("SELECT count(*) FROM child"), 1);
}

TEST_F(StepFixture, ViolationThatWasAlreadyThereDoesNotFailTheStep) {
    apply_ok("0001_parent_child.sql", k_parent_child);
    raw().exec("INSERT INTO child VALUES (11, 99)");  // an old orphan, made outside belay
    const auto outcome =
        apply(migration("0002_more.sql", "-- +migrate Up\nCREATE TABLE more (id INTEGER);\n"));
    EXPECT_FALSE(outcome.error.has_value()) << outcome.error->message;
}

TEST_F(StepFixture, AnotherOrphanBesideAnOldOneFailsTheStep) {
    apply_ok("0001_parent_child.sql", k_parent_child);
    raw().exec("INSERT INTO child VALUES (11, 99)");
    const auto outcome =
        apply(migration("0002_orphan.sql", "-- +migrate Up\nINSERT INTO child VALUES (12, 98);\n"));
    ASSERT_TRUE(outcome.error.has_value());
    EXPECT_EQ(outcome.error->code, ErrorCode::step_failed);
    EXPECT_EQ(raw().integer("SELECT count(*) FROM child"), 2);
}

// The table-rebuild pattern on a referenced table only works with enforcement off; belay turns
// it off for the step and puts back what the connection had.
TEST_F(StepFixture, RebuildingAReferencedTableWorksAndForeignKeysAreRestored) {
    apply_ok("0001_parent_child.sql", k_parent_child);
    ASSERT_TRUE(m_db->exec("PRAGMA foreign_keys = ON").has_value());
    const auto outcome = apply(migration("0002_rebuild_parent.sql",
                                         "-- +migrate Up\n"
                                         "CREATE TABLE parent_new (id INTEGER PRIMARY KEY, "
                                         "label TEXT NOT NULL DEFAULT '');\n"
                                         "INSERT INTO parent_new (id) SELECT id FROM parent;\n"
                                         "DROP TABLE parent;\n"
                                         "ALTER TABLE parent_new RENAME TO parent;\n"));
    ASSERT_FALSE(outcome.error.has_value()) << outcome.error->message;
    EXPECT_EQ(m_db->query_int("PRAGMA foreign_keys").value_or(-1), 1);
    auto db = raw();
    EXPECT_EQ(db.integer("SELECT count(*) FROM child"), 1);
    EXPECT_EQ(db.integer("SELECT count(*) FROM pragma_table_info('parent') WHERE name='label'"), 1);
}

TEST_F(StepFixture, ForeignKeysStayOffWhenTheConnectionHadThemOff) {
    apply_ok("0001_parent_child.sql", k_parent_child);
    EXPECT_EQ(m_db->query_int("PRAGMA foreign_keys").value_or(-1), 0);
}

TEST_F(StepFixture, ForeignKeysAreRestoredAfterAFailedStepToo) {
    ASSERT_TRUE(m_db->exec("PRAGMA foreign_keys = ON").has_value());
    const auto outcome =
        apply(migration("0001_broken.sql", "-- +migrate Up\nINSERT INTO nowhere VALUES (1);\n"));
    ASSERT_TRUE(outcome.error.has_value());
    EXPECT_EQ(m_db->query_int("PRAGMA foreign_keys").value_or(-1), 1);
    EXPECT_FALSE(m_db->in_transaction());
}

TEST_F(StepFixture, TriggerThatNoLongerCompilesFailsTheStep) {
    apply_ok("0001_audit.sql",
             "-- +migrate Up\n"
             "CREATE TABLE items (id INTEGER);\n"
             "CREATE TABLE audit (item_id INTEGER);\n"
             "CREATE TRIGGER items_audit AFTER INSERT ON items BEGIN\n"
             "  INSERT INTO audit VALUES (new.id);\n"
             "END;\n");
    const auto outcome =
        apply(migration("0002_drop_audit.sql", "-- +migrate Up\nDROP TABLE audit;\n"));
    ASSERT_TRUE(outcome.error.has_value());
    EXPECT_EQ(outcome.error->code, ErrorCode::step_failed);
    EXPECT_CONTAINS(outcome.error->message, "items");
    EXPECT_TRUE(raw().has_table("audit"));
}

TEST_F(StepFixture, VerifySectionWithNoRowsPasses) {
    const auto outcome = apply(migration("0001_a.sql",
                                         "-- +migrate Up\nCREATE TABLE a (id INTEGER);\n"
                                         "-- +migrate Verify\n"
                                         "SELECT 0 FROM a WHERE id IS NOT NULL;\n"
                                         "SELECT 1;\nSELECT 'yes';\n"));
    EXPECT_FALSE(outcome.error.has_value()) << outcome.error->message;
}

TEST_F(StepFixture, VerifySectionFailsOnFalseValues) {
    for (const std::string_view value : {"0", "NULL", "'false'", "0.0"}) {
        SCOPED_TRACE(value);
        const auto path_name = "0001_check.sql";
        const auto outcome = apply(migration(path_name,
                                             "-- +migrate Up\nCREATE TABLE a (x);\n"
                                             "-- +migrate Verify\nSELECT 1;\nSELECT " +
                                                 std::string(value) + ";\n"));
        ASSERT_TRUE(outcome.error.has_value());
        EXPECT_EQ(outcome.error->code, ErrorCode::step_failed);
        EXPECT_CONTAINS(outcome.error->message, (m_dir / path_name).string() + ":5");
        EXPECT_FALSE(raw().has_table("a"));
    }
}

TEST_F(StepFixture, VerifySectionStatementErrorFailsTheStep) {
    const auto outcome = apply(migration("0001_a.sql",
                                         "-- +migrate Up\nCREATE TABLE a (id INTEGER);\n"
                                         "-- +migrate Verify\nSELECT missing_column FROM a;\n"));
    ASSERT_TRUE(outcome.error.has_value());
    EXPECT_CONTAINS(outcome.error->message, "missing_column");
    EXPECT_FALSE(raw().has_table("a"));
}

TEST_F(StepFixture, NoTransactionStepIsUnmarkedWhenItSucceeds) {
    const auto outcome = apply(migration("0001_vacuum.sql",
                                         "-- +migrate NoTransaction\n-- +migrate Up\n"
                                         "CREATE TABLE a (id INTEGER);\nVACUUM;\n"));
    ASSERT_FALSE(outcome.error.has_value()) << outcome.error->message;
    EXPECT_TRUE(outcome.report.no_transaction);
    auto db = raw();
    EXPECT_EQ(db.integer("SELECT count(*) FROM belay_dirty"), 0);
    EXPECT_EQ(db.integer("SELECT count(*) FROM schema_migrations"), 1);
}

TEST_F(StepFixture, NoTransactionStepFailingValidationStaysDirty) {
    apply_ok("0001_v.sql",
             "-- +migrate Up\nCREATE TABLE t (id INTEGER);\nCREATE VIEW v AS SELECT id FROM t;\n");
    const auto outcome = apply(migration("0002_drop.sql",
                                         "-- +migrate NoTransaction\n-- +migrate Up\n"
                                         "DROP TABLE t;\n"));
    ASSERT_TRUE(outcome.error.has_value());
    EXPECT_CONTAINS(outcome.error->message, "marked dirty");
    auto db = raw();
    EXPECT_FALSE(db.has_table("t"));  // not rolled back: there was no transaction
    const auto dirty = db.rows("SELECT version, name FROM belay_dirty");
    ASSERT_EQ(dirty.size(), 1U);
    EXPECT_EQ(dirty[0], (std::vector<std::string>{"0002", "drop"}));
    EXPECT_EQ(db.integer("SELECT count(*) FROM belay_failures WHERE version = '0002'"), 1);
}

// A signal that came before or between short statements (too short for SQLite's progress
// handler to run) used to be noticed only after COMMIT.
TEST_F(StepFixture, CancellationBeforeAShortStepMeansNothingCommits) {
    request_cancellation(SIGTERM);
    const auto outcome = apply(migration("0001_short.sql",
                                         "-- +migrate Up\n"
                                         "CREATE TABLE x (a);\n"
                                         "INSERT INTO x VALUES (1);\n"));
    reset_cancellation();
    ASSERT_TRUE(outcome.error.has_value());
    EXPECT_EQ(outcome.error->code, ErrorCode::interrupted) << outcome.error->message;
    EXPECT_CONTAINS(outcome.error->message, "0001_short.sql:2");
    auto db = raw();
    EXPECT_EQ(db.integer("SELECT count(*) FROM sqlite_schema WHERE name = 'x'"), 0);
}

// The loader refuses these files before a run; the runner refuses them all the same, for a
// migration that reaches it another way (the library, a file changed after loading).
TEST_F(StepFixture, RulesRefuseJournalModeOffInANoTransactionStepAsItRuns) {
    const auto outcome = apply(migration("0001_off.sql",
                                         "-- +migrate Up notransaction\n"
                                         "CREATE TABLE before_it (a);\n"
                                         "PRAGMA journal_mode = OFF;\n"));
    ASSERT_TRUE(outcome.error.has_value());
    EXPECT_EQ(outcome.error->code, ErrorCode::step_failed);
    EXPECT_CONTAINS(outcome.error->message, "0001_off.sql:3: belay refuses this statement");
    EXPECT_EQ(m_db->query_text("PRAGMA journal_mode").value_or(""), "delete");
}

TEST_F(StepFixture, RulesRefuseWritableSchemaAndHistoryWritesAndRollBack) {
    apply_ok("0001_t.sql", "-- +migrate Up\nCREATE TABLE t (a);\n");
    for (const auto* statement : {"PRAGMA writable_schema = 1;", "DELETE FROM schema_migrations;",
                                  "UPDATE belay_schema SET sql = '';"}) {
        const auto outcome = apply(migration(
            "0002_bad.sql", std::string("-- +migrate Up\nCREATE TABLE u (a);\n") + statement));
        ASSERT_TRUE(outcome.error.has_value()) << statement;
        EXPECT_CONTAINS(outcome.error->message, "0002_bad.sql:3: belay refuses this statement");
        auto db = raw();
        EXPECT_EQ(db.integer("SELECT count(*) FROM sqlite_schema WHERE name = 'u'"), 0);
        EXPECT_EQ(db.integer("SELECT count(*) FROM schema_migrations"), 1);
    }
}

// Whatever a step (or anything else) left on the connection, the next step starts with belay's
// settings: writable_schema off, check constraints on, writes allowed.
TEST_F(StepFixture, ConnectionSettingsArePutBackBeforeEveryStep) {
    ASSERT_TRUE(
        m_db->exec("PRAGMA writable_schema = ON; PRAGMA ignore_check_constraints = ON; "
                   "PRAGMA query_only = ON;"));
    apply_ok("0001_t.sql", "-- +migrate Up\nCREATE TABLE t (a CHECK (a > 0));\n");
    EXPECT_EQ(m_db->query_int("PRAGMA writable_schema").value_or(-1), 0);
    EXPECT_EQ(m_db->query_int("PRAGMA ignore_check_constraints").value_or(-1), 0);
    EXPECT_EQ(m_db->query_int("PRAGMA query_only").value_or(-1), 0);
}

}  // namespace
}  // namespace belay::engine
