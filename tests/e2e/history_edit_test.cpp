// Editing the history without running migrations: db baseline, db repair, db force. Each
// prints every change, takes a snapshot first and changes nothing when refused.
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class HistoryEditTest : public E2eTest {
  protected:
    void write_three() {
        write_migration("0001_users.sql", up_only("CREATE TABLE users (id INTEGER PRIMARY KEY);"));
        write_migration("0002_email.sql", up_only("ALTER TABLE users ADD COLUMN email TEXT;"));
        write_migration("0003_posts.sql", up_only("CREATE TABLE posts (id INTEGER PRIMARY KEY);"));
    }
    // A database an application made from its own schema.sql: the first two migrations' schema,
    // no history at all.
    void make_legacy_database() {
        TestDb legacy(db());
        legacy.exec(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);"
            "INSERT INTO users VALUES (1, 'a@example.org');");
    }
    std::string sidecar_reason() {
        const auto backups = names_ending_with(dir(), ".bak");
        if (backups.size() != 1) {
            ADD_FAILURE() << backups.size() << " backups";
            return {};
        }
        return read_json_file(dir() / (backups.front() + ".json")).at("reason");
    }
};

TEST_F(HistoryEditTest, BaselineAdoptsAnExistingDatabaseThenMigrateAppliesTheRest) {
    write_three();
    make_legacy_database();
    auto result = belay("baseline", {"0002"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out, "record 0001_users as applied (it is not run)") << result.out;
    EXPECT_CONTAINS(result.out, "record 0002_email as applied") << result.out;
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
    EXPECT_EQ(sidecar_reason(), "before baseline");

    auto migrate = belay("migrate");
    ASSERT_EQ(migrate.exit_code, 0) << "0002's ALTER TABLE was not run again\n"
                                    << describe(migrate);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002", "0003"}));
    EXPECT_EQ(TestDb(db(), true).scalar("SELECT email FROM users"), "a@example.org");
    EXPECT_EQ(belay("check").exit_code, 0);
}

TEST_F(HistoryEditTest, BaselineRefusesADatabaseWithHistoryAndUnknownVersions) {
    write_three();
    make_legacy_database();
    auto unknown = belay("baseline", {"0009"});
    EXPECT_EQ(unknown.exit_code, 2) << describe(unknown);
    auto no_version = belay("baseline");
    EXPECT_EQ(no_version.exit_code, 2) << describe(no_version);
    EXPECT_CONTAINS(no_version.err, "needs a VERSION") << no_version.err;
    ASSERT_EQ(belay("baseline", {"0001"}).exit_code, 0);
    const auto before = database_contents(db());
    auto again = belay("baseline", {"0002"});
    EXPECT_EQ(again.exit_code, 5) << describe(again);
    EXPECT_CONTAINS(again.err, "has history") << again.err;
    EXPECT_EQ(database_contents(db()), before);
    EXPECT_EQ(names_ending_with(dir(), ".bak").size(), 1u) << "the refusal took no snapshot";
}

TEST_F(HistoryEditTest, RepairClearsADirtyMarkAfterTheHandFixNeedingConfirmation) {
    write_migration("0001_users.sql", up_only("CREATE TABLE users (id INTEGER PRIMARY KEY);"));
    write_migration("0002_bad.sql", R"(-- +migrate Up notransaction
CREATE TABLE half (x);
INSERT INTO no_such_table VALUES (1);
)");
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 1);
    EXPECT_EQ(belay("migrate").exit_code, 5) << "the dirty mark blocks runs";
    // The operator finishes the job by hand: drops the half-made table and fixes the file.
    TestDb(db()).exec("DROP TABLE half;");
    write_migration("0002_bad.sql", up_only("CREATE TABLE half (x);"));

    const auto before = database_contents(db());
    auto refused = belay("repair");
    EXPECT_EQ(refused.exit_code, 5) << describe(refused);
    EXPECT_CONTAINS(refused.err, "clear the dirty mark and the failed attempt of 0002_bad")
        << "the refusal lists what it would change\n"
        << refused.err;
    EXPECT_EQ(database_contents(db()), before);

    auto repaired = belay("repair", {"--yes"});
    ASSERT_EQ(repaired.exit_code, 0) << describe(repaired);
    EXPECT_CONTAINS(repaired.out, "clear the dirty mark and the failed attempt of 0002_bad")
        << repaired.out;
    EXPECT_EQ(sidecar_reason(), "before repair");
    auto status = belay("status", {"--json"});
    EXPECT_EQ(status.json()["migrations"][1]["status"], "pending") << status.out;
    ASSERT_EQ(belay("migrate").exit_code, 0);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
}

TEST_F(HistoryEditTest, RepairReRecordsTheChecksumOfAModifiedFile) {
    write_three();
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    write_migration("0002_email.sql", "-- a comment added after the fact\n" +
                                          up_only("ALTER TABLE users ADD COLUMN email TEXT;"));
    EXPECT_EQ(belay("migrate").exit_code, 5) << "a modified applied file blocks every run";
    EXPECT_EQ(belay("status", {"--exit-code"}).exit_code, 6);
    auto repaired = belay("repair", {"--yes", "--json"});
    ASSERT_EQ(repaired.exit_code, 0) << describe(repaired);
    const auto changes = repaired.json().at("changes");
    ASSERT_EQ(changes.size(), 1u) << repaired.out;
    EXPECT_CONTAINS(changes[0].get<std::string>(), "re-record the checksum of 0002_email");
    EXPECT_EQ(belay("status", {"--exit-code"}).exit_code, 0);
    EXPECT_EQ(belay("migrate").exit_code, 0);

    auto nothing = belay("repair", {"--yes"});
    EXPECT_EQ(nothing.exit_code, 0);
    EXPECT_CONTAINS(nothing.out, "needs no change") << nothing.out;
    EXPECT_EQ(names_ending_with(dir(), ".bak").size(), 1u) << "nothing to repair: no snapshot";
}

