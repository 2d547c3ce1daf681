// Flyway's layout: V/U files with dotted versions, script configuration, repeatable migrations
// (R__), the refusals, db create, and db adopt of flyway_schema_history as Flyway writes it on
// SQLite.
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

    // V1 makes a table `runs` each repeatable migration below adds its description to, so that
    // the table says which ran and in what order; V2 a table a view can use.
    void write_runs_and_repeatables() {
        write_migration("V1__runs.sql", "CREATE TABLE runs (name TEXT);\n");
        write_migration("V2__users.sql",
                        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n");
        // By file name view-b sorts before view_a; Flyway reads '_' as a space ("view a"),
        // which sorts first.
        write_migration("R__viewa.sql", "INSERT INTO runs VALUES ('viewa');\n");
        write_migration("R__view-b.sql", "INSERT INTO runs VALUES ('view-b');\n");
        write_migration("R__view_a.sql",
                        "INSERT INTO runs VALUES ('view_a');\n"
                        "DROP VIEW IF EXISTS user_names;\n"
                        "CREATE VIEW user_names AS SELECT name FROM users;\n");
    }
    std::vector<std::string> runs() { return TestDb(db(), true).column("SELECT name FROM runs"); }
    std::vector<std::string> recorded_repeatables() {
        return TestDb(db(), true).column("SELECT name FROM belay_repeatable ORDER BY name");
    }
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

TEST_F(FlywayTest, PlaceholdersAreRefusedNamingTheFile) {
    write_four();
    write_migration("V3__prefixed.sql", "-- ${flyway:user} wrote this\nSELECT 1;\n");
    auto placeholder = belay("migrate");
    EXPECT_EQ(placeholder.exit_code, 2) << describe(placeholder);
    EXPECT_CONTAINS(placeholder.err, "V3__prefixed.sql:1: Flyway placeholder ${flyway:user}")
        << placeholder.err;
    EXPECT_CONTAINS(placeholder.err, "write the value into the file") << placeholder.err;
    EXPECT_EQ(placeholder.err.find("flyway migrate"), std::string::npos)
        << "no exec call that would give Flyway no database\n"
        << placeholder.err;
    EXPECT_FALSE(fs::exists(db()));
}

TEST_F(FlywayTest, RepeatablesRunAfterTheVersionedOnesInDescriptionOrderAndAgainOnlyWhenChanged) {
    write_runs_and_repeatables();
    auto first = belay("migrate", {"--no-backup"});
    ASSERT_EQ(first.exit_code, 0) << describe(first);
    EXPECT_EQ(runs(), (std::vector<std::string>{"view_a", "view-b", "viewa"}));
    EXPECT_TRUE(has("user_names")) << "the view over V2's table";
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"1", "2"}))
        << "no history row for a repeatable";
    EXPECT_EQ(recorded_repeatables(), (std::vector<std::string>{"view-b", "view_a", "viewa"}));
    EXPECT_CONTAINS(first.out, "  applied      2_users  ") << first.out;
    EXPECT_LT(first.out.find("2_users"), first.out.find("R__view_a")) << first.out;
    EXPECT_LT(first.out.find("R__view_a"), first.out.find("R__view-b")) << first.out;
    EXPECT_LT(first.out.find("R__view-b"), first.out.find("R__viewa")) << first.out;

    auto again = belay("migrate", {"--no-backup"});
    ASSERT_EQ(again.exit_code, 0) << describe(again);
    EXPECT_CONTAINS(again.out, "app.db is up to date at version 2; nothing to do") << again.out;
    EXPECT_EQ(runs().size(), 3u) << "nothing ran again";

    write_migration("R__view-b.sql", "INSERT INTO runs VALUES ('view-b, edited');\n");
    auto edited = belay("migrate");
    ASSERT_EQ(edited.exit_code, 0) << describe(edited);
    EXPECT_CONTAINS(edited.out, "Snapshot: ") << "a run that applies only a repeatable is "
                                                 "protected as any run\n"
                                              << edited.out;
    EXPECT_CONTAINS(edited.out, "  applied      R__view-b  ") << edited.out;
    EXPECT_NOT_CONTAINS(edited.out, "R__view_a") << edited.out;
    EXPECT_EQ(runs(), (std::vector<std::string>{"view_a", "view-b", "viewa", "view-b, edited"}));
    EXPECT_EQ(belay("status", {"--exit-code"}).exit_code, 0);
    EXPECT_EQ(belay("check").exit_code, 0) << "belay_schema follows what the repeatables made";
}

