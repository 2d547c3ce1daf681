// Flyway's layout: V/U files with dotted versions, script configuration, the refusals, db create,
// and db adopt of flyway_schema_history as Flyway writes it on SQLite.
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

// Flyway's own history table on SQLite, as Flyway creates it.
constexpr const char* k_flyway_table =
    "CREATE TABLE \"flyway_schema_history\" (\"installed_rank\" INT NOT NULL PRIMARY KEY, "
    "\"version\" VARCHAR(50), \"description\" VARCHAR(200) NOT NULL, \"type\" VARCHAR(20) NOT "
    "NULL, \"script\" VARCHAR(1000) NOT NULL, \"checksum\" INT, \"installed_by\" VARCHAR(100) NOT "
    "NULL, \"installed_on\" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')), "
    "\"execution_time\" INT NOT NULL, \"success\" BOOLEAN NOT NULL);"
    "CREATE INDEX \"flyway_schema_history_s_idx\" ON \"flyway_schema_history\" (\"success\");";

class FlywayTest : public E2eTest {
  protected:
    // Four migrations whose order matters: 1.2 needs 1.1's column, as text 1.10 < 1.9.
    void write_four() {
        write_migration("V1__users.sql",
                        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n");
        write_migration("V1_1__user_email.sql", "ALTER TABLE users ADD COLUMN email TEXT;\n");
        write_migration("V1.2__posts.sql",
                        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES "
                        "users (id));\n");
        write_migration("V2__tags.sql", "CREATE TABLE tags (name TEXT);\n");
    }
    bool has(const std::string& object) { return TestDb(db(), true).has_object(object); }
};

TEST_F(FlywayTest, AppliesVersionsPartByPartAndUndoesWithUFiles) {
    write_migration("V1.9__a.sql", "CREATE TABLE a (x);\n");
    write_migration("V1.10__b.sql", "ALTER TABLE a ADD COLUMN y;\n");  // needs 1.9's table
    write_migration("U1.10__b.sql", "ALTER TABLE a DROP COLUMN y;\n");
    write_migration("V2__c.sql", "CREATE INDEX a_y ON a (y);\n");
    write_migration("U2__c.sql", "DROP INDEX a_y;\n");
    auto migrated = belay("migrate", {"--no-backup"});
    ASSERT_EQ(migrated.exit_code, 0) << describe(migrated);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"1.9", "1.10", "2"}));
    EXPECT_EQ(belay("status", {"--exit-code"}).exit_code, 0);
    auto dump = belay("dump-schema");
    ASSERT_EQ(dump.exit_code, 0) << describe(dump);
    ASSERT_NE(dump.out.find("VALUES ('2'"), std::string::npos) << dump.out;
    EXPECT_LT(dump.out.find("VALUES ('1.9'"), dump.out.find("VALUES ('1.10'"));
    EXPECT_LT(dump.out.find("VALUES ('1.10'"), dump.out.find("VALUES ('2'"))
        << "the history in version order, part by part\n"
        << dump.out;

    auto down = belay("down", {"--to", "1.9", "--no-backup"});
    ASSERT_EQ(down.exit_code, 0) << describe(down);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"1.9"}));
    EXPECT_FALSE(has("a_y"));
    auto no_undo = belay("down", {"--no-backup"});
    EXPECT_EQ(no_undo.exit_code, 5) << "V1.9 has no U file: " << describe(no_undo);
    auto up_to = belay("migrate", {"--to", "1.10", "--no-backup"});
    ASSERT_EQ(up_to.exit_code, 0) << describe(up_to);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"1.9", "1.10"}));
}

TEST_F(FlywayTest, DetectedFromTheNamesForcedWithFormatAndNotMixedWithOthers) {
    write_four();
    auto status = belay("status", {"--json"});
    ASSERT_EQ(status.exit_code, 0) << describe(status);
    EXPECT_EQ(status.json()["migrations"][1]["version"], "1.1") << status.out;
    EXPECT_EQ(belay("migrate", {"--format", "flyway", "--no-backup"}).exit_code, 0);
    EXPECT_TRUE(has("posts"));
    write_migration("0003_x.sql", "-- +migrate Up\nSELECT 1;\n");
    auto mixed = belay("status");
    EXPECT_EQ(mixed.exit_code, 2) << describe(mixed);
    EXPECT_CONTAINS(mixed.err, "flyway (") << mixed.err;
}

