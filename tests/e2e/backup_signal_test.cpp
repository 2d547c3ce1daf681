// SIGINT and SIGTERM during `db backup` and `db restore` of a large database: exit 130/143,
// temporary files removed, no final `.bak` for an incomplete backup, the database intact and in
// its old state; an interrupted restore says what state the database is in and what to run.
//
// The signal is sent as soon as belay's temporary file (or the restore's safety snapshot)
// appears, with hundreds of MiB still to copy.
#include <csignal>
#include <thread>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

constexpr int k_megabytes = 200;

// Waits (polling every millisecond, up to a minute) until `dir` holds a name containing `part`,
// while belay creates, renames and removes files in it.
bool wait_for_name(const fs::path& dir, const std::string& part) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < give_up) {
        // Names only, errors ignored: belay renames and removes files while this looks.
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            if (entry.path().filename().string().find(part) != std::string::npos) {
                return true;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
}

std::vector<std::string> temporaries(const fs::path& dir) {
    auto names = list_dir(dir);
    std::erase_if(names, [](const std::string& name) {
        return name.find(".tmp-") == std::string::npos && !name.ends_with("-journal");
    });
    return names;
}

struct Case {
    const char* mode;  // journal mode: the raw copy (delete) or the backup API (wal)
    int signal_number;
};

class BackupSignalTest : public E2eTest, public ::testing::WithParamInterface<Case> {
  protected:
    void SetUp() override {
        add_filler(db(), k_megabytes);
        TestDb(db()).exec(std::string("PRAGMA journal_mode = ") + GetParam().mode +
                          "; CREATE TABLE marker (state TEXT); INSERT INTO marker VALUES "
                          "('before');");
        fs::create_directories(backups());
    }
    fs::path backups() const { return dir() / "backups"; }
    int expected_exit() const { return 128 + GetParam().signal_number; }
};

TEST_P(BackupSignalTest, InterruptedBackupLeavesNoBackupAndNoTemporary) {
    const auto sha = sha256_of(db());
    auto run = start("backup", {"--backup-dir", backups().string()});
    ASSERT_TRUE(wait_for_name(backups(), ".tmp-")) << "belay never created its temporary file";
    run->send_signal(GetParam().signal_number);
    const auto result = run->wait(std::chrono::seconds(120));
    EXPECT_EQ(result.exit_code, expected_exit()) << describe(result);
    EXPECT_CONTAINS(result.err, "interrupted") << describe(result);
    EXPECT_TRUE(list_dir(backups()).empty())
        << "left in the backup directory: " << list_dir(backups()).front();
    EXPECT_EQ(sha256_of(db()), sha) << "a backup changed the database";
    EXPECT_EQ(TestDb(db(), true).scalar("PRAGMA integrity_check"), "ok");
}

TEST_P(BackupSignalTest, InterruptedRestoreLeavesTheDatabaseAsItWasAndSaysSo) {
    const auto backup = backups() / "source.bak";
    auto taken = belay("backup", {"--out", backup.string()});
    ASSERT_EQ(taken.exit_code, 0) << describe(taken);
    TestDb(db()).exec("UPDATE marker SET state = 'live'; DELETE FROM filler WHERE id % 3 = 0;");
    const auto live = database_contents(db());
    const auto safety = dir() / "safety";
    fs::create_directories(safety);

    // Once the safety snapshot has its final name, the copy into the database is under way.
    auto run = start("restore", {backup.string(), "--yes", "--backup-dir", safety.string()});
    ASSERT_TRUE(wait_for_name(safety, ".bak.json")) << "no safety snapshot appeared";
    run->send_signal(GetParam().signal_number);
    const auto result = run->wait(std::chrono::seconds(120));
    EXPECT_EQ(result.exit_code, expected_exit()) << describe(result);
    EXPECT_CONTAINS(result.err, "interrupted") << describe(result);
    EXPECT_CONTAINS(result.err, db().string() + " is unchanged")
        << "the message should say what state the database is in\n"
        << describe(result);
    EXPECT_CONTAINS(result.err, "belay db restore --db " + db().string() + " " + backup.string())
        << "the message should say what to run\n"
        << describe(result);
    EXPECT_EQ(database_contents(db()), live) << "the interrupted restore changed the database";
    EXPECT_EQ(TestDb(db()).scalar("PRAGMA integrity_check"), "ok");
    EXPECT_TRUE(temporaries(dir()).empty()) << "left behind: " << temporaries(dir()).front();
    EXPECT_TRUE(temporaries(safety).empty()) << "left behind: " << temporaries(safety).front();
    EXPECT_EQ(names_ending_with(safety, ".bak").size(), 1u) << "the safety snapshot stays";

    // Run again, the restore finishes.
    auto again = belay("restore", {backup.string(), "--yes", "--backup-dir", safety.string()});
    ASSERT_EQ(again.exit_code, 0) << describe(again);
    EXPECT_EQ(TestDb(db(), true).scalar("SELECT state FROM marker"), "before");
}

TEST_P(BackupSignalTest, RestoreInterruptedDuringItsSafetySnapshotChangesNothing) {
    const auto backup = backups() / "source.bak";
    auto taken = belay("backup", {"--out", backup.string()});
    ASSERT_EQ(taken.exit_code, 0) << describe(taken);
    TestDb(db()).exec("UPDATE marker SET state = 'live';");
    const auto sha = sha256_of(db());
    const auto safety = dir() / "safety";
    fs::create_directories(safety);

    auto run = start("restore", {backup.string(), "--yes", "--backup-dir", safety.string()});
    ASSERT_TRUE(wait_for_name(safety, ".tmp-")) << "the safety snapshot never started";
    run->send_signal(GetParam().signal_number);
    const auto result = run->wait(std::chrono::seconds(120));
    EXPECT_EQ(result.exit_code, expected_exit()) << describe(result);
    EXPECT_CONTAINS(result.err, "The restore did not start") << describe(result);
    EXPECT_EQ(sha256_of(db()), sha) << "the database changed";
    EXPECT_TRUE(list_dir(safety).empty()) << "left behind: " << list_dir(safety).front();
}

INSTANTIATE_TEST_SUITE_P(JournalModes, BackupSignalTest,
                         ::testing::Values(Case{"delete", SIGINT}, Case{"delete", SIGTERM},
                                           Case{"wal", SIGINT}, Case{"wal", SIGTERM}),
                         [](const auto& param_info) {
                             return std::string(param_info.param.mode) +
                                    (param_info.param.signal_number == SIGINT ? "_sigint"
                                                                              : "_sigterm");
                         });

}  // namespace
}  // namespace belay::testing