TEST_F(FlywayTest, StatusShowsEachRepeatablePendingAppliedOrChanged) {
    write_runs_and_repeatables();
    auto before = belay("status", {"--exit-code"});
    EXPECT_EQ(before.exit_code, 6) << "pending repeatables are work to do\n" << describe(before);
    EXPECT_CONTAINS(before.out,
                    "REPEATABLE  STATUS    APPLIED AT\n"
                    "R__view_a   pending   -\n"
                    "R__view-b   pending   -\n"
                    "R__viewa    pending   -\n")
        << before.out;
    EXPECT_CONTAINS(before.out, "repeatable: 0 applied, 0 changed, 3 pending") << before.out;
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    write_migration("R__viewa.sql", "INSERT INTO runs VALUES ('viewa, edited');\n");

    auto text = belay("status", {"--exit-code"});
    EXPECT_EQ(text.exit_code, 6) << "a changed repeatable runs on the next migrate\n"
                                 << describe(text);
    EXPECT_CONTAINS(text.out, "R__view-b   applied   20") << text.out;
    EXPECT_CONTAINS(text.out, "R__viewa    changed   20") << text.out;
    EXPECT_CONTAINS(text.out, "2 applied, 0 pending\nrepeatable: 2 applied, 1 changed, 0 pending")
        << "a changed repeatable is not the 'needs attention' of a modified versioned file\n"
        << text.out;
    auto json = belay("status", {"--json"});
    ASSERT_EQ(json.exit_code, 0) << describe(json);
    const auto document = json.json();
    EXPECT_EQ(document["needs_attention"], true) << json.out;
    const auto& repeatables = document["repeatables"];
    ASSERT_EQ(repeatables.size(), 3u) << json.out;
    EXPECT_EQ(repeatables[0]["name"], "view_a");
    EXPECT_EQ(repeatables[0]["status"], "applied");
    EXPECT_EQ(repeatables[0]["file"], (migrations() / "R__view_a.sql").string());
    EXPECT_EQ(repeatables[0]["checksum"], repeatables[0]["applied_checksum"]);
    EXPECT_EQ(repeatables[2]["name"], "viewa");
    EXPECT_EQ(repeatables[2]["status"], "changed");
    EXPECT_NE(repeatables[2]["checksum"], repeatables[2]["applied_checksum"]);
    EXPECT_TRUE(repeatables[2]["applied_at"].is_string()) << json.out;
    EXPECT_EQ(document["migrations"].size(), 2u) << "the versioned list is as it was";
}

TEST_F(FlywayTest, AFailingRepeatableRollsBackAloneNamingFileAndLineThenAppliesOnceFixed) {
    write_migration("V1__t.sql", "CREATE TABLE t (x);\n");
    write_migration("V2__u.sql", "CREATE TABLE u (y);\n");
    write_migration("R__a_fill.sql", "INSERT INTO t VALUES (1);\n");
    const auto broken = write_migration("R__b_fill.sql",
                                        "INSERT INTO u VALUES (1);\n"
                                        "\n"
                                        "INSERT INTO nowhere VALUES (2);\n");
    ASSERT_EQ(belay("migrate", {"--no-backup", "--to", "1"}).exit_code, 0);
    auto failed = belay("migrate");
    EXPECT_EQ(failed.exit_code, 1) << "a failed step's exit status\n" << describe(failed);
    EXPECT_CONTAINS(failed.err, "belay: error: repeatable migration R__b_fill failed: " +
                                    broken.string() + ":3: no such table: nowhere")
        << failed.err;
    EXPECT_CONTAINS(failed.err, "2 earlier step(s) of this run stay applied") << failed.err;
    EXPECT_CONTAINS(failed.err, "belay db restore --db " + db().string()) << failed.err;
    EXPECT_CONTAINS(failed.out, "  failed       R__b_fill  ") << failed.out;
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"1", "2"}));
    EXPECT_EQ(TestDb(db(), true).count("t"), 1) << "R__a_fill committed before";
    EXPECT_EQ(TestDb(db(), true).count("u"), 0) << "R__b_fill rolled back whole";
    EXPECT_EQ(recorded_repeatables(), (std::vector<std::string>{"a_fill"}));
    EXPECT_EQ(TestDb(db(), true).count("belay_failures"), 0)
        << "belay_failures is for versioned migrations";

    write_migration("R__b_fill.sql", "INSERT INTO u VALUES (1);\n");
    auto fixed = belay("migrate", {"--no-backup"});
    ASSERT_EQ(fixed.exit_code, 0) << describe(fixed);
    EXPECT_CONTAINS(fixed.out, "  applied      R__b_fill  ") << fixed.out;
    EXPECT_NOT_CONTAINS(fixed.out, "R__a_fill") << fixed.out;
    EXPECT_EQ(TestDb(db(), true).count("u"), 1);
    EXPECT_EQ(recorded_repeatables(), (std::vector<std::string>{"a_fill", "b_fill"}));
}

