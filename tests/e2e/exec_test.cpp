// `belay db exec -- COMMAND`: another tool's migration command inside belay's safety, with the
// sqlite3 command-line shell as the tool (the other tools' own runs are in exec_tools_test.cpp):
// the snapshot before it, how it is run ({db}, BELAY_DB, arguments as given, output passed
// through, the timeout and signals ending its whole process group), the checks after it, the
// restore, the dry run, and the refusals before anything runs.
#include <signal.h>
#include <sys/types.h>

#include <cerrno>
#include <regex>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class ExecTest : public E2eTest {
  protected:
    void SetUp() override {
        TestDb db(this->db());
        db.exec(
            "CREATE TABLE packages (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
            "CREATE TABLE releases (id INTEGER PRIMARY KEY, package_id INTEGER NOT NULL "
            "REFERENCES packages (id), version TEXT);"
            "CREATE VIEW package_names AS SELECT name FROM packages;"
            "INSERT INTO packages VALUES (1, 'left-pad'), (2, 'is-even');"
            "INSERT INTO releases VALUES (1, 1, '1.0.0'), (2, 2, '0.1.0');");
    }

    // belay db exec --db app.db <options> -- <command>.
    RunResult exec(const std::vector<std::string>& options, const std::vector<std::string>& command,
                   RunOptions run = {}) const {
        std::vector<std::string> args{"db", "exec", "--db", db().string()};
        args.insert(args.end(), options.begin(), options.end());
        args.push_back("--");
        args.insert(args.end(), command.begin(), command.end());
        return run_raw(args, std::move(run));
    }

    // The sqlite3 shell running `sql` on the database, stopping at the first error.
    static std::vector<std::string> sqlite3(const std::string& sql) {
        return {"sqlite3", "-bail", "{db}", sql};
    }

    // The .bak files in the test's directory.
    std::vector<fs::path> backups() const {
        std::vector<fs::path> found;
        for (const auto& entry : fs::directory_iterator(dir())) {
            if (entry.path().extension() == ".bak") {
                found.push_back(entry.path());
            }
        }
        return found;
    }

    RunOptions in_test_directory() const {
        RunOptions options;
        options.cwd = dir();
        return options;
    }

    std::vector<std::string> tables() {
        TestDb db(this->db(), true);
        return db.tables();
    }
};

const std::vector<std::string> k_original_tables{"packages", "releases"};

TEST_F(ExecTest, SnapshotsRunsTheCommandAndReportsWhatItChanged) {
    const auto result = exec({"--json"}, sqlite3("CREATE TABLE mirrors (url TEXT);"
                                                 "CREATE INDEX mirrors_url ON mirrors (url);"));
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto report = result.json();
    EXPECT_EQ(tables(), (std::vector<std::string>{"mirrors", "packages", "releases"}));
    // The snapshot: <stem>-YYYYMMDD-HHMMSS.bak beside the database, with the state before.
    const auto taken = backups();
    ASSERT_EQ(taken.size(), 1u);
    EXPECT_TRUE(
        std::regex_match(taken.front().filename().string(), std::regex(R"(app-\d{8}-\d{6}\.bak)")));
    EXPECT_EQ(report["snapshot"], taken.front().string());
    EXPECT_EQ(TestDb(taken.front(), true).tables(), k_original_tables);
    const auto sidecar = nlohmann::json::parse(read_file(taken.front().string() + ".json"));
    EXPECT_EQ(sidecar["reason"], "before exec");
    EXPECT_EQ(report["command"]["exit_status"], 0);
    EXPECT_EQ(report["schema_changes"],
              nlohmann::json::parse(R"([{"change": "added", "type": "table", "name": "mirrors"},
                                       {"change": "added", "type": "index", "name": "mirrors_url"}])"));
    EXPECT_EQ(report["error"], nullptr);
    EXPECT_EQ(report["restore_command"], nullptr);
}

TEST_F(ExecTest, TextReportNamesTheCommandTheChangesAndTheChecks) {
    const auto result =
        exec({}, sqlite3("ALTER TABLE packages ADD COLUMN license TEXT; DROP VIEW package_names;"));
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.err, "belay: running sqlite3 -bail ");
    EXPECT_CONTAINS(result.out, "exited with status 0");
    EXPECT_CONTAINS(result.out, "schema     changed table packages");
    EXPECT_CONTAINS(result.out, "schema     removed view package_names");
    EXPECT_CONTAINS(result.out, "check      ok");
}

