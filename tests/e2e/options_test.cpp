// Where options come from (command line > BELAY_* environment > belay.ini / --config > default)
// and how usage errors are reported (exit 2, a message naming the culprit).
#include <regex>

#include <fmt/format.h>

#include "belay/api.hpp"
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class OptionsTest : public E2eTest {
  protected:
    void SetUp() override {
        write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
        write_file("other/0001_b.sql", up_only("CREATE TABLE b (x);"));
    }
    // `belay db status --json` with `args`, run in dir(); returns the database it looked at.
    std::string database_used(const std::vector<std::string>& args, RunOptions options = {}) {
        std::vector<std::string> all{"db", "status", "--json"};
        all.insert(all.end(), args.begin(), args.end());
        auto result = run_raw(all, std::move(options));
        EXPECT_EQ(result.exit_code, 0) << describe(result);
        return result.exit_code == 0 ? result.json()["database"].get<std::string>() : "";
    }
};

TEST_F(OptionsTest, MissingDatabaseIsAUsageErrorNamingTheWaysToGiveIt) {
    for (const auto* command : {"migrate", "status", "version"}) {
        auto result = run_raw({"db", command});
        EXPECT_EQ(result.exit_code, 2) << command << ": " << describe(result);
        EXPECT_CONTAINS(result.err, "--db") << result.err;
        EXPECT_CONTAINS(result.err, "BELAY_DB") << result.err;
    }
}

TEST_F(OptionsTest, DatabaseAndMigrationsFromTheEnvironment) {
    EXPECT_EQ(database_used({}, with_env({{"BELAY_DB", "env.db"}})), "env.db");
    auto result = run_raw({"db", "migrate"},
                          with_env({{"BELAY_DB", "env.db"}, {"BELAY_MIGRATIONS", "other"}}));
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_TRUE(TestDb(dir() / "env.db", true).has_object("b"));
}

