// Names that are not UTF-8: a path or a file name on Linux may hold any byte, but belay writes
// paths and migration names into JSON (sidecars, --json reports), which holds UTF-8 only. Such a
// database path, backup directory or migration file name is refused before anything is opened
// (exit 2, the name shown with its bad bytes escaped), and any other text that is not UTF-8
// (a file's bytes quoted in a message) still leaves --json a document on stdout: a command
// never does its work and then fails to report it (it used to exit 70 after committing).
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class Utf8NamesTest : public E2eTest {
  protected:
    void SetUp() override {
        write_migration("0001_a.sql", up_only("CREATE TABLE t (a);"));
        auto first = belay("migrate");
        ASSERT_EQ(first.exit_code, 0) << describe(first);
    }
};

// stdout of a --json run that failed: one error document with its exit status.
void expect_json_error(const RunResult& result, int exit_code, const std::string& words) {
    EXPECT_EQ(result.exit_code, exit_code) << describe(result);
    nlohmann::json document;
    ASSERT_NO_THROW(document = result.json()) << "stdout: [" << result.out << "]";
    EXPECT_EQ(document.at("error").at("exit_code"), exit_code) << result.out;
    EXPECT_CONTAINS(document.at("error").at("message").get<std::string>(), words) << result.out;
}

TEST_F(Utf8NamesTest, AMigrationFileNameThatIsNotUtf8IsRefusedBeforeAnythingIsApplied) {
    write_migration("0002_b\xfe.sql", up_only("CREATE TABLE u (a);"));
    const auto before = sha256_of(db());

    auto json = belay("migrate", {"--json"});
    expect_json_error(json, 2, "0002_b\\xfe.sql: the file name is not valid UTF-8");
    auto text = belay("migrate");
    EXPECT_EQ(text.exit_code, 2) << describe(text);
    EXPECT_CONTAINS(text.err, "migrations/0002_b\\xfe.sql: the file name is not valid UTF-8")
        << text.err;
    EXPECT_CONTAINS(text.err, "Rename the file to a UTF-8 name") << text.err;
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"});
    EXPECT_EQ(sha256_of(db()), before);
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty()) << "a refused run took a snapshot";

    expect_json_error(belay("status", {"--json"}), 2, "0002_b\\xfe.sql");
    // lint --strict fails where migrate refuses the files.
    expect_json_error(belay("lint", {"--strict", "--json"}), 2, "0002_b\\xfe.sql");

    fs::rename(migrations() / "0002_b\xfe.sql", migrations() / "0002_b.sql");
    auto renamed = belay("migrate", {"--json"});
    ASSERT_EQ(renamed.exit_code, 0) << describe(renamed);
    EXPECT_EQ(renamed.json().at("steps").size(), 1u) << renamed.out;
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
}

TEST_F(Utf8NamesTest, ADatabasePathThatIsNotUtf8IsRefusedAndNothingIsCreated) {
    const std::string bad = "bad\xff.db";
    const auto files = list_dir(dir());
    const std::vector<std::string> common = {"--db", bad, "--migrations", "migrations"};
    for (const auto* command : {"migrate", "status", "backup", "backups", "check"}) {
        auto args = std::vector<std::string>{"db", command};
        args.insert(args.end(), common.begin(), common.end());
        auto text = run_raw(args);
        EXPECT_EQ(text.exit_code, 2) << command << "\n" << describe(text);
        EXPECT_CONTAINS(text.err, "--db bad\\xff.db: this path is not valid UTF-8") << text.err;
        EXPECT_CONTAINS(text.err, "rename the file (or the directory that holds it)") << text.err;
        args.push_back("--json");
        expect_json_error(run_raw(args), 2, "--db bad\\xff.db");
    }
    EXPECT_EQ(list_dir(dir()), files) << "a refused command created a file";

    // One that exists already (made by another program): no backup, no sidecar, no change.
    TestDb(dir() / bad).exec("CREATE TABLE kept (x);");
    const auto sha = sha256_of(dir() / bad);
    auto backup = run_raw({"db", "backup", "--db", bad});
    EXPECT_EQ(backup.exit_code, 2) << describe(backup);
    auto migrate = run_raw({"db", "migrate", "--db", bad, "--migrations", "migrations"});
    EXPECT_EQ(migrate.exit_code, 2) << describe(migrate);
    EXPECT_EQ(sha256_of(dir() / bad), sha);
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());
}