TEST_F(FlywayTest, ARepeatableRunsUnderTheStepTimeout) {
    write_migration("V1__t.sql", "CREATE TABLE t (x);\n");
    write_migration("R__slow.sql", std::string("INSERT INTO t VALUES (1);\n") + k_runaway + "\n");
    auto result = belay("migrate", {"--no-backup", "--step-timeout", "0.2"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "R__slow.sql:2: the step ran past its timeout") << result.err;
    EXPECT_CONTAINS(result.err, "(raise --step-timeout)") << result.err;
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"1"}));
    EXPECT_EQ(TestDb(db(), true).count("t"), 0) << "rolled back";
    EXPECT_FALSE(has("belay_repeatable")) << "created in the step's transaction, rolled back";
}

TEST_F(FlywayTest, ARunStoppingBeforeTheNewestVersionAppliesNoRepeatable) {
    write_runs_and_repeatables();
    auto partial = belay("migrate", {"--no-backup", "--to", "1"});
    ASSERT_EQ(partial.exit_code, 0) << describe(partial);
    EXPECT_TRUE(runs().empty()) << "R__view_a needs V2's table";
    EXPECT_FALSE(has("belay_repeatable"));
    EXPECT_CONTAINS(partial.out,
                    "note: 3 repeatable migration(s) due are not applied: this run stops before "
                    "the newest version (--to 1)")
        << partial.out;
    auto rest = belay("migrate", {"--no-backup", "--to", "2"});
    ASSERT_EQ(rest.exit_code, 0) << describe(rest);
    EXPECT_EQ(runs(), (std::vector<std::string>{"view_a", "view-b", "viewa"}))
        << "--to the newest version leaves nothing pending";
}

TEST_F(FlywayTest, ADryRunRehearsesRepeatablesAndLeavesTheDatabaseByteIdentical) {
    write_runs_and_repeatables();
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    write_migration("R__viewa.sql", "INSERT INTO runs VALUES ('viewa, edited');\n");
    const auto before = sha256_of(db());
    auto rehearsed = belay("migrate", {"--dry-run"});
    ASSERT_EQ(rehearsed.exit_code, 0) << describe(rehearsed);
    EXPECT_CONTAINS(rehearsed.out, "  would apply  R__viewa  ") << rehearsed.out;
    EXPECT_EQ(sha256_of(db()), before);
    write_migration("R__viewa.sql", "INSERT INTO nowhere VALUES (1);\n");
    auto failing = belay("migrate", {"--dry-run", "--json"});
    EXPECT_EQ(failing.exit_code, 1) << describe(failing);
    const auto steps = failing.json()["steps"];
    ASSERT_EQ(steps.size(), 1u) << failing.out;
    EXPECT_TRUE(steps[0]["version"].is_null()) << "a repeatable has no version\n" << failing.out;
    EXPECT_EQ(steps[0]["name"], "viewa");
    EXPECT_EQ(steps[0]["result"], "would fail");
    EXPECT_CONTAINS(failing.err, "R__viewa.sql:1: no such table: nowhere") << failing.err;
    EXPECT_EQ(sha256_of(db()), before);
    EXPECT_EQ(runs().size(), 3u);
}