TEST_F(ExecTest, AFailedCommandLeavesItsWorkAndPrintsTheRestoreCommand) {
    const auto result =
        exec({}, sqlite3("CREATE TABLE mirrors (url TEXT); SELECT * FROM nowhere;"));
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    // sqlite3 runs each statement on its own: the first one stays, as the command left it.
    EXPECT_EQ(tables(), (std::vector<std::string>{"mirrors", "packages", "releases"}));
    EXPECT_CONTAINS(result.err, "the command exited with status 1");
    const auto taken = backups();
    ASSERT_EQ(taken.size(), 1u);
    EXPECT_CONTAINS(result.err,
                    "belay db restore --db " + db().string() + " " + taken.front().string());
    // The printed command, run as printed, puts the snapshot back.
    const auto restored =
        run_raw({"db", "restore", "--db", db().string(), taken.front().string(), "--yes"});
    ASSERT_EQ(restored.exit_code, 0) << describe(restored);
    EXPECT_EQ(tables(), k_original_tables);
}

TEST_F(ExecTest, RestoreOnFailurePutsTheSnapshotBackAndKeepsTheFailedState) {
    const auto result = exec({"--restore-on-failure", "--json"},
                             sqlite3("CREATE TABLE mirrors (url TEXT); SELECT * FROM nowhere;"));
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_EQ(tables(), k_original_tables);
    const auto report = result.json();
    ASSERT_TRUE(report["restored"].is_object()) << result.out;
    const fs::path kept = report["restored"]["safety_snapshot"].get<std::string>();
    EXPECT_EQ(TestDb(kept, true).tables(),
              (std::vector<std::string>{"mirrors", "packages", "releases"}));
    EXPECT_EQ(report["error"]["exit_code"], 1);
    EXPECT_CONTAINS(report["error"]["message"].get<std::string>(), "was put back");
    EXPECT_EQ(TestDb(db(), true).scalar("SELECT count(*) FROM releases"), "2");
}

TEST_F(ExecTest, ANewForeignKeyViolationFailsTheRunAndIsRestored) {
    // sqlite3 leaves foreign keys off: the parent row goes, its release stays.
    const auto result =
        exec({"--restore-on-failure", "--json"}, sqlite3("DELETE FROM packages WHERE id = 1;"));
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    const auto report = result.json();
    EXPECT_EQ(report["command"]["exit_status"], 0);
    ASSERT_EQ(report["validation_errors"].size(), 1u) << result.out;
    EXPECT_CONTAINS(report["validation_errors"][0].get<std::string>(), "releases");
    EXPECT_EQ(TestDb(db(), true).scalar("SELECT count(*) FROM packages"), "2");
}

TEST_F(ExecTest, AViewThatNoLongerCompilesFailsTheRun) {
    const auto result = exec({}, sqlite3("ALTER TABLE packages RENAME TO old_packages;"
                                         "CREATE TABLE packages (id INTEGER PRIMARY KEY);"
                                         "DROP TABLE old_packages;"));
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.out, "package_names");
    EXPECT_CONTAINS(result.err, "its changes fail validation");
}

TEST_F(ExecTest, ABrokenViewThatWasAlreadyThereIsNoFailure) {
    TestDb(db()).exec(
        "CREATE TABLE gone (x); CREATE VIEW stale AS SELECT x FROM gone;"
        "DROP TABLE gone;");
    const auto result = exec({}, sqlite3("CREATE TABLE mirrors (url TEXT);"));
    EXPECT_EQ(result.exit_code, 0) << describe(result);
}

TEST_F(ExecTest, ArgumentsReachTheCommandAsGivenWithThePlaceholderAndVariablesSet) {
    const auto result =
        exec({"--env", "DATABASE_URL=file:{db}"},
             {"sh", "-c",
              "printf '%s\\n' \"$0\" \"$1\" \"$2\" \"$BELAY_DB\" \"$BELAY_SNAPSHOT\" "
              "\"$DATABASE_URL\" > args.txt",
              "{db}", "$HOME *", ""});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto taken = backups();
    ASSERT_EQ(taken.size(), 1u);
    EXPECT_EQ(read_file(dir() / "args.txt"), db().string() + "\n$HOME *\n\n" + db().string() +
                                                 "\n" + taken.front().string() +
                                                 "\nfile:" + db().string() + "\n");
}

