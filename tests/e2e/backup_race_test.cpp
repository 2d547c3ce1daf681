// Several `db backup` runs of one database at once, with `db prune` runs and a `db migrate
// --backup-only --keep 2` beside them: each run's sweep of abandoned temporaries must leave the
// others' live temporaries alone, a prune must not remove a sidecar whose backup is about to be
// renamed into place, and two runs that pick the same name in the same second must both end
// with a backup of their own. Every backup that printed its path (exit 0) then either stays,
// complete with its sidecar, or was removed by a prune that said so (breakit13b section 3).
#include <algorithm>
#include <memory>
#include <set>
#include <sstream>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

constexpr int k_rounds = 12;
constexpr int k_backups_per_round = 6;
constexpr int k_prunes_per_round = 2;

class BackupRaceTest : public E2eTest {
  protected:
    void SetUp() override {
        add_filler(db(), 2);  // a copy that takes long enough for the runs to overlap
        write_migration("0001_t.sql", "-- +migrate Up\nCREATE TABLE t (x);\n");
        auto migrated = belay("migrate", {"--no-backup"});
        ASSERT_EQ(migrated.exit_code, 0) << describe(migrated);
    }
};

// The paths a prune's text output says it removed ("removed <path> (<time>, <size>)").
std::set<std::string> removed_by(const RunResult& prune) {
    std::set<std::string> removed;
    std::istringstream lines(prune.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("removed ") && line.find(" (") != std::string::npos &&
            !line.starts_with("removed 1 file(s)")) {
            removed.insert(line.substr(8, line.find(" (") - 8));
        }
    }
    return removed;
}

TEST_F(BackupRaceTest, ConcurrentBackupsAndPrunesLoseNoBackupAndNoSidecar) {
    std::vector<std::string> succeeded;  // what the successful backups printed
    std::set<std::string> pruned;
    for (int round = 0; round < k_rounds; ++round) {
        std::vector<std::unique_ptr<BackgroundRun>> backups;
        std::vector<std::unique_ptr<BackgroundRun>> prunes;
        // A run's snapshot and its --keep prune, as a deploy beside a cron backup does.
        auto migrate = start("migrate", {"--backup-only", "--keep", "2"});
        for (int i = 0; i < k_backups_per_round; ++i) {
            backups.push_back(start("backup"));
            if (i < k_prunes_per_round) {
                prunes.push_back(start("prune", {"--keep", "2"}));
            }
        }
        for (auto& run : backups) {
            const auto result = run->wait();
            // Nothing here is a reason for a backup to fail: the database is there, readable,
            // and no other run writes to it.
            ASSERT_EQ(result.exit_code, 0) << "round " << round << ": " << describe(result);
            succeeded.push_back(result.out.substr(0, result.out.find('\n')));
        }
        const auto migrated = migrate->wait();
        ASSERT_EQ(migrated.exit_code, 0) << "round " << round << ": " << describe(migrated);
        for (auto& run : prunes) {
            const auto result = run->wait();
            ASSERT_EQ(result.exit_code, 0) << "round " << round << ": " << describe(result);
            std::ranges::copy(removed_by(result), std::inserter(pruned, pruned.end()));
        }
    }
    for (const auto& printed : succeeded) {
        const fs::path backup = dir() / fs::path(printed).filename();
        // A later backup may take a pruned one's name again (same second): then it is there.
        if (!fs::exists(backup)) {
            EXPECT_TRUE(pruned.contains(printed))
                << printed << " was printed by a successful backup and no prune removed it";
            continue;
        }
        EXPECT_TRUE(fs::exists(backup.string() + ".json"))
            << printed << " lost its sidecar: unlisted and unrestorable";
    }
    const auto found = classify_backup_directory(dir());
    EXPECT_TRUE(found.orphans.empty()) << found.orphans.front();
    EXPECT_TRUE(found.temporaries.empty()) << found.temporaries.front();
    expect_every_backup_verified(dir(), "after concurrent backups and prunes");
    // Every backup left is listed, and verifies intact.
    const auto listing = belay("backups", {"--json"});
    ASSERT_EQ(listing.exit_code, 0) << describe(listing);
    const auto listed = listing.json().at("backups");
    EXPECT_EQ(listed.size(), found.backups.size());
    for (const auto& entry : listed) {
        EXPECT_TRUE(entry.at("intact").get<bool>()) << entry.dump();
    }
}

}  // namespace
}  // namespace belay::testing