TEST_F(FlywayTest, ValidationRefusesARepeatableThatBreaksAViewOrAForeignKey) {
    write_migration("V1__schema.sql",
                    "CREATE TABLE parents (id INTEGER PRIMARY KEY);\n"
                    "CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES "
                    "parents (id));\n"
                    "INSERT INTO parents VALUES (1);\n"
                    "INSERT INTO children VALUES (1, 1);\n"
                    "CREATE TABLE t (a);\n"
                    "CREATE VIEW v AS SELECT a FROM t;\n");
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    const auto before = database_contents(db());
    write_migration("R__cleanup.sql", "DELETE FROM parents;\n");
    auto orphans = belay("migrate", {"--no-backup"});
    EXPECT_EQ(orphans.exit_code, 1) << describe(orphans);
    EXPECT_CONTAINS(orphans.err, "R__cleanup.sql: validation failed after the Up section")
        << orphans.err;
    EXPECT_CONTAINS(orphans.err, "foreign key") << orphans.err;
    EXPECT_EQ(database_contents(db()), before) << "rolled back";

    fs::remove(migrations() / "R__cleanup.sql");
    write_migration("R__rebuild.sql", "DROP TABLE t;\nCREATE TABLE t (b);\n");
    auto broken_view = belay("migrate", {"--no-backup"});
    EXPECT_EQ(broken_view.exit_code, 1) << describe(broken_view);
    EXPECT_CONTAINS(broken_view.err, "view v no longer works") << broken_view.err;
    EXPECT_EQ(database_contents(db()), before) << "rolled back";
    EXPECT_FALSE(has("belay_repeatable")) << "nothing recorded";
}