TEST_F(FlywayTest, ScriptConfigurationRunsAFileWithoutATransaction) {
    write_migration("V1__t.sql", "CREATE TABLE t (x);\n");
    write_migration("V2__wal.sql", "PRAGMA journal_mode = WAL;\n");
    auto refused = belay("migrate", {"--no-backup"});
    EXPECT_EQ(refused.exit_code, 2) << describe(refused);
    EXPECT_CONTAINS(refused.err, "executeInTransaction=false") << refused.err;
    write_migration("V2__wal.sql.conf", "executeInTransaction=false\n");
    auto migrated = belay("migrate", {"--no-backup"});
    ASSERT_EQ(migrated.exit_code, 0) << describe(migrated);
    EXPECT_EQ(TestDb(db(), true).scalar("PRAGMA journal_mode"), "wal");
}

TEST_F(FlywayTest, RepeatableMigrationsAndPlaceholdersAreRefusedNamingTheFile) {
    write_four();
    write_migration("R__user_names.sql", "CREATE VIEW user_names AS SELECT name FROM users;\n");
    auto repeatable = belay("migrate");
    EXPECT_EQ(repeatable.exit_code, 2) << describe(repeatable);
    EXPECT_CONTAINS(repeatable.err, "R__user_names.sql: a Flyway repeatable migration")
        << repeatable.err;
    EXPECT_CONTAINS(repeatable.err, "belay db exec") << repeatable.err;
    EXPECT_CONTAINS(repeatable.err, " -- flyway migrate)") << repeatable.err;
    EXPECT_FALSE(fs::exists(db()));
    fs::remove(migrations() / "R__user_names.sql");
    write_migration("V3__prefixed.sql", "-- ${flyway:user} wrote this\nSELECT 1;\n");
    auto placeholder = belay("migrate");
    EXPECT_EQ(placeholder.exit_code, 2) << describe(placeholder);
    EXPECT_CONTAINS(placeholder.err, "V3__prefixed.sql:1: Flyway placeholder ${flyway:user}")
        << placeholder.err;
    EXPECT_FALSE(fs::exists(db()));
}

TEST_F(FlywayTest, CreateWritesTheNextMajorVersionAndAnUndoFileWhereTheProjectHasThem) {
    write_migration("V1_2_10__a.sql", "CREATE TABLE a (x);\n");
    auto created = belay("create", {"--name", "Add users"});
    ASSERT_EQ(created.exit_code, 0) << describe(created);
    EXPECT_TRUE(fs::exists(migrations() / "V2__add_users.sql")) << created.out;
    EXPECT_FALSE(fs::exists(migrations() / "U2__add_users.sql")) << "the project has no U files";
    write_migration("U2__add_users.sql", "SELECT 1;\n");
    ASSERT_EQ(belay("create", {"--name", "tags"}).exit_code, 0);
    EXPECT_TRUE(fs::exists(migrations() / "V3__tags.sql"));
    EXPECT_TRUE(fs::exists(migrations() / "U3__tags.sql"));
    ASSERT_EQ(belay("create", {"--name", "later", "--timestamp"}).exit_code, 0);
    EXPECT_EQ(names_ending_with(migrations(), "__later.sql").size(), 2u) << "V and U";
    EXPECT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
}

