// Steps that fail: SQL errors, Verify checks and validation findings roll the step back, keep
// the earlier steps, record the failure and exit 1.
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class FailureTest : public E2eTest {
  protected:
    void write_first_two() {
        write_migration("0001_a.sql", up_only("CREATE TABLE a (x);\nINSERT INTO a VALUES (1);"));
        write_migration("0002_b.sql", up_only("CREATE TABLE b (x);"));
    }
};

constexpr const char* k_bad_third = R"(-- Third step: its second statement fails.
-- +migrate Up
CREATE TABLE c (x);
INSERT INTO c VALUES (1);
INSERT INTO no_such_table VALUES (1);
)";

TEST_F(FailureTest, FailingStepIsRolledBackEarlierStepsStayAndRerunAfterFixApplies) {
    write_first_two();
    write_migration("0003_c.sql", k_bad_third);
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "0003_c.sql:5") << result.err;
    EXPECT_CONTAINS(result.err, "no such table: no_such_table") << result.err;
    EXPECT_CONTAINS(result.err, "INSERT INTO no_such_table")
        << "the message should show the statement: " << result.err;
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
    {
        TestDb check(db(), true);
        EXPECT_TRUE(check.has_object("a"));
        EXPECT_TRUE(check.has_object("b"));
        EXPECT_FALSE(check.has_object("c")) << "the failing step's CREATE TABLE was not undone";
    }
    EXPECT_EQ(belay("version").out, "0002\n");

    auto status = belay("status");
    EXPECT_EQ(status.exit_code, 0) << describe(status);
    EXPECT_CONTAINS(status.out, "failed") << status.out;
    EXPECT_CONTAINS(status.out, "no such table") << status.out;
    auto json = belay("status", {"--json"});
    ASSERT_EQ(json.exit_code, 0) << describe(json);
    const auto entry = json.json()["migrations"][2];
    EXPECT_EQ(entry["version"], "0003");
    EXPECT_EQ(entry["status"], "failed");
    ASSERT_TRUE(entry["last_failure"].is_object()) << json.out;
    EXPECT_CONTAINS(entry["last_failure"]["error"].get<std::string>(), "no_such_table");
    EXPECT_EQ(belay("status", {"--exit-code"}).exit_code, 6);

    write_migration("0003_c.sql", up_only("CREATE TABLE c (x);\nINSERT INTO c VALUES (1);"));
    auto fixed = belay("migrate");
    ASSERT_EQ(fixed.exit_code, 0) << describe(fixed);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002", "0003"}));
    auto after = belay("status", {"--json"}).json()["migrations"][2];
    EXPECT_EQ(after["status"], "applied");
    EXPECT_TRUE(after["last_failure"].is_null()) << after.dump();
}

TEST_F(FailureTest, SyntaxErrorNamesFileLineAndOffset) {
    write_migration("0001_typo.sql", "-- +migrate Up\nCREATE TABLE t (x);\n\nUPDAT t SET x = 1;\n");
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "0001_typo.sql:4") << result.err;
    EXPECT_CONTAINS(result.err, "syntax error") << result.err;
    EXPECT_CONTAINS(result.err, "offset") << result.err;
    EXPECT_FALSE(TestDb(db(), true).has_object("t"));
}

TEST_F(FailureTest, FailingVerifySectionFailsTheStep) {
    write_first_two();
    write_migration("0003_backfill.sql", R"(-- +migrate Up
CREATE TABLE c (x INTEGER);
INSERT INTO c VALUES (1), (2);

-- +migrate Verify
SELECT count(*) = 2 FROM c;
SELECT count(*) = 3 FROM c;
)");
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "0003_backfill.sql:7") << result.err;
    EXPECT_CONTAINS(result.err, "Verify") << result.err;
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
    EXPECT_FALSE(TestDb(db(), true).has_object("c"));
}

TEST_F(FailureTest, VerifyReturningNullOrNoRowsBehavesAsDocumented) {
    write_migration("0001_empty_ok.sql",
                    up_only("CREATE TABLE t (x);", "SELECT 1 FROM t WHERE 0;"));
    write_migration("0002_null_fails.sql", up_only("CREATE TABLE u (x);", "SELECT NULL;"));
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "0002_null_fails.sql") << result.err;
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"});
}

TEST_F(FailureTest, ViewBrokenByDropTableIsCaught) {
    write_migration("0001_base.sql", up_only("CREATE TABLE owners (id INTEGER PRIMARY KEY);\n"
                                             "CREATE VIEW owner_ids AS SELECT id FROM owners;"));
    write_migration("0002_drop.sql", up_only("DROP TABLE owners;"));
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "owner_ids") << result.err;
    EXPECT_CONTAINS(result.err, "0002_drop.sql") << result.err;
    EXPECT_TRUE(TestDb(db(), true).has_object("owners"));
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"});
}

