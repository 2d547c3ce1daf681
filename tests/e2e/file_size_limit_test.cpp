// A full disk, played by a lowered file-size limit (ulimit -f): backups and the snapshot before a
// run fail with a clear message and exit 3, the database stays as it was, and no partial backup
// is left under a final name (nor a temporary one).
#include <sys/wait.h>

#include <cstdio>
#include <memory>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

struct LimitedRun {
    int exit_code = -1;
    std::string output;  // stdout and stderr
};

// belay with `args` under a file-size limit of `kib` KiB, through bash's ulimit; `environment`
// ("NAME=value ...") is set for it.
LimitedRun run_with_file_limit(const std::vector<std::string>& args, int kib,
                               const std::string& environment = "") {
    std::string command = "ulimit -f " + std::to_string(kib) + "; exec " + environment + " " +
                          belay_binary().string();
    for (const auto& arg : args) {
        command += " '" + arg + "'";
    }
    const auto line = "bash -c \"" + command + "\" 2>&1";
    FILE* pipe = ::popen(line.c_str(), "r");
    LimitedRun result;
    if (pipe == nullptr) {
        return result;
    }
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
        result.output += buffer;
    }
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

class FileSizeLimitTest : public E2eTest, public ::testing::WithParamInterface<const char*> {
  protected:
    void SetUp() override {
        add_filler(db(), 8);
        TestDb(db()).exec(std::string("PRAGMA journal_mode = ") + GetParam());
        m_before = sha256_of(db());
    }
    void expect_nothing_left(const std::string& output) {
        EXPECT_EQ(sha256_of(db()), m_before) << "the database changed";
        for (const auto& name : list_dir(dir())) {
            EXPECT_FALSE(name.ends_with(".bak")) << name << " left behind\n" << output;
            EXPECT_NOT_CONTAINS(name, ".tmp-") << name << " left behind\n" << output;
        }
    }
    std::string m_before;
};

TEST_P(FileSizeLimitTest, BackupFailsClearlyWithExitThreeAndLeavesNothing) {
    const auto run = run_with_file_limit({"db", "backup", "--db", db().string()}, 2048);
    EXPECT_EQ(run.exit_code, 3) << run.output;
    EXPECT_CONTAINS(run.output, "File too large") << run.output;
    EXPECT_CONTAINS(run.output, "free some space") << run.output;
    expect_nothing_left(run.output);
}

TEST_P(FileSizeLimitTest, MigrateRunsNothingWhenItsSnapshotCannotBeWritten) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    const auto run = run_with_file_limit(
        {"db", "migrate", "--db", db().string(), "--migrations", migrations().string()}, 2048);
    EXPECT_EQ(run.exit_code, 3) << run.output;
    EXPECT_CONTAINS(run.output, "No migration ran") << run.output;
    expect_nothing_left(run.output);
    EXPECT_FALSE(TestDb(db(), true).has_object("a"));
}

// A dry run's copy in TMPDIR hits the limit too: exit 2 with the OS's reason (it used to say only
// "disk I/O error"), the database unchanged, TMPDIR empty.
TEST_P(FileSizeLimitTest, DryRunWhoseCopyCannotBeWrittenSaysWhy) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    const auto tmp = dir() / "tmp";
    fs::create_directories(tmp);
    const auto run = run_with_file_limit({"db", "migrate", "--dry-run", "--db", db().string(),
                                          "--migrations", migrations().string()},
                                         2048, "env TMPDIR=" + tmp.string());
    EXPECT_EQ(run.exit_code, 2) << run.output;
    EXPECT_CONTAINS(run.output, "File too large") << run.output;
    EXPECT_CONTAINS(run.output, "raise the file size limit") << run.output;
    EXPECT_TRUE(list_dir(tmp).empty()) << ::testing::PrintToString(list_dir(tmp));
    expect_nothing_left(run.output);
}

// breakit13c: a dry run whose step (not its copy) outgrew the limit said the migration "would
// fail" with "disk I/O error" (exit 1); the limit is where the rehearsal ran, not the migration.
TEST_F(E2eTest, DryRunWhoseStepOutgrowsTheFileSizeLimitSaysWhy) {
    TestDb(db()).exec("CREATE TABLE t (x);");
    write_migration("0001_grow.sql",
                    up_only("CREATE TABLE g (b BLOB);\nWITH RECURSIVE c(i) AS (SELECT 1 UNION ALL "
                            "SELECT i + 1 FROM c WHERE i < 1000) INSERT INTO g SELECT "
                            "randomblob(4000) FROM c;"));
    const auto tmp = dir() / "tmp";
    fs::create_directories(tmp);
    const auto before = sha256_of(db());
    const auto run = run_with_file_limit({"db", "migrate", "--dry-run", "--db", db().string(),
                                          "--migrations", migrations().string()},
                                         1024, "env TMPDIR=" + tmp.string());
    EXPECT_EQ(run.exit_code, 2) << run.output;
    EXPECT_CONTAINS(run.output, "ran out of room") << run.output;
    EXPECT_CONTAINS(run.output, "File too large") << run.output;
    EXPECT_NOT_CONTAINS(run.output, "would fail") << run.output;
    EXPECT_EQ(sha256_of(db()), before);
    EXPECT_TRUE(list_dir(tmp).empty()) << ::testing::PrintToString(list_dir(tmp));
}

INSTANTIATE_TEST_SUITE_P(JournalModes, FileSizeLimitTest, ::testing::Values("delete", "wal"),
                         [](const auto& param_info) { return std::string(param_info.param); });

}  // namespace
}  // namespace belay::testing