TEST_F(ExecTest, WithJsonTheCommandsOutputGoesToStderr) {
    // It prints "applying 0002", which its command line does not hold (the report has that).
    const auto result = exec({"--json"}, {"sh", "-c", "echo applying 000$((1 + 1))"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_NO_THROW(result.json());
    EXPECT_CONTAINS(result.err, "applying 0002");
    EXPECT_NOT_CONTAINS(result.out, "applying 0002");
}

TEST_F(ExecTest, TheCommandsExitStatusIsInTheReport) {
    const auto result = exec({"--json"}, {"sh", "-c", "exit 3"});
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    const auto report = result.json();
    EXPECT_EQ(report["command"]["exit_status"], 3);
    EXPECT_EQ(report["error"]["exit_code"], 1);
    EXPECT_CONTAINS(report["error"]["message"].get<std::string>(), "exited with status 3");
}

TEST_F(ExecTest, TheTimeoutEndsTheWholeProcessGroupAndTheSnapshotGoesBack) {
    // The command forks a child that ignores SIGTERM, writes its pid, then waits forever.
    const auto result = exec({"--timeout", "1", "--restore-on-failure", "--json"},
                             {"sh", "-c",
                              "sqlite3 {db} 'CREATE TABLE mirrors (url TEXT)' && "
                              "(trap '' TERM; exec sleep 1000) & echo $! > child.pid; wait"});
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    const auto report = result.json();
    EXPECT_EQ(report["command"]["timed_out"], true);
    EXPECT_EQ(tables(), k_original_tables);
    const auto pid = std::stoi(read_file(dir() / "child.pid"));
    EXPECT_EQ(::kill(pid, 0), -1);
    EXPECT_EQ(errno, ESRCH) << "the command's child " << pid << " outlived belay";
}

TEST_F(ExecTest, SigtermToBelayIsPassedToTheCommand) {
    auto run = std::make_unique<BackgroundRun>(
        std::vector<std::string>{
            "db", "exec", "--db", db().string(), "--", "sh", "-c",
            "trap 'echo got-term > term.txt; exit 7' TERM; echo $((40 + 2))-ready >&2; "
            "while :; do sleep 0.05; done"},
        in_test_directory());
    // The command's own words (its command line, which belay prints first, has no "42").
    ASSERT_TRUE(run->wait_for_stderr("42-ready", std::chrono::seconds(60)));
    run->send_signal(SIGTERM);
    const auto result = run->wait();
    EXPECT_EQ(result.exit_code, 143) << describe(result);
    EXPECT_EQ(read_file(dir() / "term.txt"), "got-term\n");
    EXPECT_CONTAINS(result.err, "belay db restore");
}

TEST_F(ExecTest, ASecondSignalStillEndsWithTheCommandGoneAndTheReport) {
    // The command ignores SIGTERM: belay's SIGKILL after 5 s ends it.
    auto run = std::make_unique<BackgroundRun>(
        std::vector<std::string>{"db", "exec", "--db", db().string(), "--", "sh", "-c",
                                 "trap '' TERM; echo $$ > command.pid; echo $((40 + 2))-ready >&2; "
                                 "while :; do sleep 0.05; done"},
        in_test_directory());
    ASSERT_TRUE(run->wait_for_stderr("42-ready", std::chrono::seconds(60)));
    run->send_signal(SIGTERM);
    run->send_signal(SIGTERM);
    const auto result = run->wait();
    EXPECT_EQ(result.term_signal, 0) << "belay died of the second signal";
    EXPECT_EQ(result.exit_code, 143) << describe(result);
    EXPECT_CONTAINS(result.err, "belay db restore");
    const auto pid = std::stoi(read_file(dir() / "command.pid"));
    EXPECT_EQ(::kill(pid, 0), -1);
}

TEST_F(ExecTest, ADryRunLeavesTheDatabaseByteIdenticalAndRemovesItsCopy) {
    const auto before = sha256_of(db());
    const auto scratch = dir() / "tmp";
    fs::create_directory(scratch);
    const auto result = exec({"--dry-run", "--json"}, sqlite3("DROP TABLE releases;"),
                             with_env({{"TMPDIR", scratch.string()}}));
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto report = result.json();
    EXPECT_EQ(report["dry_run"], true);
    EXPECT_EQ(report["snapshot"], nullptr);
    EXPECT_EQ(report["schema_changes"][0]["name"], "releases");
    EXPECT_EQ(sha256_of(db()), before);
    EXPECT_TRUE(backups().empty());
    EXPECT_TRUE(list_dir(scratch).empty());
    EXPECT_NE(report["command"]["argv"][2].get<std::string>(), db().string());
}

TEST_F(ExecTest, AFailedDryRunSaysSoAndChangesNothing) {
    const auto before = sha256_of(db());
    const auto result = exec({"--dry-run"}, sqlite3("DELETE FROM packages;"));
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "this was a dry run on a copy");
    EXPECT_EQ(sha256_of(db()), before);
}

TEST_F(ExecTest, AnotherProcessHoldingTheDatabaseRefusesRestoreOnFailure) {
    TestDb holder(db(), true);  // this test's process keeps a connection open
    const auto result = exec({"--restore-on-failure"}, {"touch", (dir() / "ran").string()});
    ASSERT_EQ(result.exit_code, 5) << describe(result);
    EXPECT_CONTAINS(result.err, "pid " + std::to_string(::getpid()));
    EXPECT_CONTAINS(result.err, "Stop the application first");
    EXPECT_FALSE(fs::exists(dir() / "ran"));
    EXPECT_TRUE(backups().empty());
}

TEST_F(ExecTest, AnotherProcessHoldingTheDatabaseIsReportedWithoutRestoreOnFailure) {
    TestDb holder(db(), true);
    const auto result = exec({"--json"}, {"true"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto others = result.json()["other_processes"];
    ASSERT_FALSE(others.empty());
    EXPECT_EQ(others[0]["pid"], ::getpid());
}

TEST_F(ExecTest, AWriterTheCommandLeftInASessionOfItsOwnRefusesTheRestore) {
    // The command starts a writer outside its process group (setsid), which goes on writing
    // after the command fails: putting the snapshot back under it would lose its writes. (Its
    // output goes elsewhere: the test reads belay's until no process holds it.)
    const auto result =
        exec({"--restore-on-failure"},
             {"sh", "-c",
              "setsid sh -c 'echo $$ > writer.new && mv writer.new writer.pid; while :; do "
              "sqlite3 \"$BELAY_DB\" \"INSERT INTO packages (name) VALUES (42)\"; sleep 0.05; "
              "done' >/dev/null 2>&1 & "
              "until [ -e writer.pid ]; do sleep 0.01; done; exit 1"},
             in_test_directory());
    const auto writer = std::stoi(read_file(dir() / "writer.pid"));
    ::kill(-writer, SIGKILL);  // it leads its own process group
    ASSERT_EQ(result.exit_code, 5) << describe(result);
    EXPECT_CONTAINS(result.err, "The snapshot was NOT put back");
    EXPECT_CONTAINS(result.err, "processes the command started still run");
}

TEST_F(ExecTest, AProgramThatDoesNotExistIsRefusedBeforeAnything) {
    const auto before = sha256_of(db());
    const auto result = exec({}, {"no-such-migrator", "up"});
    ASSERT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "no-such-migrator");
    EXPECT_TRUE(backups().empty());
    EXPECT_EQ(sha256_of(db()), before);
}

TEST_F(ExecTest, NoCommandIsAUsageError) {
    const auto result = run_raw({"db", "exec", "--db", db().string()});
    ASSERT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "after `--`");
}

TEST_F(ExecTest, ADatabaseTheCommandCreatesNeedsNoSnapshot) {
    fs::remove(db());
    const auto result = exec({"--json"}, sqlite3("CREATE TABLE t (x);"));
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto report = result.json();
    EXPECT_EQ(report["database_existed"], false);
    EXPECT_EQ(report["snapshot"], nullptr);
    EXPECT_EQ(tables(), std::vector<std::string>{"t"});
}

TEST_F(ExecTest, WhatAToolsHistoryTableRecordedIsReported) {
    const auto result = exec({}, sqlite3("CREATE TABLE schema_migrations (version VARCHAR(128) "
                                         "PRIMARY KEY);"
                                         "INSERT INTO schema_migrations VALUES ('20240101000000'),"
                                         "('20240102000000');"));
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out,
                    "dbmate (schema_migrations): created its table; applied 20240101000000, "
                    "20240102000000");
}

