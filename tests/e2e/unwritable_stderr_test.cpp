// belay with a standard descriptor it cannot write (stderr on a full device, /dev/full) or
// closed (`<&- >&- 2>&-`, as some service managers and cron set-ups leave them): it runs as
// usual and exits with its documented status, it does not abort on a message it cannot show,
// and none of its files takes a closed descriptor's number (its messages, and the wrapped
// command's, would go into that file).
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class UnwritableStderrTest : public E2eTest {
  protected:
    void SetUp() override {
        TestDb db(this->db());
        db.exec(
            "CREATE TABLE packages (id INTEGER PRIMARY KEY, name TEXT);"
            "INSERT INTO packages VALUES (1, 'left-pad');");
    }

    // belay <args> run by /bin/sh with `redirections` ("2>/dev/full") applied to it, in dir().
    RunResult belay_redirected(const std::string& redirections,
                               const std::vector<std::string>& args) const {
        std::vector<std::string> shell_args{"-c", "exec \"$0\" \"$@\" " + redirections,
                                            belay_binary().string()};
        shell_args.insert(shell_args.end(), args.begin(), args.end());
        RunOptions options;
        options.program = "/bin/sh";
        return run_raw(shell_args, options);
    }

    std::vector<std::string> tables() const {
        TestDb db(this->db(), true);
        return db.tables();
    }
};

TEST_F(UnwritableStderrTest, ExecWithStderrOnAFullDeviceRunsAndReportsAsUsual) {
    const auto result =
        belay_redirected("2>/dev/full", {"db", "exec", "--db", db().string(), "--", "sqlite3",
                                         "{db}", "CREATE TABLE mirrors (url TEXT);"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out, "exited with status 0");
    EXPECT_EQ(tables(), (std::vector<std::string>{"mirrors", "packages"}));
}

TEST_F(UnwritableStderrTest, ExecWithStderrOnAFullDeviceStillPutsTheSnapshotBack) {
    const auto result = belay_redirected(
        "2>/dev/full", {"db", "exec", "--db", db().string(), "--restore-on-failure", "--", "sh",
                        "-c", "sqlite3 \"$BELAY_DB\" 'DROP TABLE packages' && exit 3"});
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.out, "exited with status 3");
    EXPECT_EQ(tables(), std::vector<std::string>{"packages"});
}

TEST_F(UnwritableStderrTest, ExecWithStandardDescriptorsClosedWritesNothingIntoTheLockFile) {
    // The command copies belay's run lock file while belay holds it, and writes to its stderr.
    const auto result = belay_redirected(
        "<&- >&- 2>&-", {"db", "exec", "--db", db().string(), "--", "sh", "-c",
                         "cat \"$BELAY_DB.belay-lock\" > lock-seen; echo from-the-command >&2"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    ASSERT_TRUE(fs::exists(dir() / "lock-seen"));
    EXPECT_EQ(read_file(dir() / "lock-seen"), "");
    EXPECT_EQ(tables(), std::vector<std::string>{"packages"});
}

TEST_F(UnwritableStderrTest, BackupWithStderrClosedExitsWithItsStatus) {
    const auto made = belay_redirected("2>&-", {"db", "backup", "--db", db().string(), "-v"});
    ASSERT_EQ(made.exit_code, 0) << describe(made);
    EXPECT_EQ(names_ending_with(dir(), ".bak").size(), 1u);
    // An error belay cannot print still gives its status.
    const auto refused =
        belay_redirected("2>&-", {"db", "backup", "--db", db().string(), "--no-such-option"});
    EXPECT_EQ(refused.exit_code, 2) << describe(refused);
}

}  // namespace
}  // namespace belay::testing
