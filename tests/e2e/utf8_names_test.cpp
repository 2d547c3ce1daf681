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
