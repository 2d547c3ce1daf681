// Values from belay.ini and the environment: a bad one is named where it was set (the file and
// line, or the variable), an empty one counts as unset, the command line wins over a standing
// setting that contradicts it, and a config file that cannot be read is refused by name.
#include <array>
#include <string>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

using namespace std::string_literals;

class ConfigOriginTest : public E2eTest {
  protected:
    void SetUp() override { write_migration("0001_a.sql", up_only("CREATE TABLE a (x);")); }

    // `belay db <command> --db app.db` in dir(), expecting a usage error that says `expected`.
    void expect_refused(const std::string& command, const std::string& expected,
                        const RunOptions& options = {}) {
        auto result = run_raw({"db", command, "--db", "app.db"}, options);
        EXPECT_EQ(result.exit_code, 2) << expected << "\n" << describe(result);
        EXPECT_CONTAINS(result.err, "belay: error: " + expected) << command;
        EXPECT_FALSE(fs::exists(db())) << expected;
    }
};

// breakit: `lock-timeout = abc` in belay.ini was reported as `--lock-timeout abc: expected
// ...`, a flag nobody gave, with no file, line or key; so were the other bad values below.
// configuration.md promises a usage error naming the file and the key.
TEST_F(ConfigOriginTest, ABadValueInTheConfigFileIsNamedByFileLineAndKey) {
    const std::string seconds = "number of seconds from 0.001 to 1000000000, e.g. ";
    for (const auto& [command, line, why] : std::vector<std::array<std::string, 3>>{
             {"migrate", "lock-timeout = abc",
              "expected 0 (do not wait) or a " + seconds + "lock-timeout = 30"},
             {"migrate", "step-timeout = 0", "expected a " + seconds + "step-timeout = 30"},
             {"migrate", "keep = 0", "keep at least 1 backup"},
             {"prune", "keep = 0", "keep at least 1 backup"},
             {"prune", "keep = abc", "expected a whole number"},
             {"migrate", "validate = bogus", "expected normal, full or strict"},
             {"status", "table = belay_x", "the history table needs a name of its own"},
             {"status", "format = liquibase", "expected auto, sql-migrate, goose"},
             {"status", "log-level = loud", "expected trace, debug, info, warn, error or off"},
             {"status", "json = maybe", "expected true or false (or 1 or 0)"},
             {"adopt", "from = liquibase", "expected goose, sql-migrate"}}) {
        write_file("belay.ini", "migrations = migrations\n" + line + "  # standing\n");
        expect_refused(command, "config file belay.ini:2: " + line + ": " + why);
    }
}

// breakit: BELAY_LOCK_TIMEOUT=abc said `--lock-timeout abc`, and BELAY_KEEP=abc "the argument
// for option 'keep' is invalid". The variable is named now, with its value.
TEST_F(ConfigOriginTest, ABadValueInTheEnvironmentIsNamedByItsVariable) {
    expect_refused("migrate",
                   "environment variable BELAY_LOCK_TIMEOUT=abc: expected 0 (do not wait) or a "
                   "number of seconds from 0.001 to 1000000000, e.g. BELAY_LOCK_TIMEOUT=30",
                   with_env({{"BELAY_LOCK_TIMEOUT", "abc"}}));
    expect_refused("prune", "environment variable BELAY_KEEP=abc: expected a whole number",
                   with_env({{"BELAY_KEEP", "abc"}}));
    expect_refused("prune", "environment variable BELAY_KEEP=0: keep at least 1 backup",
                   with_env({{"BELAY_KEEP", "0"}}));
    expect_refused("status",
                   "environment variable BELAY_JSON=maybe: expected true or false (or 1 or 0)",
                   with_env({{"BELAY_JSON", "maybe"}}));
    // The same value on the command line is named as the flag, as before; and a bad standing
    // value that the command line overrides is never read.
    auto flag = run_raw({"db", "migrate", "--db", "app.db", "--lock-timeout", "abc"});
    EXPECT_EQ(flag.exit_code, 2) << describe(flag);
    EXPECT_CONTAINS(flag.err,
                    "belay: error: --lock-timeout abc: expected 0 (do not wait) or a "
                    "number of seconds from 0.001 to 1000000000, e.g. --lock-timeout 30");
    write_file("belay.ini", "lock-timeout = abc\n");
    auto overridden = run_raw({"db", "status", "--db", "app.db", "--lock-timeout", "1"},
                              with_env({{"BELAY_LOCK_TIMEOUT", "abc"}}));
    EXPECT_EQ(overridden.exit_code, 0) << describe(overridden);
}

