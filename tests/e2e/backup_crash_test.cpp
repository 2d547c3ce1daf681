// kill -9 during `db backup` of a larger database, at random moments: afterwards every file
// under a final `.bak` name is complete and verified (its sidecar's SHA-256 matches), and the
// only other leftovers are belay's temporary files (`<final>.tmp-<16 hex>` for the copy,
// `<final>.json.tmp-<16 hex>` for the sidecar) or a sidecar whose backup never got its name.
#include <signal.h>

#include <chrono>
#include <iostream>
#include <random>
#include <regex>
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

    // The temporary names belay uses, and final names.
    const std::regex temporary(R"(app-\d{8}-\d{6}(-\d+)?\.bak(\.json)?\.tmp-[0-9a-f]{16})");
    const std::regex final_backup(R"(app-\d{8}-\d{6}(-\d+)?\.bak)");
    const std::regex final_sidecar(R"(app-\d{8}-\d{6}(-\d+)?\.bak\.json)");
    std::vector<std::string> leftovers;
    int complete = 0;
    for (const auto& name : list_dir(backups)) {
        const auto path = backups / name;
        if (std::regex_match(name, final_backup)) {
            ASSERT_TRUE(fs::exists(path.string() + ".json"))
                << name << " has no sidecar; " << context;
            const auto sidecar = read_json_file(path.string() + ".json");
            EXPECT_EQ(sidecar.at("sha256").get<std::string>(), sha256_of(path))
                << name << " is not the complete, verified backup its sidecar describes; "
                << context;
            EXPECT_EQ(fs::file_size(path), sidecar.at("size_bytes").get<std::uintmax_t>()) << name;
            ++complete;
        } else if (std::regex_match(name, final_sidecar)) {
            if (!fs::exists(backups / name.substr(0, name.size() - 5))) {
                leftovers.push_back(name + " (sidecar of a backup that never got its name)");
            }
        } else if (std::regex_match(name, temporary)) {
            leftovers.push_back(name);
        } else {
            ADD_FAILURE() << "unexpected file " << name << " in the backup directory; " << context;
        }
    }
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