TEST_F(HistoryEditTest, ForceMakesTheHistorySayExactlyTheVersionAndTheSnapshotUndoesIt) {
    write_three();
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    const auto before = database_contents(db());
    EXPECT_EQ(belay("force", {"0001"}).exit_code, 5) << "force needs a confirmation";
    auto forced = belay("force", {"0001", "--yes"});
    ASSERT_EQ(forced.exit_code, 0) << describe(forced);
    EXPECT_CONTAINS(forced.out, "remove 0003_posts from the history") << forced.out;
    EXPECT_CONTAINS(forced.out, "remove 0002_email from the history") << forced.out;
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001"}));
    EXPECT_TRUE(TestDb(db(), true).has_object("posts")) << "force runs nothing";
    EXPECT_EQ(sidecar_reason(), "before force");

    auto up = belay("force", {"3", "--yes"});
    ASSERT_EQ(up.exit_code, 0) << describe(up);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002", "0003"}));
    auto none = belay("force", {"0", "--yes"});
    ASSERT_EQ(none.exit_code, 0) << describe(none);
    EXPECT_TRUE(applied_versions().empty());

    const auto marker = none.out.find("belay db restore");
    ASSERT_NE(marker, std::string::npos) << none.out;
    // The first of the three snapshots: the earliest second, and in it the name without "-N".
    auto backups = names_ending_with(dir(), ".bak");
    std::ranges::sort(backups, [](const std::string& a, const std::string& b) {
        return std::pair(backup_name_time(a, "app"), a.size()) <
               std::pair(backup_name_time(b, "app"), b.size());
    });
    ASSERT_EQ(backups.size(), 3u);
    auto undo = run_raw(
        {"db", "restore", "--db", db().string(), (dir() / backups.front()).string(), "--yes"});
    ASSERT_EQ(undo.exit_code, 0) << describe(undo);
    EXPECT_EQ(database_contents(db()), before) << "the first snapshot holds the state before";
}

TEST_F(HistoryEditTest, ForceOfAnUnknownVersionOrAMissingDatabaseIsAUsageError) {
    write_three();
    auto missing = belay("force", {"0001", "--yes"});
    EXPECT_EQ(missing.exit_code, 2) << describe(missing);
    EXPECT_FALSE(fs::exists(db())) << "history edits never create a database";
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    auto unknown = belay("force", {"0042", "--yes"});
    EXPECT_EQ(unknown.exit_code, 2) << describe(unknown);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002", "0003"}));
}

}  // namespace
}  // namespace belay::testing

namespace belay::testing {
namespace {

TEST_F(HistoryEditTest, RepairLeavesDriftVisibleAndHandlesADirtyModifiedStepInOneRun) {
    write_migration("0001_users.sql", up_only("CREATE TABLE users (id INTEGER PRIMARY KEY);"));
    write_migration("0002_half.sql", R"(-- +migrate Up
CREATE TABLE half (x);
-- +migrate Down notransaction
DROP TABLE half;
INSERT INTO no_such_table VALUES (1);
)");
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    ASSERT_EQ(belay("down", {"--no-backup"}).exit_code, 1) << "the NoTransaction Down fails";
    // By hand: the table comes back, and the Down is fixed in the file.
    TestDb(db()).exec("CREATE TABLE half (x); CREATE TABLE sneaky (y);");
    write_migration("0002_half.sql", R"(-- +migrate Up
CREATE TABLE half (x);
-- +migrate Down notransaction
DROP TABLE half;
)");
    auto repaired = belay("repair", {"--yes", "--json"});
    ASSERT_EQ(repaired.exit_code, 0) << describe(repaired);
    const auto changes = repaired.json().at("changes").dump();
    EXPECT_CONTAINS(changes, "clear the dirty mark of 0002_half") << changes;
    EXPECT_CONTAINS(changes, "re-record the checksum of 0002_half") << "one run handles both\n"
                                                                    << changes;
    auto check = belay("check");
    EXPECT_EQ(check.exit_code, 6) << "repair does not accept the hand-made table\n"
                                  << describe(check);
    EXPECT_CONTAINS(check.out, "sneaky") << check.out;
    ASSERT_EQ(belay("down", {"--no-backup"}).exit_code, 0);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001"}));
}

TEST_F(HistoryEditTest, BaselineOfAnEmptyDatabaseNeedsNoSnapshot) {
    write_three();
    write_file("app.db", "");
    auto result = belay("baseline", {"0001"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out, "no snapshot is needed") << result.out;
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001"}));
}

}  // namespace
}  // namespace belay::testing

namespace belay::testing {
namespace {

TEST_F(HistoryEditTest, RepairClearsAFailedAttemptSoStatusIsCleanAgain) {
    write_migration("0001_users.sql", up_only("CREATE TABLE users (id INTEGER PRIMARY KEY);"));
    write_migration("0002_bad.sql", up_only("INSERT INTO no_such_table VALUES (1);"));
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 1);
    auto status = belay("status", {"--json"});
    ASSERT_EQ(status.json()["migrations"][1]["status"], "failed") << status.out;
    auto repaired = belay("repair", {"--yes"});
    ASSERT_EQ(repaired.exit_code, 0) << describe(repaired);
    EXPECT_CONTAINS(repaired.out, "clear the failed attempt of 0002_bad") << repaired.out;
    auto after = belay("status", {"--json"});
    EXPECT_EQ(after.json()["migrations"][1]["status"], "pending") << after.out;
    EXPECT_TRUE(after.json()["migrations"][1]["last_failure"].is_null()) << after.out;
}

}  // namespace
}  // namespace belay::testing