// breakit: BELAY_KEEP= (empty) was an error while BELAY_JSON= counted as unset. An empty
// variable, and a key with an empty value in belay.ini, are unset: the next place decides.
TEST_F(ConfigOriginTest, AnEmptyValueCountsAsUnsetInTheEnvironmentAndTheFile) {
    auto prune = run_raw({"db", "prune", "--db", "app.db"}, with_env({{"BELAY_KEEP", ""}}));
    EXPECT_EQ(prune.exit_code, 0) << describe(prune);
    write_file("belay.ini", "db = ini.db\njson =\nkeep =\n");
    auto status = run_raw({"db", "status"}, with_env({{"BELAY_DB", ""}, {"BELAY_JSON", ""}}));
    ASSERT_EQ(status.exit_code, 0) << describe(status);
    EXPECT_TRUE(status.out.starts_with("Database: ini.db")) << status.out;
    auto pruned = run_raw({"db", "prune", "--db", "app.db"});
    EXPECT_EQ(pruned.exit_code, 0) << describe(pruned);
}

// breakit: `check = schema.sql` in belay.ini made `db dump-schema --out schema.sql`, the very
// command `--check` advises, exit 2 ("--out and --check contradict each other") though --check
// was never given, and nothing on the command line could unset it. The command line wins over
// a standing setting it contradicts; two settings from the same kind of place are refused.
TEST_F(ConfigOriginTest, TheCommandLineWinsOverAStandingSettingThatContradictsIt) {
    ASSERT_EQ(run_raw({"db", "migrate", "--db", "app.db", "-q"}).exit_code, 0);
    write_file("belay.ini", "migrations = migrations\ncheck = schema.sql\n");
    auto written = run_raw({"db", "dump-schema", "--db", "app.db", "--out", "schema.sql"});
    ASSERT_EQ(written.exit_code, 0) << describe(written);
    EXPECT_EQ(written.out, "schema.sql\n");
    auto checked = run_raw({"db", "dump-schema"});
    EXPECT_EQ(checked.exit_code, 0) << describe(checked);
    EXPECT_EQ(checked.out, "schema.sql matches the migrations\n");
    auto both = run_raw({"db", "dump-schema", "--out", "x.sql", "--check", "schema.sql"});
    EXPECT_EQ(both.exit_code, 2) << describe(both);
    EXPECT_CONTAINS(both.err, "--out and --check contradict each other: give one");

    // db migrate's --backup-only against --dry-run: whichever the command line gives wins.
    write_migration("0002_b.sql", up_only("CREATE TABLE b (x);"));
    write_file("belay.ini", "backup-only = true\n");
    auto dry = run_raw({"db", "migrate", "--db", "app.db", "--dry-run"});
    EXPECT_EQ(dry.exit_code, 0) << describe(dry);
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty()) << "a dry run writes no backup";
    EXPECT_FALSE(TestDb(db(), true).has_object("b"));
    fs::remove(dir() / "belay.ini");
    auto snapshot = run_raw({"db", "migrate", "--db", "app.db", "--backup-only"},
                            with_env({{"BELAY_DRY_RUN", "true"}}));
    EXPECT_EQ(snapshot.exit_code, 0) << describe(snapshot);
    EXPECT_EQ(names_ending_with(dir(), ".bak").size(), 1U) << describe(snapshot);
    EXPECT_FALSE(TestDb(db(), true).has_object("b"));
    write_file("belay.ini", "backup-only = true\n");
    auto standing =
        run_raw({"db", "migrate", "--db", "app.db"}, with_env({{"BELAY_DRY_RUN", "true"}}));
    EXPECT_EQ(standing.exit_code, 2) << describe(standing);
    EXPECT_CONTAINS(standing.err,
                    "`backup-only` (config file belay.ini:1) and BELAY_DRY_RUN contradict each "
                    "other");

    // A standing quiet gives way to -v on the command line.
    fs::remove(dir() / "belay.ini");
    auto verbose =
        run_raw({"db", "migrate", "--db", "app.db", "-v"}, with_env({{"BELAY_QUIET", "true"}}));
    EXPECT_EQ(verbose.exit_code, 0) << describe(verbose);
    EXPECT_CONTAINS(verbose.err, "belay: info: applying 0002_b");
}