TEST_F(OptionsTest, BelayIniInTheCurrentDirectoryIsRead) {
    write_file("belay.ini", "# settings\ndb = ini.db\nmigrations = other\n");
    EXPECT_EQ(database_used({}), "ini.db");
    auto result = run_raw({"db", "migrate"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_TRUE(TestDb(dir() / "ini.db", true).has_object("b"));
}

TEST_F(OptionsTest, ConfigOptionNamesAnotherFile) {
    write_file("belay.ini", "db = ini.db\n");
    write_file("conf/special.ini", "db = special.db\n");
    EXPECT_EQ(database_used({"--config", "conf/special.ini"}), "special.db");
    EXPECT_EQ(database_used({}, with_env({{"BELAY_CONFIG", "conf/special.ini"}})), "special.db");
    auto missing = run_raw({"db", "status", "--config", "conf/nope.ini"});
    EXPECT_EQ(missing.exit_code, 2) << describe(missing);
    EXPECT_CONTAINS(missing.err, "nope.ini") << missing.err;
}

TEST_F(OptionsTest, CommandLineBeatsEnvironmentBeatsFile) {
    write_file("belay.ini", "db = file.db\n");
    const auto env = with_env({{"BELAY_DB", "env.db"}});
    EXPECT_EQ(database_used({"--db", "cli.db"}, env), "cli.db");
    EXPECT_EQ(database_used({}, env), "env.db");
    EXPECT_EQ(database_used({}), "file.db");
    EXPECT_EQ(database_used({"--db", "cli.db"}), "cli.db");
}

TEST_F(OptionsTest, StepTimeoutFromEnvironmentAndFile) {
    write_migration("0002_runaway.sql", up_only(k_runaway));
    auto from_env = belay("migrate", {}, with_env({{"BELAY_STEP_TIMEOUT", "1"}}));
    EXPECT_EQ(from_env.exit_code, 1) << describe(from_env);
    EXPECT_LT(from_env.seconds, 20.0);

    // The file may hold migrate's options; status and version ignore them.
    write_file("belay.ini", "step-timeout = 1\nvalidate = strict\n");
    auto from_file = belay("migrate");
    EXPECT_EQ(from_file.exit_code, 1) << describe(from_file);
    EXPECT_LT(from_file.seconds, 20.0);
    EXPECT_EQ(belay("status").exit_code, 0);
    EXPECT_EQ(belay("version").exit_code, 0);
}

TEST_F(OptionsTest, JsonSwitchFromTheEnvironment) {
    auto result = belay("status", {}, with_env({{"BELAY_JSON", "true"}}));
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(result.json()["pending"], 1);
    auto numeric = belay("version", {}, with_env({{"BELAY_JSON", "1"}}));
    ASSERT_EQ(numeric.exit_code, 0) << describe(numeric);
    EXPECT_EQ(numeric.json()["version"], "0");
}

TEST_F(OptionsTest, UnknownOptionsCommandsAndValuesAreUsageErrors) {
    const std::vector<std::vector<std::string>> cases{
        {"db", "migrate", "--db", "app.db", "--frobnicate"},
        {"db", "status", "--db", "app.db", "--dry-run"},  // migrate's option, not status's
        {"db", "frobnicate", "--db", "app.db"},
        {"frobnicate"},
        {},
        {"db", "migrate", "--db", "app.db", "--lock-timeout", "soon"},
        {"db", "migrate", "--db", "app.db", "--step-timeout", "-3"},
        {"db", "migrate", "--db", "app.db", "--validate", "paranoid"},
        {"db", "migrate", "--db", "app.db", "--to", "latest"},
        {"db", "status", "--db", "app.db", "--log-level", "loud"},
    };
    for (const auto& args : cases) {
        auto result = run_raw(args);
        EXPECT_EQ(result.exit_code, 2) << ::testing::PrintToString(args) << "\n"
                                       << describe(result);
        EXPECT_CONTAINS(result.err, "belay") << result.err;
    }
    EXPECT_FALSE(fs::exists(db()));
}

TEST_F(OptionsTest, UnknownKeyInTheConfigFileIsAUsageErrorNamingFileAndKey) {
    write_file("belay.ini", "db = app.db\nstep_timout = 5\n");
    auto result = run_raw({"db", "status"});
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "belay.ini") << result.err;
    EXPECT_CONTAINS(result.err, "step_timout") << result.err;
}

TEST_F(OptionsTest, MissingMigrationsDirectoryIsAUsageErrorNamingIt) {
    for (const auto* command : {"migrate", "status"}) {
        auto result = run_raw({"db", command, "--db", "app.db", "--migrations", "no_such_dir"});
        EXPECT_EQ(result.exit_code, 2) << command << ": " << describe(result);
        EXPECT_CONTAINS(result.err, "no_such_dir") << result.err;
    }
    EXPECT_FALSE(fs::exists(db()));
}

TEST_F(OptionsTest, DatabaseInAMissingDirectoryIsAUsageErrorNamingIt) {
    auto result = run_raw({"db", "migrate", "--db", "no_such_dir/app.db"});
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "no_such_dir") << result.err;
    EXPECT_FALSE(fs::exists(dir() / "no_such_dir"));
    fs::create_directories(dir() / "a_directory");
    auto directory = run_raw({"db", "migrate", "--db", "a_directory"});
    EXPECT_EQ(directory.exit_code, 2) << describe(directory);
    EXPECT_CONTAINS(directory.err, "a_directory") << directory.err;
}

TEST_F(OptionsTest, QuietAndVerboseChangeOnlyTheLogOnStderr) {
    auto quiet = belay("migrate", {"-q"});
    ASSERT_EQ(quiet.exit_code, 0) << describe(quiet);
    EXPECT_EQ(quiet.err, "");
    fs::remove(db());
    auto verbose = belay("migrate", {"-v"});
    ASSERT_EQ(verbose.exit_code, 0) << describe(verbose);
    EXPECT_CONTAINS(verbose.err, "0001_a")
        << "-v should log each step on stderr; stderr was: " << verbose.err;
    // Results stay on stdout whatever the log level.
    EXPECT_CONTAINS(quiet.out, "0001_a") << quiet.out;
    EXPECT_CONTAINS(verbose.out, "0001_a") << verbose.out;
    auto log_level = belay("status", {}, with_env({{"BELAY_LOG_LEVEL", "off"}}));
    EXPECT_EQ(log_level.exit_code, 0) << describe(log_level);
}