TEST_F(ExecTest, ADryRunWhoseCommandWritesTheRealDatabaseFails) {
    // The tool finds the database on its own (as from a .env file), not through {db}.
    const auto result =
        exec({"--dry-run", "--json"}, {"sqlite3", db().string(), "CREATE TABLE leak (x)"});
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    const auto report = result.json();
    EXPECT_EQ(report["database_changed"], true);
    EXPECT_CONTAINS(report["error"]["message"].get<std::string>(), "although this was a dry run");
}

TEST_F(ExecTest, BelaysOwnVariablesCannotBeOverridden) {
    const auto before = sha256_of(db());
    const auto result = exec({"--dry-run", "--env", "BELAY_DB=app.db"}, {"true"});
    ASSERT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "--env BELAY_DB");
    EXPECT_EQ(sha256_of(db()), before);
}

TEST_F(ExecTest, ADryRunRefusesAHotJournalAndLeavesBothFilesAsTheyWere) {
    std::string journal("\xd9\xd5\x05\xf9\x20\xa1\x63\xd7", 8);
    journal.resize(512, '\0');
    write_file("app.db-journal", journal);
    const auto database = sha256_of(db());
    const auto result = exec({"--dry-run"}, {"true"});
    ASSERT_EQ(result.exit_code, 5) << describe(result);
    EXPECT_CONTAINS(result.err, "hot journal");
    EXPECT_EQ(sha256_of(db()), database);
    EXPECT_EQ(read_file(dir() / "app.db-journal"), journal);
}

