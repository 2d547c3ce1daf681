// The command lines belay advises (the restore that undoes a run, the directory to create) are
// run as printed, through a real shell, whatever the paths hold.
#include <sys/wait.h>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class AdvisedCommandsTest : public E2eTest {
  protected:
    // Runs `command` (a line belay printed, starting with `belay`) with bash in dir(), with the
    // belay under test first on PATH; returns its exit status.
    int run_printed(const std::string& command) const {
        int status = -1;
        const auto output = shell_output("cd '" + dir().string() + "' && PATH='" +
                                             belay_binary().parent_path().string() +
                                             "':\"$PATH\" bash -c " + quoted(command) + " 2>&1",
                                         &status);
        EXPECT_EQ(WEXITSTATUS(status), 0) << command << "\n" << output;
        return WEXITSTATUS(status);
    }

    static std::string quoted(const std::string& text) {
        std::string result = "'";
        for (char c : text) {
            result += c == '\'' ? std::string("'\\''") : std::string(1, c);
        }
        return result + "'";
    }

    // The line after "To undo the whole run:" in a failed run's message.
    static std::string undo_line(const std::string& err) {
        const std::string marker = "To undo the whole run:\n  ";
        const auto at = err.find(marker);
        if (at == std::string::npos) {
            return "";
        }
        const auto start = at + marker.size();
        return err.substr(start, err.find('\n', start) - start);
    }
};

// breakit: `belay db migrate --db=-x.db` printed `belay db restore --db -x.db
// -x-20261206-110558.bak` after a failing step, and that command exited 2 ("unrecognised
// option"): the backup's relative path starting with '-' was read as an option. The printed
// command (and --json's restore_command) now runs as it is and restores the database.
TEST_F(AdvisedCommandsTest, TheRestoreCommandAfterAFailedRunWorksForPathsStartingWithADash) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);\nINSERT INTO a VALUES (1);"));
    ASSERT_EQ(run_raw({"db", "migrate", "--db=-x.db", "--migrations", "migrations"}).exit_code, 0);
    const auto before = database_contents(dir() / "-x.db");
    write_migration("0002_b.sql", up_only("CREATE TABLE b (x);"));
    write_migration("0003_c.sql", up_only("INSERT INTO no_such_table VALUES (1);"));
    for (const bool json : {false, true}) {
        std::vector<std::string> args{"db", "migrate", "--db=-x.db", "--migrations", "migrations"};
        if (json) {
            args.emplace_back("--json");
        }
        auto failed = run_raw(args);
        ASSERT_EQ(failed.exit_code, 1) << describe(failed);
        const auto command =
            json ? failed.json()["restore_command"].get<std::string>() : undo_line(failed.err);
        EXPECT_TRUE(command.starts_with("belay db restore --db=-x.db ./-x-")) << failed.err;
        EXPECT_TRUE(TestDb(dir() / "-x.db", true).has_object("b")) << "0002 stays applied";
        EXPECT_EQ(run_printed(command + " --yes"), 0);
        EXPECT_EQ(database_contents(dir() / "-x.db"), before) << command;
    }
}

// breakit: `belay db backup --db "it's $x.db" --backup-dir "no dir/it's"` advised `create it
// (mkdir -p no dir/it's)`, which a shell cannot run. The directory is now quoted; run as
// printed, the command creates it, and the backup then goes there.
TEST_F(AdvisedCommandsTest, TheMkdirForAMissingBackupDirectoryIsQuotedForTheShell) {
    TestDb(dir() / "it's $x.db").exec("CREATE TABLE t (x);");
    const std::vector<std::string> backup{"db",         "backup",       "--db",
                                          "it's $x.db", "--backup-dir", "no dir/it's"};
    auto refused = run_raw(backup);
    ASSERT_EQ(refused.exit_code, 3) << describe(refused);
    EXPECT_CONTAINS(refused.err,
                    "does not exist (belay does not create it): create it (mkdir -p "
                    "'no dir/it'\\''s') or choose another --backup-dir")
        << refused.err;
    const auto open = refused.err.find("(mkdir -p ");
    const auto command = refused.err.substr(open + 1, refused.err.find(") or", open) - open - 1);
    EXPECT_EQ(run_printed(command), 0);
    EXPECT_TRUE(fs::is_directory(dir() / "no dir" / "it's"));
    auto taken = run_raw(backup);
    EXPECT_EQ(taken.exit_code, 0) << describe(taken);
    EXPECT_EQ(names_ending_with(dir() / "no dir" / "it's", ".bak").size(), 1U);
}

// A directory whose name starts with '-': mkdir would read it as its options.
TEST_F(AdvisedCommandsTest, TheMkdirForADirectoryStartingWithADashEndsMkdirsOptions) {
    TestDb(dir() / "x.db").exec("CREATE TABLE t (x);");
    const std::vector<std::string> backup{"db", "backup", "--db=x.db", "--backup-dir=-no dir"};
    auto refused = run_raw(backup);
    ASSERT_EQ(refused.exit_code, 3) << describe(refused);
    const auto open = refused.err.find("(mkdir -p ");
    ASSERT_NE(open, std::string::npos) << refused.err;
    const auto command = refused.err.substr(open + 1, refused.err.find(") or", open) - open - 1);
    EXPECT_EQ(command, "mkdir -p -- '-no dir'");
    EXPECT_EQ(run_printed(command), 0);
    EXPECT_TRUE(fs::is_directory(dir() / "-no dir"));
    auto taken = run_raw(backup);
    EXPECT_EQ(taken.exit_code, 0) << describe(taken);
}