TEST_F(OptionsTest, VersionAndHelp) {
    auto version = run_raw({"--version"});
    EXPECT_EQ(version.exit_code, 0) << describe(version);
    EXPECT_TRUE(std::regex_match(
        version.out, std::regex(R"(belay \d+\.\d+\.\d+ \(SQLite 3\.\d+\.\d+, (bundled|system)\)\n)"
                                R"(SQLite source: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \w+\n)")))
        << version.out;
    // The SQLite belay runs on, as the library linked into this test says (the same build).
    EXPECT_EQ(version.out,
              fmt::format("belay {} (SQLite {}, {})\nSQLite source: {}\n", library_version(),
                          sqlite_library_version(), sqlite_is_bundled() ? "bundled" : "system",
                          sqlite_source_id()));
    auto help = run_raw({"--help"});
    EXPECT_EQ(help.exit_code, 0) << describe(help);
    for (const auto* command : {"status", "migrate", "version", "create"}) {
        EXPECT_CONTAINS(help.out, command) << help.out;
    }
    auto migrate_help = run_raw({"db", "migrate", "--help"});
    EXPECT_EQ(migrate_help.exit_code, 0) << describe(migrate_help);
    EXPECT_CONTAINS(migrate_help.out, "--dry-run") << migrate_help.out;
}

// breakit18 #4: BELAY_LATEST=true broke every `db restore PATH` ("needs a backup"), and
// `latest = true` in belay.ini made `db restore --yes` restore the newest backup with none
// named. Which backup a restore writes, its confirmation, what a run reverts and the one file
// a backup writes come only from the command line: the environment is ignored, a config file
// refused by name; the database stays as it was.
TEST_F(OptionsTest, WhatARestoreWritesAndConfirmationsComeOnlyFromTheCommandLine) {
    TestDb(db()).exec("CREATE TABLE t (x); INSERT INTO t VALUES ('old');");
    auto backup = run_raw({"db", "backup", "--db", "app.db"});
    ASSERT_EQ(backup.exit_code, 0) << describe(backup);
    const auto old = backup.out.substr(0, backup.out.find('\n'));
    TestDb(db()).exec("INSERT INTO t VALUES ('new');");
    auto from_env = run_raw({"db", "restore", "--db", "app.db", old, "--yes"},
                            with_env({{"BELAY_LATEST", "true"}}));
    EXPECT_EQ(from_env.exit_code, 0) << "BELAY_LATEST is ignored\n" << describe(from_env);
    EXPECT_EQ(TestDb(db()).count("t"), 1);
    auto out_env = run_raw({"db", "backup", "--db", "app.db"}, with_env({{"BELAY_OUT", "x.bak"}}));
    EXPECT_EQ(out_env.exit_code, 0) << describe(out_env);
    EXPECT_FALSE(fs::exists(dir() / "x.bak")) << "BELAY_OUT is ignored";
    TestDb(db()).exec("INSERT INTO t VALUES ('newer');");
    const auto before = database_contents(db());
    for (const auto& [line, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"latest = true", {"db", "restore", "--db", "app.db", "--yes"}},
             {"yes = true", {"db", "restore", "--db", "app.db", "--latest"}},
             {"from-other-database = true", {"db", "restore", "--db", "app.db", old, "--yes"}},
             {"backup = " + old, {"db", "restore", "--db", "app.db", "--yes"}},
             {"steps = 1", {"db", "down", "--db", "app.db"}},
             {"out = x.bak", {"db", "backup", "--db", "app.db"}}}) {
        write_file("belay.ini", line + "\n");
        auto refused = run_raw(args);
        EXPECT_EQ(refused.exit_code, 2) << line << "\n" << describe(refused);
        const auto key = line.substr(0, line.find(' '));
        EXPECT_CONTAINS(refused.err,
                        "config file belay.ini:1: `" + key + "` cannot be set in a config file")
            << refused.err;
        EXPECT_CONTAINS(refused.err, "pass --" + key) << refused.err;
        EXPECT_EQ(database_contents(db()), before) << line;
        EXPECT_FALSE(fs::exists(dir() / "x.bak")) << line;
    }
}