TEST_F(FlywayTest, AdoptTakesOverFlywaysHistoryMidLifeAndNothingRunsTwice) {
    write_four();
    TestDb(db()).exec(
        std::string(k_flyway_table) +
        "INSERT INTO flyway_schema_history VALUES"
        "(1,'1','<< Flyway Baseline >>','BASELINE','<< Flyway Baseline >>',NULL,'app',"
        "'2026-01-01 10:00:00.000',0,1),"
        "(2,'1.1','user email','SQL','V1_1__user_email.sql',273465196,'app',"
        "'2026-01-02 10:00:00.123',3,1),"
        "(3,'1.2','posts','SQL','V1.2__posts.sql',-500117747,'app','2026-01-03 10:00:00.000',1,1),"
        "(4,'1.2','posts','UNDO_SQL','U1.2__posts.sql',12345,'app','2026-01-04 10:00:00.000',1,1),"
        "(5,'1.2','posts','SQL','V1.2__posts.sql',-500117747,'app','2026-01-05 10:00:00.000',1,1),"
        "(6,NULL,'user names','SQL','R__user_names.sql',777,'app','2026-01-05 10:00:01.000',1,1);"
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT);"
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));"
        "CREATE VIEW user_names AS SELECT name FROM users;");
    auto guarded = belay("migrate", {"--no-backup"});
    EXPECT_EQ(guarded.exit_code, 5) << "belay would run Flyway's migrations again\n"
                                    << describe(guarded);
    EXPECT_CONTAINS(guarded.err, "belay db adopt") << guarded.err;

    auto adopted = belay("adopt");
    ASSERT_EQ(adopted.exit_code, 0) << describe(adopted);
    EXPECT_CONTAINS(adopted.out, "keep Flyway's table flyway_schema_history") << adopted.out;
    EXPECT_CONTAINS(adopted.out,
                    "record 1.1_user_email as applied (Flyway applied it at 2026-01-02T10:00:00Z)")
        << adopted.out;
    EXPECT_CONTAINS(adopted.out, "repeatable migration R__user_names.sql") << adopted.out;
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"1", "1.1", "1.2"}))
        << "the baseline covers 1; 1.2 was undone and applied again";
    EXPECT_TRUE(has("belay_adopted_flyway_schema_history"));

    auto migrated = belay("migrate", {"--no-backup"});
    ASSERT_EQ(migrated.exit_code, 0) << "nothing runs twice: " << describe(migrated);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"1", "1.1", "1.2", "2"}));
    EXPECT_TRUE(has("tags"));
    EXPECT_EQ(belay("check").exit_code, 0);
}

TEST_F(FlywayTest, AdoptMarksAFailedMigrationDirtyAndRefusesFilesChangedSince) {
    write_four();
    TestDb(db()).exec(
        std::string(k_flyway_table) +
        "INSERT INTO flyway_schema_history VALUES"
        "(1,'1','users','SQL','V1__users.sql',-1583449288,'app','2026-01-01 10:00:00.000',1,1),"
        "(2,'1.1','user email','SQL','V1_1__user_email.sql',1,'app','2026-01-02 10:00:00.000',3,1),"
        "(3,'1.2','posts','SQL','V1.2__posts.sql',-500117747,'app','2026-01-03 10:00:00.000',1,0);"
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT);");
    const auto before = database_contents(db());
    auto changed = belay("adopt", {"--from", "flyway"});
    EXPECT_EQ(changed.exit_code, 5) << describe(changed);
    EXPECT_CONTAINS(changed.err,
                    "V1_1__user_email.sql: Flyway recorded the checksum 1, the file has 273465196")
        << changed.err;
    const std::string fix =
        "UPDATE flyway_schema_history SET checksum = 273465196 WHERE version = '1.1' AND success "
        "= 1;";
    EXPECT_CONTAINS(changed.err, fix) << changed.err;
    EXPECT_EQ(database_contents(db()), before) << "a refused adopt changes nothing";

    TestDb(db()).exec(fix);  // the statement the refusal gives, as given
    auto adopted = belay("adopt", {"--from", "flyway"});
    ASSERT_EQ(adopted.exit_code, 0) << describe(adopted);
    EXPECT_CONTAINS(adopted.out, "mark 1.2_posts dirty (Flyway recorded a failed attempt")
        << adopted.out;
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"1", "1.1"}));
    auto status = belay("status", {"--json"});
    EXPECT_EQ(status.json()["migrations"][2]["status"], "dirty") << status.out;
    EXPECT_EQ(belay("migrate", {"--no-backup"}).exit_code, 5) << "the dirty mark blocks runs";
}

}  // namespace
}  // namespace belay::testing