TEST_F(FlywayTest, RepeatablesOfOneDescriptionOrWithoutATransactionAreRefused) {
    write_four();
    write_migration("R__user_names.sql", "SELECT 1;\n");
    write_migration("views/R__user names.sql", "SELECT 2;\n");
    auto twice = belay("migrate");
    EXPECT_EQ(twice.exit_code, 2) << describe(twice);
    EXPECT_CONTAINS(twice.err, (migrations() / "R__user_names.sql").string() + " and " +
                                   (migrations() / "views" / "R__user names.sql").string() +
                                   " are repeatable migrations of the same description ('user "
                                   "names'")
        << twice.err;
    EXPECT_FALSE(fs::exists(db()));
    fs::remove(migrations() / "views" / "R__user names.sql");
    write_migration("R__user_names.sql.conf", "executeInTransaction=false\n");
    auto without = belay("status");
    EXPECT_EQ(without.exit_code, 2) << describe(without);
    EXPECT_CONTAINS(without.err,
                    "R__user_names.sql.conf: executeInTransaction=false for a "
                    "repeatable migration")
        << without.err;
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

TEST_F(FlywayTest, AdoptTakesOverUnchangedRepeatablesAndLeavesTheOthersToRunAgain) {
    write_migration("V1__runs.sql", "CREATE TABLE runs (name TEXT);\n");
    write_migration("V2__users.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n");
    write_migration("R__names.sql", "INSERT INTO runs VALUES ('names');\n");
    write_migration("R__titles.sql", "INSERT INTO runs VALUES ('titles v2');\n");  // edited since
    write_migration("R__retry.sql", "INSERT INTO runs VALUES ('retry');\n");
    write_migration("R__plain.sql", "INSERT INTO runs VALUES ('plain');\n");  // a NULL checksum
    // The checksums are Flyway's CRC-32 of the files (computed apart, with Python's zlib); the
    // latest row of a description decides: names' older row has another checksum, retry's
    // latest attempt failed, titles' row is of the file before its edit.
    TestDb(db()).exec(
        std::string(k_flyway_table) +
        "INSERT INTO flyway_schema_history VALUES"
        "(1,'1','runs','SQL','V1__runs.sql',1119552125,'app','2026-01-01 10:00:00.000',1,1),"
        "(2,'2','users','SQL','V2__users.sql',-1583449288,'app','2026-01-01 10:00:01.000',1,1),"
        "(3,NULL,'names','SQL','R__names.sql',12345,'app','2026-01-02 10:00:00.000',1,1),"
        "(4,NULL,'names','SQL','R__names.sql',-1739251990,'app','2026-01-03 10:00:00.000',1,1),"
        "(5,NULL,'titles','SQL','R__titles.sql',-978738096,'app','2026-01-03 10:00:01.000',1,1),"
        "(6,NULL,'retry','SQL','R__retry.sql',-559225288,'app','2026-01-03 10:00:02.000',1,1),"
        "(7,NULL,'retry','SQL','R__retry.sql',-559225288,'app','2026-01-04 10:00:00.000',1,0),"
        "(8,NULL,'plain','SQL','R__plain.sql',NULL,'app','2026-01-04 10:00:01.000',1,1);"
        "CREATE TABLE runs (name TEXT);"
        "INSERT INTO runs VALUES ('names'), ('titles'), ('retry');"
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);");
    auto adopted = belay("adopt");
    ASSERT_EQ(adopted.exit_code, 0) << describe(adopted);
    EXPECT_CONTAINS(adopted.out,
                    "  record repeatable R__names as applied (Flyway applied it at "
                    "2026-01-03T10:00:00Z, as the file is now)")
        << adopted.out;
    EXPECT_CONTAINS(adopted.out,
                    "note: " + (migrations() / "R__titles.sql").string() +
                        ": changed since Flyway last applied it (row 5 records the checksum "
                        "-978738096, the file has -459434940); it is not recorded, so the next db "
                        "migrate applies it again, as Flyway's migrate would")
        << adopted.out;
    EXPECT_CONTAINS(adopted.out, "note: " + (migrations() / "R__retry.sql").string() +
                                     ": Flyway's latest row of it (row 7) failed")
        << adopted.out;
    EXPECT_CONTAINS(adopted.out, "note: " + (migrations() / "R__plain.sql").string() +
                                     ": changed since Flyway last applied it (row 8 records no "
                                     "checksum, the file has ")
        << adopted.out;
    EXPECT_EQ(TestDb(db(), true).rows("SELECT name, applied_at FROM belay_repeatable"),
              (std::vector<std::vector<std::string>>{{"names", "2026-01-03T10:00:00Z"}}));
    auto status = belay("status", {"--json"});
    const auto repeatables = status.json()["repeatables"];
    ASSERT_EQ(repeatables.size(), 4u) << status.out;
    EXPECT_EQ(repeatables[0]["status"], "applied") << status.out;  // names
    EXPECT_EQ(repeatables[1]["status"], "pending") << status.out;  // plain
    EXPECT_EQ(repeatables[2]["status"], "pending") << status.out;  // retry
    EXPECT_EQ(repeatables[3]["status"], "pending") << status.out;  // titles

    auto migrated = belay("migrate", {"--no-backup"});
    ASSERT_EQ(migrated.exit_code, 0) << describe(migrated);
    EXPECT_EQ(runs(),
              (std::vector<std::string>{"names", "titles", "retry", "plain", "retry", "titles v2"}))
        << "names is not run again; plain, retry and the edited titles are, in description order";
    EXPECT_EQ(belay("status", {"--exit-code"}).exit_code, 0);
}

TEST_F(FlywayTest, LintChecksRepeatablesLikeOtherFilesButForTheDown) {
    write_runs_and_repeatables();
    const auto cleanup = write_migration("R__cleanup.sql",
                                         "-- rebuilt whenever it changes\n"
                                         "DROP TABLE scratch;\n"
                                         "PRAGMA foreign_keys = OFF;\n");
    auto lint = belay("lint");
    ASSERT_EQ(lint.exit_code, 0) << describe(lint);
    EXPECT_CONTAINS(lint.out, cleanup.string() + ":2: warning [drop-table]") << lint.out;
    EXPECT_CONTAINS(lint.out, cleanup.string() + ":3: warning [no-effect-in-transaction]")
        << lint.out;
    EXPECT_CONTAINS(lint.out, "V1__runs.sql:1: warning [no-down]") << "a V file without U\n"
                                                                   << lint.out;
    EXPECT_NOT_CONTAINS(lint.out, "R__view_a.sql:1: warning [no-down]")
        << "a repeatable has no Down to miss\n"
        << lint.out;
    // A table rebuild that leaves a column out, in a repeatable migration: found by applying
    // the repeatable migrations after the versioned ones on lint's scratch database, as a run
    // applies them.
    write_migration("R__cleanup.sql",
                    "CREATE TABLE users_new (id INTEGER PRIMARY KEY);\n"
                    "INSERT INTO users_new SELECT id FROM users;\n"
                    "DROP TABLE users;\n"
                    "ALTER TABLE users_new RENAME TO users;\n");
    auto rebuilt = belay("lint");
    EXPECT_CONTAINS(rebuilt.out, cleanup.string() +
                                     ":1: warning [lost-column]: after this Up, table users no "
                                     "longer has column(s) name")
        << rebuilt.out;
    write_migration("R__cleanup.sql", "INSERT INTO no_such_table VALUES (1);\n");
    auto failing = belay("lint");
    EXPECT_CONTAINS(failing.out,
                    "note: the column check stopped at R__cleanup: the repeatable "
                    "migration fails on a database built from the migrations "
                    "before it: ")
        << failing.out;
    EXPECT_CONTAINS(failing.out, "no such table: no_such_table") << failing.out;
    write_migration("R__cleanup.sql", "VACUUM;\n");
    auto vacuum = belay("lint");
    EXPECT_CONTAINS(vacuum.out,
                    "R__cleanup.sql:1: warning [needs-no-transaction]: VACUUM cannot "
                    "run inside the transaction belay runs a repeatable migration in")
        << vacuum.out;
}

TEST_F(FlywayTest, DumpSchemaCheckBuildsWhatTheRepeatablesMake) {
    write_runs_and_repeatables();
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    auto written = belay("dump-schema", {"--out", (dir() / "schema.sql").string()});
    ASSERT_EQ(written.exit_code, 0) << describe(written);
    EXPECT_CONTAINS(belay("dump-schema").out, "CREATE VIEW user_names");
    auto check = run_raw(
        {"db", "dump-schema", "--check", "schema.sql", "--migrations", migrations().string()});
    EXPECT_EQ(check.exit_code, 0) << "the views the repeatables made are the migrations' too\n"
                                  << describe(check);
    EXPECT_CONTAINS(check.out, "matches the migrations") << check.out;

    // Loaded into a new database, the dump is at the same place: every repeatable migration
    // applied, nothing to run again.
    const auto loaded = dir() / "loaded.db";
    TestDb(loaded).exec(belay("dump-schema").out);
    EXPECT_EQ(TestDb(loaded, true).column("SELECT name FROM belay_repeatable ORDER BY name"),
              (std::vector<std::string>{"view-b", "view_a", "viewa"}));
    auto status = run_raw({"db", "status", "--exit-code", "--db", loaded.string(), "--migrations",
                           migrations().string()});
    EXPECT_EQ(status.exit_code, 0) << describe(status);
    auto migrate = run_raw({"db", "migrate", "--no-backup", "--db", loaded.string(), "--migrations",
                            migrations().string()});
    EXPECT_CONTAINS(migrate.out, "nothing to do") << describe(migrate);

    // A repeatable migration changed since the dump is a difference.
    write_migration("R__viewa.sql", "INSERT INTO runs VALUES ('viewa, edited');\n");
    auto changed = run_raw(
        {"db", "dump-schema", "--check", "schema.sql", "--migrations", migrations().string()});
    EXPECT_NE(changed.exit_code, 0) << describe(changed);
    EXPECT_CONTAINS(changed.out, "INSERT INTO belay_repeatable") << describe(changed);
}

// A reverted step may drop what a repeatable migration made (SQLite drops a table's triggers with
// the table), so every run that reverts one forgets them all: refresh and redo apply them again
// at their end, and after down or reset the next migrate does.
TEST_F(FlywayTest, RevertingAStepMakesEveryRepeatableDueAgain) {
    write_migration("V1__items.sql", "CREATE TABLE items (x);\nCREATE TABLE audit (x);\n");
    write_migration("U1__items.sql", "DROP TABLE items;\nDROP TABLE audit;\n");
    write_migration("V2__tags.sql", "CREATE TABLE tags (x);\n");
    write_migration("U2__tags.sql", "DROP TABLE tags;\n");
    write_migration("R__audit.sql",
                    "DROP TRIGGER IF EXISTS audit_items;\n"
                    "CREATE TRIGGER audit_items AFTER INSERT ON items BEGIN INSERT INTO audit "
                    "VALUES (new.x); END;\n");
    const auto has_trigger = [&] { return has("audit_items"); };
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    ASSERT_TRUE(has_trigger());

    auto refreshed = belay("refresh", {"--yes", "--no-backup"});
    ASSERT_EQ(refreshed.exit_code, 0) << describe(refreshed);
    EXPECT_CONTAINS(refreshed.out, "  applied      R__audit  ") << refreshed.out;
    EXPECT_TRUE(has_trigger()) << "refresh dropped it with items and made it again";
    EXPECT_EQ(belay("status", {"--exit-code"}).exit_code, 0);

    auto reset = belay("reset", {"--yes", "--no-backup"});
    ASSERT_EQ(reset.exit_code, 0) << describe(reset);
    EXPECT_CONTAINS(reset.out,
                    "note: 1 repeatable migration(s) run again with the next `belay db "
                    "migrate` that applies the newest version")
        << reset.out;
    EXPECT_EQ(recorded_repeatables(), std::vector<std::string>{});
    auto pending = belay("status");
    EXPECT_CONTAINS(pending.out, "repeatable: 0 applied, 0 changed, 1 pending") << pending.out;
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    EXPECT_TRUE(has_trigger()) << "the migrate after the reset made it again";

    auto down = belay("down", {"--no-backup"});  // reverts 2 only; items stays
    ASSERT_EQ(down.exit_code, 0) << describe(down);
    EXPECT_EQ(recorded_repeatables(), std::vector<std::string>{}) << "forgotten with the step";
    auto status = belay("status", {"--exit-code"});
    EXPECT_EQ(status.exit_code, 6) << "2 and the repeatable are pending\n" << describe(status);
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    EXPECT_EQ(recorded_repeatables(), std::vector<std::string>{"audit"});
    auto redone = belay("redo", {"--no-backup"});
    ASSERT_EQ(redone.exit_code, 0) << describe(redone);
    EXPECT_CONTAINS(redone.out, "  applied      R__audit  ") << redone.out;
    EXPECT_EQ(belay("status", {"--exit-code"}).exit_code, 0);
    EXPECT_EQ(belay("check").exit_code, 0);
}

// Flyway scans a location recursively: a project that keeps every script in subdirectories is
// Flyway's, and a file beside them in another layout makes a mix.
TEST_F(FlywayTest, AProjectWithEveryScriptInSubdirectoriesIsFlyways) {
    write_migration("release1/V1__users.sql", "CREATE TABLE users (id);\n");
    write_migration("release2/V2__posts.sql", "CREATE TABLE posts (id);\n");
    write_migration("release2/views/R__names.sql",
                    "DROP VIEW IF EXISTS names;\nCREATE VIEW names AS SELECT id FROM users;\n");
    auto status = belay("status", {"--exit-code"});
    EXPECT_EQ(status.exit_code, 6) << describe(status);
    EXPECT_CONTAINS(status.out, "0 applied, 2 pending") << status.out;
    auto migrated = belay("migrate", {"--no-backup"});
    ASSERT_EQ(migrated.exit_code, 0) << describe(migrated);
    EXPECT_TRUE(has("posts"));
    EXPECT_TRUE(has("names"));
    EXPECT_EQ(belay("status", {"--exit-code"}).exit_code, 0);
    auto created = belay("create", {"tags"});
    ASSERT_EQ(created.exit_code, 0) << describe(created);
    EXPECT_CONTAINS(created.out, "V3__tags.sql") << created.out;

    // A link to a directory is followed, as Flyway follows it; one back up the tree is refused,
    // naming it.
    fs::create_directories(dir() / "shared");
    write_file("shared/V4__shared.sql", "CREATE TABLE shared (id);\n");
    fs::create_directory_symlink(dir() / "shared", migrations() / "linked");
    auto linked = belay("migrate", {"--no-backup"});
    ASSERT_EQ(linked.exit_code, 0) << describe(linked);
    EXPECT_TRUE(has("shared"));
    fs::create_directory_symlink("..", migrations() / "release1" / "up");
    auto loop = belay("status");
    EXPECT_EQ(loop.exit_code, 2) << describe(loop);
    EXPECT_CONTAINS(loop.err, (migrations() / "release1" / "up").string() +
                                  ": a link that leads back to a directory it is in")
        << loop.err;
    EXPECT_LT(loop.err.size(), 1000u) << loop.err;
    fs::remove(migrations() / "release1" / "up");

    write_migration("0004_other.sql", "-- +migrate Up\nSELECT 1;\n");
    auto mixed = belay("status");
    EXPECT_EQ(mixed.exit_code, 2) << describe(mixed);
    EXPECT_CONTAINS(mixed.err, "more than one layout") << mixed.err;
}

// A Down without a transaction may stop anywhere, taking what a repeatable migration made with
// it: the repeatables are forgotten before it starts, so a failed one leaves them due too.
TEST_F(FlywayTest, AFailedDownWithoutATransactionLeavesTheRepeatablesDue) {
    write_migration("V1__items.sql", "CREATE TABLE items (x);\nCREATE TABLE audit (x);\n");
    write_migration("U1__items.sql", "DROP TABLE items;\nINSERT INTO no_such_table VALUES (1);\n");
    write_migration("U1__items.sql.conf", "executeInTransaction=false\n");
    write_migration("R__audit.sql",
                    "DROP TRIGGER IF EXISTS audit_items;\n"
                    "CREATE TRIGGER audit_items AFTER INSERT ON items BEGIN INSERT INTO audit "
                    "VALUES (new.x); END;\n");
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    ASSERT_EQ(recorded_repeatables(), std::vector<std::string>{"audit"});
    auto down = belay("down", {"--no-backup"});
    EXPECT_EQ(down.exit_code, 1) << describe(down);
    EXPECT_FALSE(has("audit_items")) << "gone with items, which the Down dropped before failing";
    EXPECT_EQ(recorded_repeatables(), std::vector<std::string>{})
        << "forgotten before the step began";
    EXPECT_CONTAINS(down.out + down.err, "1 repeatable migration(s) run again") << describe(down);
    auto status = belay("status");
    EXPECT_CONTAINS(status.out, "1 pending") << status.out;
}

// The note after a down run says what happened: a rehearsal's that they would be forgotten, a
// run whose only step failed (rolled back) nothing.
TEST_F(FlywayTest, TheDownNoteOnRepeatablesSaysWhatTheRunDid) {
    write_migration("V1__items.sql", "CREATE TABLE items (x);\n");
    write_migration("U1__items.sql", "DROP TABLE items;\n");
    write_migration("R__names.sql", "DROP VIEW IF EXISTS names;\nCREATE VIEW names AS SELECT 1;\n");
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    auto rehearsed = belay("down", {"--dry-run"});
    ASSERT_EQ(rehearsed.exit_code, 0) << describe(rehearsed);
    EXPECT_CONTAINS(rehearsed.out, "1 repeatable migration(s) would run again") << rehearsed.out;
    EXPECT_EQ(recorded_repeatables(), std::vector<std::string>{"names"});
    // A view over items, made by hand: reverting V1 would break it, so its validation fails.
    TestDb(db()).exec("CREATE VIEW item_list AS SELECT x FROM items;");
    auto failed = belay("down", {"--no-backup"});
    EXPECT_EQ(failed.exit_code, 1) << describe(failed);
    EXPECT_NOT_CONTAINS(failed.out + failed.err, "repeatable migration(s)") << describe(failed);
    EXPECT_EQ(recorded_repeatables(), std::vector<std::string>{"names"}) << "rolled back";
}

// A folder of repeatable migrations alone is one Flyway runs: db migrate applies them.
TEST_F(FlywayTest, AFolderOfRepeatablesAloneMigrates) {
    write_migration("R__only.sql", "CREATE TABLE IF NOT EXISTS t (x);\n");
    auto status = belay("status", {"--exit-code"});
    EXPECT_EQ(status.exit_code, 6) << describe(status);
    auto migrated = belay("migrate");
    ASSERT_EQ(migrated.exit_code, 0) << describe(migrated);
    EXPECT_CONTAINS(migrated.out, "  applied      R__only  ") << migrated.out;
    EXPECT_TRUE(has("t"));
    EXPECT_EQ(belay("status", {"--exit-code"}).exit_code, 0);
    EXPECT_EQ(belay("check").exit_code, 0);
}

}  // namespace
}  // namespace belay::testing