// configuration.md promised that `verbose` (-v) and `name` (db create's NAME) in belay.ini are
// errors, yet both were read: `name = x` made every bare `db create` write x, `verbose = true`
// stood in for -v. Both are refused now, and so is `config`, which was silently ignored (one
// config file does not name another): exit 2, a message naming the file, the line and the key
// and what to do, and nothing written.
TEST_F(OptionsTest, NameVerboseAndConfigInAConfigFileAreRefusedByFileAndLine) {
    ASSERT_EQ(belay("migrate").exit_code, 0);
    write_migration("0002_b.sql", up_only("CREATE TABLE b (x);"));
    const auto before = database_contents(db());
    const auto files_before = list_dir(migrations());
    const std::vector<std::string> create{"db", "create"};
    const std::vector<std::string> migrate{"db", "migrate"};
    struct Case {
        std::string file;
        std::string key;
        std::string line;
        std::vector<std::string> args;
        std::string what_to_do;
    };
    for (const auto& [file, key, line, args, what_to_do] : std::vector<Case>{
             {"belay.ini", "name", "name = add_users", create, "belay db create NAME"},
             {"conf/team.ini", "name", "name = add_users", create, "belay db create NAME"},
             {"belay.ini", "verbose", "verbose = true", migrate, "pass -v where you mean it"},
             {"belay.ini", "config", "config = conf/team.ini", migrate,
              "pass --config or set BELAY_CONFIG"},
             {"belay.ini", "no-backup", "no-backup = true", migrate,
              "pass --no-backup where you mean it"}}) {
        write_file(file, "# team settings\ndb = app.db\n\n  " + line + "  # standing\n");
        auto command = args;
        if (file != "belay.ini") {
            command.insert(command.end(), {"--config", file});
        }
        auto refused = run_raw(command);
        EXPECT_EQ(refused.exit_code, 2) << line << "\n" << describe(refused);
        EXPECT_CONTAINS(refused.err, "config file " + file + ":4: `" + key +
                                         "` cannot be set in a config file (")
            << line;
        EXPECT_CONTAINS(refused.err, what_to_do) << line;
        EXPECT_EQ(refused.out, "") << line;
        EXPECT_EQ(database_contents(db()), before) << line;
        EXPECT_TRUE(names_ending_with(dir(), ".bak").empty()) << line;
        EXPECT_EQ(list_dir(migrations()), files_before) << line;
        fs::remove(dir() / file);
    }
    // In the environment they were and stay ignored, as configuration.md says.
    auto from_env = run_raw(create, with_env({{"BELAY_NAME", "add_users"}}));
    EXPECT_EQ(from_env.exit_code, 2) << describe(from_env);
    EXPECT_CONTAINS(from_env.err, "db create needs a name");
    EXPECT_EQ(list_dir(migrations()), files_before);
    // BELAY_NO_BACKUP is ignored: the run takes its snapshot, and the warning never comes.
    auto protected_run =
        run_raw(migrate, with_env({{"BELAY_NO_BACKUP", "true"}, {"BELAY_DB", db().string()}}));
    EXPECT_EQ(protected_run.exit_code, 0) << describe(protected_run);
    EXPECT_NOT_CONTAINS(protected_run.err, "NO SNAPSHOT");
    EXPECT_EQ(names_ending_with(dir(), ".bak").size(), 1U) << describe(protected_run);
}

TEST_F(OptionsTest, LintAdoptAndDumpSchemaOptionsComeFromTheConfigFileToo) {
    auto plain = run_raw({"db", "lint"});
    EXPECT_EQ(plain.exit_code, 0) << describe(plain);
    write_file("belay.ini", "db = app.db\nstrict = true\n");
    auto strict = run_raw({"db", "lint"});
    EXPECT_EQ(strict.exit_code, 6) << "strict = true in belay.ini makes warnings fail\n"
                                   << describe(strict);
    EXPECT_CONTAINS(strict.out, "no-down");
}

}  // namespace
}  // namespace belay::testing
