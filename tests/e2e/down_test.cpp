// Going back: db down (and its alias rollback), redo, reset and refresh, each a run of steps
// with a snapshot first, validation and one transaction per step.
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

constexpr const char* k_users = R"(-- +migrate Up
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
INSERT INTO users (email) VALUES ('a@example.org');
-- +migrate Down
DROP TABLE users;
)";

constexpr const char* k_posts = R"(-- +migrate Up
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), body TEXT);
-- +migrate Down
DROP TABLE posts;
)";

constexpr const char* k_email_index = R"(-- +migrate Up
CREATE UNIQUE INDEX users_email ON users(email);
-- +migrate Down
DROP INDEX users_email;
)";

class DownTest : public E2eTest {
  protected:
    void write_three() {
        write_migration("0001_users.sql", k_users);
        write_migration("0002_posts.sql", k_posts);
        write_migration("0003_email_index.sql", k_email_index);
    }
    void apply_three() {
        write_three();
        auto result = belay("migrate", {"--no-backup", "-q"});
        ASSERT_EQ(result.exit_code, 0) << describe(result);
    }
};

TEST_F(DownTest, RevertsTheNewestStepWithASnapshotFirst) {
    apply_three();
    const auto before = database_contents(db());

    auto result = belay("down");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
    {
        TestDb check(db(), true);
        EXPECT_FALSE(check.has_object("users_email"));
        EXPECT_TRUE(check.has_object("posts"));
    }
    EXPECT_EQ(belay("version").out, "0002\n");
    EXPECT_CONTAINS(result.out, "reverted     0003_email_index") << result.out;

    const auto backups = names_ending_with(dir(), ".bak");
    ASSERT_EQ(backups.size(), 1u) << "db down takes a snapshot first";
    EXPECT_EQ(database_contents(dir() / backups.front()), before)
        << "the snapshot holds the state before the revert";
    const auto sidecar = read_json_file(dir() / (backups.front() + ".json"));
    EXPECT_EQ(sidecar.at("reason"), "before down");
    EXPECT_EQ(sidecar.at("schema_version"), "0003");

    auto status = belay("status", {"--json"});
    EXPECT_EQ(status.json()["migrations"][2]["status"], "pending") << status.out;
    auto check = belay("check");
    EXPECT_EQ(check.exit_code, 0) << "a revert is not drift\n" << describe(check);
}

TEST_F(DownTest, RollbackIsTheSameCommand) {
    apply_three();
    auto result = belay("rollback", {"--no-backup"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
    auto help = run_raw({"db", "rollback", "--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_CONTAINS(help.out, "--steps") << help.out;
}

TEST_F(DownTest, StepsAndToChooseHowFarNewestFirst) {
    apply_three();
    auto two = belay("down", {"--steps", "2", "--json"});
    ASSERT_EQ(two.exit_code, 0) << describe(two);
    const auto steps = two.json().at("steps");
    ASSERT_EQ(steps.size(), 2u) << two.out;
    EXPECT_EQ(steps[0].at("version"), "0003");
    EXPECT_EQ(steps[1].at("version"), "0002");
    EXPECT_EQ(steps[0].at("direction"), "down");
    EXPECT_EQ(steps[0].at("result"), "reverted");
    EXPECT_EQ(two.json().at("operation"), "down");
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001"}));

    ASSERT_EQ(belay("migrate", {"-q"}).exit_code, 0);
    auto to_one = belay("down", {"--to", "1"});
    ASSERT_EQ(to_one.exit_code, 0) << describe(to_one);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001"}))
        << "--to 1 leaves 0001 applied (versions compare as numbers)";

    auto to_zero = belay("down", {"--to", "0"});
    ASSERT_EQ(to_zero.exit_code, 0) << describe(to_zero);
    EXPECT_TRUE(applied_versions().empty());
    TestDb check(db(), true);
    EXPECT_FALSE(check.has_object("users"));
}

// A migration of version 0 (Prisma's 0_init baseline, Flyway's V0__, sqlx's 0_x.sql) is
// reverted by --to 0, reset and refresh like every other: 0 means before every migration.
TEST_F(DownTest, ToZeroResetAndRefreshRevertAMigrationOfVersionZeroToo) {
    write_migration("0000_base.sql",
                    "-- +migrate Up\nCREATE TABLE base (x);\n-- +migrate Down\nDROP TABLE base;\n");
    apply_three();
    ASSERT_EQ(applied_versions(), (std::vector<std::string>{"0000", "0001", "0002", "0003"}));

    auto to_zero = belay("down", {"--to", "0"});
    ASSERT_EQ(to_zero.exit_code, 0) << describe(to_zero);
    EXPECT_TRUE(applied_versions().empty());
    EXPECT_FALSE(TestDb(db(), true).has_object("base"));

    ASSERT_EQ(belay("migrate", {"-q"}).exit_code, 0);
    auto reset = belay("reset", {"--yes"});
    ASSERT_EQ(reset.exit_code, 0) << describe(reset);
    EXPECT_TRUE(applied_versions().empty());
    EXPECT_FALSE(TestDb(db(), true).has_object("base"));

    ASSERT_EQ(belay("migrate", {"-q"}).exit_code, 0);
    TestDb(db()).exec("INSERT INTO base VALUES (1)");
    auto refresh = belay("refresh", {"--yes"});
    ASSERT_EQ(refresh.exit_code, 0) << describe(refresh);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0000", "0001", "0002", "0003"}));
    EXPECT_EQ(TestDb(db(), true).count("base"), 0) << "base was dropped and made again";
}

TEST_F(DownTest, BadTargetsAreUsageErrorsThatChangeNothing) {
    apply_three();
    const auto before = database_contents(db());
    auto too_many = belay("down", {"--steps", "4"});
    EXPECT_EQ(too_many.exit_code, 2) << describe(too_many);
    EXPECT_CONTAINS(too_many.err, "3 migration(s) are applied") << too_many.err;
    auto not_applied = belay("down", {"--to", "7"});
    EXPECT_EQ(not_applied.exit_code, 2) << describe(not_applied);
    EXPECT_CONTAINS(not_applied.err, "--to 7") << not_applied.err;
    auto both = belay("down", {"--to", "1", "--steps", "1"});
    EXPECT_EQ(both.exit_code, 2) << describe(both);
    EXPECT_EQ(database_contents(db()), before);
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty()) << "a refused run takes no snapshot";
}

TEST_F(DownTest, TargetsComeOnlyFromTheCommandLine) {
    apply_three();
    write_file("belay.ini", "to = 1\n");
    auto from_file = belay("down");
    EXPECT_EQ(from_file.exit_code, 2) << describe(from_file);
    EXPECT_CONTAINS(from_file.err, "`to` cannot be set in a config file") << from_file.err;
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002", "0003"}));
    fs::remove(dir() / "belay.ini");

    auto from_env =
        belay("down", {"--no-backup"}, with_env({{"BELAY_TO", "0"}, {"BELAY_STEPS", "3"}}));
    ASSERT_EQ(from_env.exit_code, 0) << describe(from_env);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}))
        << "BELAY_TO and BELAY_STEPS are ignored: one step only";
}