// breakit: a belay.ini that is a symbolic link to a file moved away, or to itself, was quietly
// ignored, so `db status` ran with the defaults (another history table, another backup
// directory); a FIFO or a directory was refused. Such a link is refused too, by name, and so is
// one that BELAY_CONFIG or --config names.
TEST_F(ConfigOriginTest, ADanglingOrLoopingConfigSymlinkIsRefused) {
    write_file("conf/real.ini", "table = my_history\n");
    fs::create_symlink("conf/real.ini", dir() / "belay.ini");
    auto followed = run_raw({"db", "migrate", "--db", "app.db", "-q"});
    ASSERT_EQ(followed.exit_code, 0) << describe(followed);
    EXPECT_TRUE(TestDb(db(), true).has_object("my_history"));
    fs::remove(db());
    fs::rename(dir() / "conf/real.ini", dir() / "conf/moved.ini");
    expect_refused("status",
                   "config file belay.ini is a symbolic link to conf/real.ini, which does not "
                   "exist; restore that file, point the link at a config file, or remove the "
                   "link");
    fs::remove(dir() / "belay.ini");
    fs::create_symlink("belay.ini", dir() / "belay.ini");
    expect_refused("status", "config file belay.ini is a symbolic link that loops");
    fs::remove(dir() / "belay.ini");
    fs::create_symlink("conf/real.ini", dir() / "team.ini");
    expect_refused("status", "config file team.ini is a symbolic link to conf/real.ini",
                   with_env({{"BELAY_CONFIG", "team.ini"}}));
    auto named = run_raw({"db", "status", "--db", "app.db", "--config", "team.ini"});
    EXPECT_EQ(named.exit_code, 2) << describe(named);
    EXPECT_CONTAINS(named.err, "config file team.ini is a symbolic link to conf/real.ini");
}

// breakit: a UTF-8 byte order mark (as some editors write) gave "unrecognised option
// '\ufeffmigrations'" with an invisible character and no line, and a NUL byte was printed raw.
// A leading mark is skipped; any other control character is named by file and line, escaped.
TEST_F(ConfigOriginTest, AByteOrderMarkIsSkippedAndControlCharactersAreNamedByLine) {
    write_file("other/0001_b.sql", up_only("CREATE TABLE b (x);"));
    write_file("belay.ini", "\xEF\xBB\xBFmigrations = other\r\ndb = app.db\r\n");
    auto marked = run_raw({"db", "migrate", "-q"});
    ASSERT_EQ(marked.exit_code, 0) << describe(marked);
    EXPECT_TRUE(TestDb(db(), true).has_object("b"));
    fs::remove(db());
    write_file("belay.ini", "db = app.db\nmigr\0ations = other\n"s);
    auto nul = run_raw({"db", "status"});
    EXPECT_EQ(nul.exit_code, 2) << describe(nul);
    EXPECT_CONTAINS(nul.err,
                    "config file belay.ini:2: control character \\x00 in `migr\\x00ations "
                    "= other`");
    EXPECT_EQ(nul.err.find('\0'), std::string::npos) << "no raw NUL on stderr";
    write_file("belay.ini", "db = app.db\n\nstep_timout = 5\n");
    auto unknown = run_raw({"db", "status"});
    EXPECT_EQ(unknown.exit_code, 2) << describe(unknown);
    EXPECT_CONTAINS(unknown.err, "config file belay.ini:3: unknown key `step_timout`");
    EXPECT_FALSE(fs::exists(db()));
}

}  // namespace
}  // namespace belay::testing