// breakit: a refusal advised `belay db repair` and `belay db status` without the database, so
// the command printed worked only where the database was the default one. The calls belay
// advises name the database they are about, and run as printed.
TEST_F(AdvisedCommandsTest, TheCommandsAdvisedForADatabaseNameIt) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    write_migration("0002_bad.sql", R"(-- +migrate Up notransaction
CREATE TABLE half (x);
INSERT INTO no_such_table VALUES (1);
)");
    const std::vector<std::string> db{"--db", "my app.db", "--no-backup"};
    const auto migrate = [&](std::vector<std::string> extra) {
        std::vector<std::string> args{"db", "migrate"};
        args.insert(args.end(), db.begin(), db.end());
        args.insert(args.end(), extra.begin(), extra.end());
        return run_raw(args);
    };
    auto unknown = migrate({"--to", "0009"});
    EXPECT_EQ(unknown.exit_code, 2) << describe(unknown);
    EXPECT_CONTAINS(unknown.err, "run belay db status --db 'my app.db' to see the versions");
    EXPECT_EQ(run_printed("belay db status --db 'my app.db'"), 0);

    ASSERT_EQ(migrate({}).exit_code, 1) << "0002 fails and leaves its dirty mark";
    auto dirty = migrate({});
    EXPECT_EQ(dirty.exit_code, 5) << describe(dirty);
    EXPECT_CONTAINS(dirty.err, "clear the mark with belay db repair --db 'my app.db'");
    TestDb(dir() / "my app.db").exec("DROP TABLE half;");
    write_migration("0002_bad.sql", up_only("CREATE TABLE half (x);"));
    EXPECT_EQ(run_printed("belay db repair --db 'my app.db' --yes"), 0);
    EXPECT_EQ(migrate({}).exit_code, 0);
}

// breakit: with `--table app_history --migrations 'db/my migrations'`, belay advised `belay db
// repair --db 'my app.db'`: pasted as printed it looked at schema_migrations in ./migrations
// and cleared nothing. Advised calls carry a history table, migrations directory, layout and
// backup directory that are not the defaults, quoted for the shell, and work as printed.
TEST_F(AdvisedCommandsTest, TheCommandsAdvisedCarryANonDefaultTableAndMigrationsDirectory) {
    fs::create_directories(dir() / "db" / "my migrations");
    write_file("db/my migrations/0001_a.sql", up_only("CREATE TABLE a (x);"));
    write_file("db/my migrations/0002_bad.sql", R"(-- +migrate Up notransaction
CREATE TABLE half (x);
INSERT INTO no_such_table VALUES (1);
)");
    fs::create_directories(dir() / "it's backups");
    const std::vector<std::string> options{"--db",         "my app.db",    "--table",
                                           "app_history",  "--migrations", "db/my migrations",
                                           "--backup-dir", "it's backups"};
    const auto migrate = [&](std::vector<std::string> extra) {
        std::vector<std::string> args{"db", "migrate"};
        args.insert(args.end(), options.begin(), options.end());
        args.insert(args.end(), extra.begin(), extra.end());
        return run_raw(args);
    };
    const std::string carried =
        "--db 'my app.db' --table app_history --migrations 'db/my migrations'";
    auto unknown = migrate({"--to", "0009"});
    EXPECT_EQ(unknown.exit_code, 2) << describe(unknown);
    EXPECT_CONTAINS(unknown.err, "run belay db status " + carried + " to see the versions")
        << unknown.err;

    ASSERT_EQ(migrate({}).exit_code, 1) << "0002 fails and leaves its dirty mark";
    auto dirty = migrate({});
    EXPECT_EQ(dirty.exit_code, 5) << describe(dirty);
    const std::string repair = "belay db repair " + carried + " --backup-dir 'it'\\''s backups'";
    EXPECT_CONTAINS(dirty.err, "clear the mark with " + repair) << dirty.err;
    TestDb(dir() / "my app.db").exec("DROP TABLE half;");
    write_file("db/my migrations/0002_bad.sql", up_only("CREATE TABLE half (x);"));
    EXPECT_EQ(run_printed(repair + " --yes"), 0);
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty())
        << "the repair's snapshot went beside the database, not to the backup directory";
    auto fixed = migrate({});
    EXPECT_EQ(fixed.exit_code, 0) << describe(fixed);
    EXPECT_EQ(TestDb(dir() / "my app.db", true)
                  .column("SELECT version FROM app_history ORDER BY version"),
              (std::vector<std::string>{"0001", "0002"}));
}

// The restore that undoes a run names the history table it reports versions from; a
// table name starting with '-' is joined to its flag, so it is not read as an option.
TEST_F(AdvisedCommandsTest, TheRestoreThatUndoesARunCarriesTheHistoryTable) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);\nINSERT INTO a VALUES (1);"));
    const std::vector<std::string> args{"db",    "migrate",      "--db=x.db", "--table",
                                        "-hist", "--migrations", "migrations"};
    ASSERT_EQ(run_raw(args).exit_code, 0);
    const auto before = database_contents(dir() / "x.db");
    write_migration("0002_b.sql", up_only("CREATE TABLE b (x);"));
    write_migration("0003_c.sql", up_only("INSERT INTO no_such_table VALUES (1);"));
    auto failed = run_raw(args);
    ASSERT_EQ(failed.exit_code, 1) << describe(failed);
    const auto command = undo_line(failed.err);
    EXPECT_TRUE(command.starts_with("belay db restore --db x.db --table=-hist x-")) << command;
    EXPECT_EQ(run_printed(command + " --yes"), 0);
    EXPECT_EQ(database_contents(dir() / "x.db"), before) << command;
}

}  // namespace
}  // namespace belay::testing