TEST_F(DownTest, AMigrationWithoutDownOnTheWayStopsEverythingAndPointsAtRestore) {
    write_migration("0001_users.sql", k_users);
    write_migration("0002_posts.sql", up_only("CREATE TABLE posts (id INTEGER PRIMARY KEY);"));
    write_migration("0003_email_index.sql", k_email_index);
    ASSERT_EQ(belay("migrate", {"-q", "--no-backup"}).exit_code, 0);
    const auto before = database_contents(db());

    auto result = belay("down", {"--to", "0"});
    EXPECT_EQ(result.exit_code, 5) << describe(result);
    EXPECT_CONTAINS(result.err, "0002_posts has no Down section") << result.err;
    EXPECT_CONTAINS(result.err, "belay db restore") << result.err;
    EXPECT_EQ(database_contents(db()), before) << "not even 0003, which has a Down, was reverted";
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());

    auto one = belay("down", {"--no-backup"});
    EXPECT_EQ(one.exit_code, 0) << "0003 alone can go: " << describe(one);
}

TEST_F(DownTest, ModifiedOrMissingFilesOnTheWayAreRefused) {
    apply_three();
    write_migration("0003_email_index.sql",
                    std::string(k_email_index) + "-- edited after it was applied\n");
    auto modified = belay("down");
    EXPECT_EQ(modified.exit_code, 5) << describe(modified);
    EXPECT_CONTAINS(modified.err, "0003_email_index was changed after it was applied")
        << modified.err;

    fs::remove(migrations() / "0003_email_index.sql");
    auto missing = belay("down");
    EXPECT_EQ(missing.exit_code, 5) << describe(missing);
    EXPECT_CONTAINS(missing.err, "its file is gone") << missing.err;
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002", "0003"}));
}

TEST_F(DownTest, AFailingDownIsRolledBackAndNamesTheSnapshot) {
    write_migration("0001_users.sql", k_users);
    write_migration("0002_posts.sql", R"(-- +migrate Up
CREATE TABLE posts (id INTEGER PRIMARY KEY);
-- +migrate Down
DROP TABLE posts;
DROP TABLE no_such_table;
)");
    ASSERT_EQ(belay("migrate", {"-q", "--no-backup"}).exit_code, 0);
    const auto before = database_contents(db());

    auto result = belay("down");
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "reverting migration 0002_posts failed") << result.err;
    EXPECT_CONTAINS(result.err, "0002_posts.sql:5") << result.err;
    EXPECT_CONTAINS(result.err, "no such table: no_such_table") << result.err;
    EXPECT_CONTAINS(result.err, "belay db restore") << result.err;
    EXPECT_EQ(database_contents(db()), before) << "the DROP TABLE posts was not rolled back";
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
}

