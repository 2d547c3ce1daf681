// kill -9 during `db backup` of a larger database, at random moments: afterwards every file
// under a final `.bak` name is complete and verified (its sidecar's SHA-256 matches), and the
// only other leftovers are belay's temporary files (`<final>.tmp-<16 hex>` for the copy,
// `<final>.json.tmp-<16 hex>` for the sidecar) or a sidecar whose backup never got its name.
#include <signal.h>

#include <chrono>
#include <iostream>
#include <random>
#include <thread>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

// Both copy paths: the sequential copy of a rollback-journal database, the backup API for WAL.
class BackupCrashTest : public E2eTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(BackupCrashTest, KillDuringBackupLeavesNoIncompleteFinalFile) {
    add_filler(db(), 60);
    TestDb(db()).exec(std::string("PRAGMA journal_mode = ") + GetParam());
    const auto source_sha = sha256_of(db());
    const auto backups = dir() / "backups";
    fs::create_directories(backups);
    const std::vector<std::string> args{"--backup-dir", backups.string()};

    // One whole backup, to know how long one takes here.
    auto whole = belay("backup", args);
    ASSERT_EQ(whole.exit_code, 0) << describe(whole);
    const auto duration_ms = static_cast<int>(whole.seconds * 1000);

    const auto seed = crash_seed();
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> delay_ms(duration_ms / 20, duration_ms);
    std::string moments;
    int killed = 0;
    const int kills = crash_kills(5);
    for (int attempt = 0; attempt < kills; ++attempt) {
        auto run = start("backup", args);
        const int delay = delay_ms(random);
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        run->send_signal(SIGKILL);
        const auto result = run->wait(std::chrono::seconds(60));
        moments +=
            std::to_string(delay) + " ms" + (result.term_signal == SIGKILL ? " " : "(ended) ");
        killed += result.term_signal == SIGKILL ? 1 : 0;
    }
    RecordProperty("kill_moments", moments);
    const std::string context = "seed " + std::to_string(seed) + ", one backup took " +
                                std::to_string(duration_ms) + " ms, kills at " + moments;
    EXPECT_GE(killed, 1) << "no run was killed before it ended; " << context;

    // Final backups, each verified against its sidecar; the rest only belay's temporaries and
    // sidecars whose backup never got its name: nothing else at all.
    expect_every_backup_verified(backups, context);
    const auto found = classify_backup_directory(backups);
    const int complete = static_cast<int>(found.backups.size());
    std::vector<std::string> leftovers = found.temporaries;
    for (const auto& name : found.orphans) {
        leftovers.push_back(name + " (sidecar of a backup that never got its name)");
    }
    EXPECT_EQ(list_dir(backups).size(), 2 * found.backups.size() + leftovers.size())
        << "unexpected files in the backup directory: "
        << ::testing::PrintToString(list_dir(backups)) << "; " << context;
    EXPECT_GE(complete, 1);
    std::string leftover_list;
    for (const auto& name : leftovers) {
        leftover_list += name + "\n";
    }
    RecordProperty("leftovers", leftover_list);
    std::cout << "[ leftovers ] " << context << "\n" << leftover_list;
    std::cout << "[ tally ] backup " << GetParam() << ": " << killed << " of " << kills
              << " runs killed (a backup takes " << duration_ms << " ms; seed " << seed
              << "); complete backups: " << complete << ", temporaries left: " << leftovers.size()
              << "\n";

    // The source was only read, and every listed backup is intact.
    EXPECT_EQ(sha256_of(db()), source_sha);
    auto listed = belay("backups", {"--backup-dir", backups.string(), "--json"});
    ASSERT_EQ(listed.exit_code, 0) << describe(listed);
    const auto entries = listed.json().at("backups");
    EXPECT_EQ(static_cast<int>(entries.size()), complete) << listed.out;
    for (const auto& entry : entries) {
        EXPECT_TRUE(entry.at("intact").get<bool>()) << entry.dump(2);
    }
}

INSTANTIATE_TEST_SUITE_P(JournalModes, BackupCrashTest, ::testing::Values("delete", "wal"),
                         [](const auto& param_info) { return std::string(param_info.param); });

}  // namespace
}  // namespace belay::testing