TEST_F(ExecTest, NoRestoreOverAFileTheCommandPutASymlinkTo) {
    const auto other = dir() / "prod.db";
    TestDb(other).exec("CREATE TABLE important (x); INSERT INTO important VALUES ('prod data');");
    const auto prod = sha256_of(other);
    const auto result =
        exec({"--restore-on-failure"},
             {"sh", "-c", "rm \"$BELAY_DB\" && ln -s prod.db \"$BELAY_DB\" && exit 1"});
    ASSERT_EQ(result.exit_code, 5) << describe(result);
    EXPECT_CONTAINS(result.err, "was NOT put back");
    EXPECT_CONTAINS(result.err, other.string());
    EXPECT_EQ(sha256_of(other), prod);
}

TEST_F(ExecTest, DamageThatWasThereBeforeIsNotBlamedOnTheCommand) {
    TestDb(db()).exec(
        "CREATE TABLE t (x, y); CREATE INDEX ti ON t (x);"
        "INSERT INTO t VALUES (1, 10), (2, 20);"
        "PRAGMA writable_schema = ON;"
        "UPDATE sqlite_schema SET sql = 'CREATE INDEX ti ON t (y)' WHERE name = 'ti';");
    const auto result = exec({"--json"}, {"true"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto report = result.json();
    EXPECT_TRUE(report["integrity_problems"].empty());
    EXPECT_CONTAINS(report["notes"].dump(), "failed integrity_check before the command");
}

TEST_F(ExecTest, ADatabasePathStartingWithADashReachesTheCommandAsAPath) {
    fs::copy_file(db(), dir() / "-x.db");
    const auto result = run_raw({"db", "exec", "--db", "-x.db", "--", "sh", "-c",
                                 "printf %s \"$1\" > arg.txt", "sh", "{db}"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(read_file(dir() / "arg.txt"), "./-x.db");
}

TEST_F(ExecTest, ADatabaseWithNoTablesButAUserVersionIsSnapshotted) {
    fs::remove(db());
    TestDb(db()).exec("PRAGMA user_version = 7");
    const auto result =
        exec({"--restore-on-failure"},
             {"sh", "-c", "sqlite3 \"$BELAY_DB\" 'PRAGMA user_version = 8'; exit 1"});
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_EQ(TestDb(db(), true).scalar("PRAGMA user_version"), "7");
}

}  // namespace
}  // namespace belay::testing