TEST_F(Utf8NamesTest, ABackupDirectoryOrAFullPathThatIsNotUtf8IsRefused) {
    fs::create_directory(dir() / "backups\xfe");
    TestDb(db()).exec("INSERT INTO t VALUES (1);");
    auto backup = belay("backup", {"--backup-dir", "backups\xfe"});
    EXPECT_EQ(backup.exit_code, 2) << describe(backup);
    EXPECT_CONTAINS(backup.err, "--backup-dir backups\\xfe: this path is not valid UTF-8")
        << backup.err;
    EXPECT_TRUE(fs::is_empty(dir() / "backups\xfe"));

    // A UTF-8 --db whose full path (what a sidecar records) is not: the current directory.
    const auto inside = dir() / "here\xfe";
    fs::create_directory(inside);
    fs::copy_file(db(), inside / "app.db");
    RunOptions there;
    there.cwd = inside;
    auto run = run_raw({"db", "backup", "--db", "app.db"}, there);
    EXPECT_EQ(run.exit_code, 2) << describe(run);
    EXPECT_CONTAINS(run.err, "--db app.db: its full path ") << run.err;
    EXPECT_CONTAINS(run.err, "/here\\xfe/app.db is not valid UTF-8") << run.err;
    EXPECT_EQ(list_dir(inside), std::vector<std::string>{"app.db"});

    // A database that does not exist yet, in such a directory or behind a symlink into one: it
    // would be created and migrated, and then refused by every later command.
    auto fresh = run_raw(
        {"db", "migrate", "--db", "new.db", "--migrations", migrations().string(), "--json"},
        there);
    expect_json_error(fresh, 2, "is not valid UTF-8");
    EXPECT_EQ(list_dir(inside), std::vector<std::string>{"app.db"});
    fs::create_symlink(inside / "linked.db", dir() / "link.db");
    auto linked = run_raw({"db", "migrate", "--db", (dir() / "link.db").string(), "--migrations",
                           migrations().string()});
    EXPECT_EQ(linked.exit_code, 2) << describe(linked);
    EXPECT_CONTAINS(linked.err, "here\\xfe/linked.db is not valid UTF-8") << linked.err;
    EXPECT_EQ(list_dir(inside), std::vector<std::string>{"app.db"});
}

// breakit: BELAY_DB, BELAY_BACKUP_DIR, `db = ` and `backup-dir = ` in belay.ini holding bytes
// that are not UTF-8 were refused as `--db bad\xff.db: ...`, a flag nobody gave. They are named
// where they were set, as every other bad value is, and nothing is touched.
TEST_F(Utf8NamesTest, APathThatIsNotUtf8IsNamedWhereItWasSet) {
    fs::create_directory(dir() / "backups\xfe");
    const auto sha = sha256_of(db());
    const auto expect_refused = [&](const RunResult& result, const std::string& named,
                                    const std::string& rename) {
        EXPECT_EQ(result.exit_code, 2) << describe(result);
        EXPECT_CONTAINS(result.err, "belay: error: " + named +
                                        ": this path is not valid UTF-8 (the bytes that are not "
                                        "are shown as \\xNN)")
            << result.err;
        EXPECT_CONTAINS(result.err, "Nothing was changed; rename " + rename + " to a UTF-8 name")
            << result.err;
        EXPECT_NOT_CONTAINS(result.err, "--db") << result.err;
        EXPECT_NOT_CONTAINS(result.err, "--backup-dir") << result.err;
    };
    const std::string file = "the file (or the directory that holds it)";
    expect_refused(run_raw({"db", "backup"}, with_env({{"BELAY_DB", "bad\xff.db"}})),
                   "environment variable BELAY_DB=bad\\xff.db", file);
    expect_refused(run_raw({"db", "backup", "--db", "app.db"},
                           with_env({{"BELAY_BACKUP_DIR", "backups\xfe"}})),
                   "environment variable BELAY_BACKUP_DIR=backups\\xfe", "the directory");
    write_file("belay.ini", "migrations = migrations\ndb = bad\xff.db\n");
    expect_refused(run_raw({"db", "migrate"}), "config file belay.ini:2: db = bad\\xff.db", file);
    write_file("belay.ini", "db = app.db\nbackup-dir = backups\xfe\n");
    expect_refused(run_raw({"db", "backup"}), "config file belay.ini:2: backup-dir = backups\\xfe",
                   "the directory");
    // A bad value in the environment or belay.ini is an error in the options: stderr only.
    auto json = run_raw({"db", "backup", "--json"});
    EXPECT_EQ(json.exit_code, 2) << describe(json);
    EXPECT_EQ(json.out, "");

    EXPECT_EQ(sha256_of(db()), sha);
    EXPECT_FALSE(fs::exists(dir() / "bad\xff.db"));
    EXPECT_TRUE(fs::is_empty(dir() / "backups\xfe"));
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());
}