TEST_F(DownTest, ADownThatBreaksAViewIsCaughtByValidation) {
    write_migration("0001_users.sql", k_users);
    write_migration("0002_keep_view.sql", R"(-- +migrate Up
CREATE VIEW user_emails AS SELECT email FROM users;
-- +migrate Down
DROP VIEW user_emails;
)");
    write_migration("0003_rebuild_users.sql", R"(-- +migrate Up
ALTER TABLE users ADD COLUMN name TEXT;
-- +migrate Down
DROP TABLE users;
)");
    ASSERT_EQ(belay("migrate", {"-q", "--no-backup"}).exit_code, 0);
    auto result = belay("down", {"--no-backup"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "user_emails") << result.err;
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002", "0003"}));
    TestDb check(db(), true);
    EXPECT_TRUE(check.has_object("users"));
}

TEST_F(DownTest, DryRunRehearsesOnACopyAndLeavesTheFileAsItWas) {
    apply_three();
    const auto hash = sha256_of(db());
    auto result = belay("down", {"--to", "0", "--dry-run"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out, "would revert 0001_users") << result.out;
    EXPECT_EQ(sha256_of(db()), hash);
    EXPECT_EQ(list_dir(dir()),
              (std::vector<std::string>{"app.db", "app.db.belay-lock", "migrations",
                                        "migrations/0001_users.sql", "migrations/0002_posts.sql",
                                        "migrations/0003_email_index.sql"}))
        << "no backup and no journal beside the database";
}

TEST_F(DownTest, NothingAppliedIsNothingToDo) {
    write_three();
    write_file("app.db", "");
    auto result = belay("down");
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out, "nothing to revert") << result.out;
    auto absent = run_raw({"db", "down", "--db", "absent.db", "--migrations", "migrations"});
    EXPECT_EQ(absent.exit_code, 2) << describe(absent);
    EXPECT_FALSE(fs::exists(dir() / "absent.db")) << "db down never creates a database";
}

TEST_F(DownTest, NoTransactionDownIsMarkedDirtyWhenItFails) {
    write_migration("0001_users.sql", k_users);
    write_migration("0002_vacuum.sql", R"(-- +migrate Up
CREATE TABLE scratch (x);
-- +migrate Down notransaction
DROP TABLE scratch;
INSERT INTO no_such_table VALUES (1);
)");
    ASSERT_EQ(belay("migrate", {"-q", "--no-backup"}).exit_code, 0);
    auto result = belay("down");
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "marked dirty") << result.err;
    auto status = belay("status", {"--json"});
    EXPECT_EQ(status.json()["migrations"][1]["status"], "dirty") << status.out;
    EXPECT_EQ(belay("down").exit_code, 5) << "a dirty mark stops every run";
    EXPECT_EQ(belay("migrate").exit_code, 5);
}

