// examples/registry_app: a program that embeds its migrations and, with
// BELAY_AUTO_MIGRATE=true, migrates its own database at start-up after a verified snapshot,
// refusing to start when that fails. The test runs the example binary as a user would.
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class ExampleAppTest : public E2eTest {
  protected:
    ExampleAppTest() { fs::create_directories(dir() / "backups"); }

    RunResult app(const std::vector<std::string>& args, const std::string& auto_migrate) const {
        RunOptions options;
        options.program = BELAY_EXAMPLE_APP;
        options.cwd = dir();
        options.env = {{"BELAY_AUTO_MIGRATE", auto_migrate},
                       {"BELAY_BACKUP_DIR", (dir() / "backups").string()}};
        std::vector<std::string> full{db().string()};
        full.insert(full.end(), args.begin(), args.end());
        return run_belay(full, options);
    }
    std::vector<std::string> backups() const {
        return fs::exists(dir() / "backups") ? names_ending_with(dir() / "backups", ".bak")
                                             : std::vector<std::string>{};
    }
};

TEST_F(ExampleAppTest, RefusesToStartWhileMigrationsArePendingWithoutAutoMigrate) {
    const auto result = app({"list"}, "");
    EXPECT_EQ(result.exit_code, 69) << describe(result);
    EXPECT_CONTAINS(result.err, "refusing to start") << result.err;
    EXPECT_CONTAINS(result.err, "BELAY_AUTO_MIGRATE=true") << result.err;
    EXPECT_CONTAINS(result.err, "0003_index_releases_by_date") << result.err;
    EXPECT_FALSE(fs::exists(db()));
}

TEST_F(ExampleAppTest, AutoMigrateBringsANewDatabaseUpAndTheProgramRuns) {
    const auto added = app({"add", "sqlite", "3.40.1"}, "true");
    ASSERT_EQ(added.exit_code, 0) << describe(added);
    EXPECT_EQ(added.out, "added sqlite 3.40.1\n");
    EXPECT_CONTAINS(added.err, "from version 0 to 0003") << added.err;
    TestDb check(db(), true);
    EXPECT_EQ(check.tables(),
              (std::vector<std::string>{"belay_dirty", "belay_failures", "belay_schema", "packages",
                                        "releases", "schema_migrations"}));
    EXPECT_TRUE(check.has_object("releases_by_date"));
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002", "0003"}));

    // Up to date: no migration, no snapshot, and the program starts without auto-migrate too.
    const auto listed = app({"list"}, "false");
    ASSERT_EQ(listed.exit_code, 0) << describe(listed);
    EXPECT_EQ(listed.out, "sqlite 3.40.1\n");
    EXPECT_TRUE(backups().empty());
}

TEST_F(ExampleAppTest, AnExistingDatabaseIsSnapshottedBeforeItIsMigrated) {
    TestDb(db()).exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');");
    const auto added = app({"add", "belay", "0.1.0"}, "true");
    ASSERT_EQ(added.exit_code, 0) << describe(added);
    const auto taken = backups();
    ASSERT_EQ(taken.size(), 1u);
    EXPECT_TRUE(taken[0].starts_with("app-")) << taken[0];
    EXPECT_CONTAINS(added.err, taken[0]) << added.err;
    TestDb before(dir() / "backups" / taken[0], true);
    EXPECT_EQ(before.tables(), (std::vector<std::string>{"notes"}));
    EXPECT_EQ(before.column("SELECT body FROM notes"), (std::vector<std::string>{"keep me"}));
    TestDb after(db(), true);
    EXPECT_EQ(after.count("notes"), 1);
    EXPECT_EQ(after.count("releases"), 1);
}

TEST_F(ExampleAppTest, AFailedMigrationStopsTheProgramAndKeepsTheSnapshot) {
    // A table of the same name the program's second migration creates: that step fails.
    TestDb(db()).exec("CREATE TABLE releases (name TEXT); INSERT INTO releases VALUES ('old');");
    const auto result = app({"add", "sqlite", "3.40.1"}, "true");
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_TRUE(result.out.empty()) << "the program must not have run: " << result.out;
    EXPECT_CONTAINS(result.err, "refusing to start") << result.err;
    EXPECT_CONTAINS(result.err, "0002_create_releases") << result.err;
    EXPECT_CONTAINS(result.err, "belay db restore") << result.err;
    // Each step is its own transaction: the first is kept, the failed one rolled back.
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001"}));
    TestDb after(db(), true);
    EXPECT_EQ(after.column("SELECT name FROM releases"), (std::vector<std::string>{"old"}));
    const auto taken = backups();
    ASSERT_EQ(taken.size(), 1u);
    TestDb before(dir() / "backups" / taken[0], true);
    EXPECT_EQ(before.tables(), (std::vector<std::string>{"releases"}));
}

TEST_F(ExampleAppTest, AMissingBackupDirectoryRefusesToStartAndTouchesNothing) {
    // belay never creates a backup directory: a typo there must not scatter backups.
    fs::remove(dir() / "backups");
    TestDb(db()).exec("CREATE TABLE notes (body TEXT);");
    const auto result = app({"list"}, "true");
    EXPECT_EQ(result.exit_code, 3) << describe(result);
    EXPECT_CONTAINS(result.err, "refusing to start") << result.err;
    EXPECT_CONTAINS(result.err, "mkdir -p " + (dir() / "backups").string()) << result.err;
    TestDb after(db(), true);
    EXPECT_EQ(after.tables(), (std::vector<std::string>{"notes"}));
}

TEST_F(ExampleAppTest, AnUnclearAutoMigrateValueIsRefusedBeforeAnythingIsTouched) {
    const auto result = app({"list"}, "yes please");
    EXPECT_EQ(result.exit_code, 64) << describe(result);
    EXPECT_CONTAINS(result.err, "BELAY_AUTO_MIGRATE=yes please: expected true or false")
        << result.err;
    EXPECT_FALSE(fs::exists(db()));
}

}  // namespace
}  // namespace belay::testing