// breakit: `--table`, BELAY_TABLE and belay.ini's `table` took a name with an escape sequence or
// bytes that are not UTF-8, and belay created that table. Such a name is refused wherever it
// was set, the bad byte shown escaped, before the database is opened.
TEST_F(Utf8NamesTest, AHistoryTableNameWithAControlCharacterOrNotUtf8IsRefused) {
    const auto sha = sha256_of(db());
    const auto tables = TestDb(db(), true).tables();
    const std::string control = "the history table's name holds the control character ";
    const std::string not_utf8 = "the history table's name is not valid UTF-8";
    const auto expect_refused = [&](const RunResult& result, const std::string& expected) {
        EXPECT_EQ(result.exit_code, 2) << describe(result);
        EXPECT_CONTAINS(result.err, "belay: error: " + expected) << result.err;
        EXPECT_EQ(sha256_of(db()), sha) << expected;
    };
    expect_refused(belay("migrate", {"--table", "hist\x1b[31m"}),
                   "--table hist\\x1b[31m: " + control + "\\x1b; belay names the table");
    expect_refused(belay("status", {"--table", "hist\xff"}), "--table hist\\xff: " + not_utf8);
    expect_refused(belay("migrate", {"--table", "h\xc2\x9bx"}),
                   "--table h\\u009bx: " + control + "\\u009b");
    expect_refused(belay("migrate", {}, with_env({{"BELAY_TABLE", "hist\a"}})),
                   "environment variable BELAY_TABLE=hist\\x07: " + control + "\\x07");
    write_file("belay.ini", "table = hist\xfe\n");
    expect_refused(belay("migrate"), "config file belay.ini:1: table = hist\\xfe: " + not_utf8);
    write_file("belay.ini", "table = a\tb\n");
    expect_refused(belay("migrate"), "config file belay.ini:1: table = a\\x09b: " + control);
    expect_refused(belay("migrate", {"--json"}), "config file belay.ini:1: table = a\\x09b: " +
                                                     control + "\\x09; belay names the table");
    EXPECT_EQ(TestDb(db(), true).tables(), tables) << "a history table was created";
}

// breakit: `db backup --out` and `db restore PATH` took a path that is not UTF-8, and wrote the
// backup (or restored it) under a name no JSON report can hold. Both are refused as the
// database's path is, before anything is written.
TEST_F(Utf8NamesTest, ABackupPathThatIsNotUtf8IsRefusedAndNothingIsWritten) {
    auto out = belay("backup", {"--out", "copy\xff.bak"});
    EXPECT_EQ(out.exit_code, 2) << describe(out);
    EXPECT_CONTAINS(out.err, "belay: error: --out copy\\xff.bak: this path is not valid UTF-8")
        << out.err;
    EXPECT_CONTAINS(out.err, "give a path whose every name is UTF-8") << out.err;
    EXPECT_FALSE(fs::exists(dir() / "copy\xff.bak"));
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());

    ASSERT_EQ(belay("backup", {"--out", "good.bak"}).exit_code, 0);
    fs::rename(dir() / "good.bak", dir() / "bad\xfe.bak");
    fs::rename(dir() / "good.bak.json", dir() / "bad\xfe.bak.json");
    TestDb(db()).exec("INSERT INTO t VALUES (1);");
    const auto sha = sha256_of(db());
    const auto files = list_dir(dir());
    auto restore = run_raw({"db", "restore", "--db", "app.db", "bad\xfe.bak", "--yes"});
    EXPECT_EQ(restore.exit_code, 2) << describe(restore);
    EXPECT_CONTAINS(restore.err, "belay: error: backup bad\\xfe.bak: this path is not valid UTF-8")
        << restore.err;
    EXPECT_CONTAINS(restore.err, "rename the backup and its sidecar") << restore.err;
    expect_json_error(
        run_raw({"db", "restore", "--db", "app.db", "bad\xfe.bak", "--yes", "--json"}), 2,
        "backup bad\\xfe.bak: this path is not valid UTF-8");
    EXPECT_EQ(sha256_of(db()), sha) << "the database was restored";
    EXPECT_EQ(list_dir(dir()), files) << "a safety snapshot or a temporary was written";
}

// The safety net: a failing statement whose text (and so SQLite's message) holds a byte that is
// not UTF-8. The step is rolled back and recorded, and --json reports it, the bad byte as U+FFFD.
TEST_F(Utf8NamesTest, TextThatIsNotUtf8InAMessageStillLeavesAJsonReport) {
    write_migration("0002_b.sql", up_only("INSERT INTO \"no_such_\xff\" VALUES (1);"));
    auto json = belay("migrate", {"--json"});
    EXPECT_EQ(json.exit_code, 1) << describe(json);
    nlohmann::json report;
    ASSERT_NO_THROW(report = json.json()) << "stdout: [" << json.out << "]";
    EXPECT_CONTAINS(report.at("error").at("message").get<std::string>(),
                    "no such table: no_such_\xef\xbf\xbd")
        << json.out;
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"});

    auto status = belay("status", {"--json"});
    EXPECT_EQ(status.exit_code, 0) << describe(status);
    ASSERT_NO_THROW(status.json()) << "stdout: [" << status.out << "]";
    EXPECT_EQ(status.json().at("migrations").at(1).at("status"), "failed") << status.out;
}

}  // namespace
}  // namespace belay::testing