TEST_F(DownTest, RedoRevertsAndReappliesTheNewestInOneRun) {
    apply_three();
    {
        TestDb change(db());
        change.exec("INSERT INTO posts (user_id, body) VALUES (1, 'kept')");
    }
    auto result = belay("redo", {"--json"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto steps = result.json().at("steps");
    ASSERT_EQ(steps.size(), 2u);
    EXPECT_EQ(steps[0].at("result"), "reverted");
    EXPECT_EQ(steps[1].at("result"), "applied");
    EXPECT_EQ(steps[1].at("version"), "0003");
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002", "0003"}));
    TestDb check(db(), true);
    EXPECT_TRUE(check.has_object("users_email"));
    EXPECT_EQ(check.count("posts"), 1);
    EXPECT_EQ(names_ending_with(dir(), ".bak").size(), 1u) << "one snapshot for the whole redo";
}

TEST_F(DownTest, ResetNeedsConfirmationWithoutATerminal) {
    apply_three();
    const auto before = database_contents(db());
    auto refused = belay("reset");
    EXPECT_EQ(refused.exit_code, 5) << describe(refused);
    EXPECT_CONTAINS(refused.err, "pass --yes") << refused.err;
    EXPECT_EQ(database_contents(db()), before);
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());

    auto env_yes = belay("reset", {}, with_env({{"BELAY_YES", "1"}}));
    EXPECT_EQ(env_yes.exit_code, 5) << "an environment variable never answers yes";

    auto reset = belay("reset", {"--yes"});
    ASSERT_EQ(reset.exit_code, 0) << describe(reset);
    EXPECT_TRUE(applied_versions().empty());
    TestDb check(db(), true);
    EXPECT_TRUE(check.tables().size() <= 4u);
    EXPECT_FALSE(check.has_object("users"));
    EXPECT_EQ(names_ending_with(dir(), ".bak").size(), 1u);
}

TEST_F(DownTest, RefreshRebuildsFromZeroIncludingPendingFiles) {
    apply_three();
    write_migration("0004_names.sql", R"(-- +migrate Up
ALTER TABLE users ADD COLUMN name TEXT;
-- +migrate Down
ALTER TABLE users DROP COLUMN name;
)");
    EXPECT_EQ(belay("refresh").exit_code, 5);
    auto result = belay("refresh", {"--yes"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002", "0003", "0004"}));
    TestDb check(db(), true);
    EXPECT_EQ(check.columns("users"), (std::vector<std::string>{"id", "email", "name"}));
    EXPECT_EQ(check.scalar("SELECT email FROM users"), "a@example.org")
        << "the data of the Up sections is back";
}

}  // namespace
}  // namespace belay::testing

namespace belay::testing {
namespace {

TEST_F(DownTest, RedoRefusesANewestMigrationWithoutDownOrChangedSinceItWasApplied) {
    write_migration("0001_users.sql", k_users);
    write_migration("0002_posts.sql", up_only("CREATE TABLE posts (id INTEGER PRIMARY KEY);"));
    ASSERT_EQ(belay("migrate", {"-q", "--no-backup"}).exit_code, 0);
    auto no_down = belay("redo");
    EXPECT_EQ(no_down.exit_code, 5) << describe(no_down);
    EXPECT_CONTAINS(no_down.err, "0002_posts has no Down section") << no_down.err;

    write_migration("0002_posts.sql", std::string(k_posts) + "-- edited\n");
    auto modified = belay("redo");
    EXPECT_EQ(modified.exit_code, 5) << describe(modified);
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());
}

TEST_F(DownTest, RedoResetAndRefreshRehearseOnACopy) {
    apply_three();
    const auto hash = sha256_of(db());
    for (const auto* command : {"redo", "reset", "refresh"}) {
        auto result = belay(command, {"--dry-run"});
        EXPECT_EQ(result.exit_code, 0) << command << ": " << describe(result);
        EXPECT_CONTAINS(result.out, std::string("Rehearsing db ") + command) << result.out;
        EXPECT_CONTAINS(result.out, "would revert 0003_email_index") << result.out;
    }
    EXPECT_EQ(sha256_of(db()), hash) << "a rehearsal needs no --yes and changes nothing";
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());
}

TEST_F(DownTest, AFailingRefreshNamesTheSnapshotThatUndoesIt) {
    apply_three();
    TestDb(db()).exec("INSERT INTO users (email) VALUES ('b@example.org');");
    // Applies here (two users), fails after a refresh (0001 makes one user only).
    write_migration("0004_needs_two_users.sql", R"(-- +migrate Up
CREATE TABLE flags (x);
-- +migrate Verify
SELECT count(*) > 1 FROM users;
-- +migrate Down
DROP TABLE flags;
)");
    ASSERT_EQ(belay("migrate", {"--no-backup", "-q"}).exit_code, 0);
    const auto before = database_contents(db());
    auto refresh = belay("refresh", {"--yes"});
    EXPECT_EQ(refresh.exit_code, 1) << describe(refresh);
    EXPECT_CONTAINS(refresh.err, "migration 0004_needs_two_users failed") << refresh.err;
    const auto backups = names_ending_with(dir(), ".bak");
    ASSERT_EQ(backups.size(), 1u);
    EXPECT_CONTAINS(refresh.err, backups.front()) << "the message names the snapshot\n"
                                                  << refresh.err;
    ASSERT_CONTAINS(refresh.err, "belay db restore") << refresh.err;
    auto undo = belay("restore", {(dir() / backups.front()).string(), "--yes"});
    ASSERT_EQ(undo.exit_code, 0) << describe(undo);
    EXPECT_EQ(database_contents(db()), before) << "the state from just before the refresh is back";
}

TEST_F(DownTest, ADownStepObeysItsTimeout) {
    write_migration("0001_users.sql", k_users);
    write_migration("0002_slow_down.sql", std::string("-- +migrate Timeout 1\n") + R"(-- +migrate Up
CREATE TABLE posts (id INTEGER PRIMARY KEY);
-- +migrate Down
DROP TABLE posts;
)" + k_runaway + "\n");
    ASSERT_EQ(belay("migrate", {"-q", "--no-backup"}).exit_code, 0);
    auto result = belay("down", {"--no-backup"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_LT(result.seconds, 20.0);
    EXPECT_CONTAINS(result.err, "timeout") << result.err;
    EXPECT_TRUE(TestDb(db(), true).has_object("posts")) << "the Down was rolled back";
}

}  // namespace
}  // namespace belay::testing