TEST_F(FailureTest, TriggerBrokenByDropTableIsCaught) {
    write_migration("0001_base.sql", R"(-- +migrate Up
CREATE TABLE items (id INTEGER PRIMARY KEY);
CREATE TABLE item_log (id INTEGER);
CREATE TRIGGER items_log AFTER INSERT ON items BEGIN INSERT INTO item_log VALUES (NEW.id); END;
)");
    write_migration("0002_drop_log.sql", up_only("DROP TABLE item_log;"));
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "trigger") << result.err;
    EXPECT_CONTAINS(result.err, "items") << result.err;
    EXPECT_TRUE(TestDb(db(), true).has_object("item_log"));
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"});
}

TEST_F(FailureTest, DatabaseThatAlreadyHasABrokenViewCanStillBeMigrated) {
    {
        TestDb setup(db());
        setup.exec("CREATE TABLE t (x); CREATE VIEW v AS SELECT x FROM t; DROP TABLE t;");
    }
    write_migration("0001_unrelated.sql", up_only("CREATE TABLE u (y);"));
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"});
}

TEST_F(FailureTest, NewForeignKeyViolationIsCaught) {
    write_migration("0001_base.sql", R"(-- +migrate Up
CREATE TABLE parent (id INTEGER PRIMARY KEY);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));
INSERT INTO parent VALUES (1);
INSERT INTO child VALUES (1, 1);
)");
    write_migration("0002_orphan.sql", up_only("INSERT INTO child VALUES (2, 99);"));
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "foreign key") << result.err;
    EXPECT_CONTAINS(result.err, "child") << result.err;
    EXPECT_EQ(TestDb(db(), true).count("child"), 1);
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"});
}

TEST_F(FailureTest, TwelveStepRebuildWithForeignKeyPragmasWorks) {
    write_migration("0001_base.sql", R"(-- +migrate Up
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id));
INSERT INTO parent VALUES (1, 'one'), (2, 'two');
INSERT INTO child VALUES (10, 1), (11, 1), (12, 2);
)");
    write_migration("0002_rebuild.sql",
                    R"(-- Rebuild both tables, the way sqlite.org section 7 says.
-- +migrate Up
PRAGMA foreign_keys = OFF;
CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');
INSERT INTO parent_new (id, name) SELECT id, name FROM parent;
DROP TABLE parent;
ALTER TABLE parent_new RENAME TO parent;
CREATE TABLE child_new (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE
);
INSERT INTO child_new SELECT id, parent_id FROM child;
DROP TABLE child;
ALTER TABLE child_new RENAME TO child;
PRAGMA foreign_key_check;
PRAGMA foreign_keys = ON;
)");
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
    TestDb check(db());
    EXPECT_EQ(check.column("SELECT id || ':' || parent_id FROM child ORDER BY id"),
              (std::vector<std::string>{"10:1", "11:1", "12:2"}));
    EXPECT_EQ(check.scalar("SELECT on_delete FROM pragma_foreign_key_list('child')"), "CASCADE");
    check.exec("PRAGMA foreign_keys = ON; DELETE FROM parent WHERE id = 1;");
    EXPECT_EQ(check.count("child"), 1) << "ON DELETE CASCADE is in force after the rebuild";
}

TEST_F(FailureTest, DanglingForeignKeyWarnsByDefaultAndFailsUnderStrict) {
    write_migration("0001_base.sql", R"(-- +migrate Up
CREATE TABLE parent (id INTEGER PRIMARY KEY);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));
)");
    write_migration("0002_drop_parent.sql", up_only("DROP TABLE parent;"));
    auto strict = belay("migrate", {"--validate", "strict"});
    EXPECT_EQ(strict.exit_code, 1) << describe(strict);
    EXPECT_CONTAINS(strict.err, "dangling") << strict.err;
    EXPECT_TRUE(TestDb(db(), true).has_object("parent"));
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"});

    auto normal = belay("migrate", {"--json"});
    ASSERT_EQ(normal.exit_code, 0) << describe(normal);
    const auto warnings = normal.json()["steps"][0]["warnings"];
    ASSERT_EQ(warnings.size(), 1U) << normal.out;
    EXPECT_CONTAINS(warnings[0].get<std::string>(), "parent") << warnings;
    EXPECT_FALSE(TestDb(db(), true).has_object("parent"));
}

TEST_F(FailureTest, JsonReportOfAFailedRunNamesTheStep) {
    write_first_two();
    write_migration("0003_c.sql", k_bad_third);
    auto result = belay("migrate", {"--json"});
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    const auto report = result.json();
    ASSERT_EQ(report["steps"].size(), 3U) << result.out;
    EXPECT_EQ(report["steps"][2]["result"], "failed");
    EXPECT_CONTAINS(report["steps"][2]["error"].get<std::string>(), "no_such_table");
    EXPECT_EQ(report["version_after"], "0002");
    ASSERT_TRUE(report["error"].is_object());
    EXPECT_EQ(report["error"]["exit_code"], 1);
}

}  // namespace
}  // namespace belay::testing
