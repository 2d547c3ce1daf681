// `belay db prune`: --keep N, --keep-days D, the default, --dry-run; every removal printed with
// the bytes freed; sidecars go with their backups; the newest intact backup always stays; other
// databases' backups and unrelated files are never touched.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <ctime>
#include <map>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

std::string iso_utc(std::time_t when) {
    std::tm parts{};
    ::gmtime_r(&when, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

class PruneTest : public E2eTest {
  protected:
    void SetUp() override {
        fs::create_directories(migrations());
        TestDb setup(db());
        setup.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1);");
    }
    fs::path backup_of(const fs::path& database) {
        auto result = run_raw({"db", "backup", "--db", database.string()});
        EXPECT_EQ(result.exit_code, 0) << describe(result);
        return result.out.substr(0, result.out.find('\n'));
    }
    // Backups of app.db dated `ages_days` ago (oldest first in the list given), newest last.
    std::vector<fs::path> make_backups(const std::vector<int>& ages_days) {
        std::vector<fs::path> made;
        const auto now = std::time(nullptr);
        for (const int age : ages_days) {
            const auto path = backup_of(db());
            auto json = read_json_file(path.string() + ".json");
            // An hour less than whole days, so "younger than D days" is never a borderline case.
            json["created_at"] = iso_utc(now - age * 86400 + (age > 0 ? 3600 : 0));
            write_file(path.filename().string() + ".json", json.dump(2));
            made.push_back(path);
        }
        return made;
    }
    // Files that are not app.db's backups, with their contents: prune must leave them alone.
    std::map<std::string, std::string> make_unrelated_files() {
        {
            TestDb other(dir() / "other.db");
            other.exec("CREATE TABLE o (x);");
        }
        const auto others = backup_of(dir() / "other.db");
        backup_of(dir() / "other.db");
        // Another database's backup under a name that looks like ours.
        fs::copy_file(others, dir() / "app-20000101-000000.bak");
        fs::copy_file(others.string() + ".json", dir() / "app-20000101-000000.bak.json");
        write_file("app-20000102-000000.bak", "a .bak without a sidecar");
        write_file("notes.txt", "keep me");
        // Names that merely contain ".tmp-": not temporaries belay writes.
        write_file("app-notes.tmp-draft", "a user's draft");
        write_file("app-x.bak.tmp-0000000000000001", "not a backup name before the marker");
        std::map<std::string, std::string> files;
        for (const auto& name : names_ending_with(dir(), "")) {
            if (name != "migrations" && !name.starts_with("app.db") &&
                !(name.starts_with("app-2") && !name.starts_with("app-2000"))) {
                files[name] = fs::is_regular_file(dir() / name) ? read_file(dir() / name) : "";
            }
        }
        return files;
    }
    void expect_unchanged(const std::map<std::string, std::string>& files) {
        for (const auto& [name, contents] : files) {
            ASSERT_TRUE(fs::exists(dir() / name)) << name << " was removed";
            EXPECT_EQ(read_file(dir() / name), contents) << name << " was changed";
        }
    }
    static bool exists_with_sidecar(const fs::path& backup) {
        return fs::exists(backup) && fs::exists(backup.string() + ".json");
    }
    static bool gone_with_sidecar(const fs::path& backup) {
        return !fs::exists(backup) && !fs::exists(backup.string() + ".json");
    }
};

TEST_F(PruneTest, KeepRemovesAllButTheNewestNPrintingEachAndTheBytesFreed) {
    const auto backups = make_backups({10, 5, 3, 1, 0});
    const auto unrelated = make_unrelated_files();
    std::uintmax_t expected_bytes = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        expected_bytes += fs::file_size(backups[i]) + fs::file_size(backups[i].string() + ".json");
    }

    const auto files = list_dir(dir());
    auto dry_json = belay("prune", {"--keep", "2", "--dry-run", "--json"});
    ASSERT_EQ(dry_json.exit_code, 0) << describe(dry_json);
    const auto document = dry_json.json();
    EXPECT_EQ(document.at("removed").size(), 3u) << dry_json.out;
    EXPECT_EQ(document.at("bytes_freed").get<std::uintmax_t>(), expected_bytes) << dry_json.out;
    auto dry_text = belay("prune", {"--keep", "2", "--dry-run"});
    ASSERT_EQ(dry_text.exit_code, 0) << describe(dry_text);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_CONTAINS(dry_text.out, "would remove " + backups[i].string()) << dry_text.out;
    }
    EXPECT_EQ(list_dir(dir()), files) << "--dry-run removed something";

    auto result = belay("prune", {"--keep", "2"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_CONTAINS(result.out, "removed " + backups[i].string()) << result.out;
        EXPECT_TRUE(gone_with_sidecar(backups[i])) << backups[i];
    }
    EXPECT_CONTAINS(result.out, "freed") << result.out;
    EXPECT_TRUE(exists_with_sidecar(backups[3]));
    EXPECT_TRUE(exists_with_sidecar(backups[4]));
    expect_unchanged(unrelated);

    auto again = belay("prune", {"--keep", "2", "--json"});
    ASSERT_EQ(again.exit_code, 0) << describe(again);
    EXPECT_TRUE(again.json().at("removed").empty()) << again.out;
    EXPECT_EQ(again.json().at("bytes_freed"), 0) << again.out;
}

TEST_F(PruneTest, KeepDaysKeepsTheYoungerOnesAndEitherRuleKeeps) {
    const auto backups = make_backups({10, 5, 3, 1, 0});
    auto by_days = belay("prune", {"--keep-days", "4", "--dry-run", "--json"});
    ASSERT_EQ(by_days.exit_code, 0) << describe(by_days);
    const auto removed = by_days.json().at("removed");
    ASSERT_EQ(removed.size(), 2u) << by_days.out;
    EXPECT_EQ(removed[0].get<std::string>(), backups[1].string()) << by_days.out;
    EXPECT_EQ(removed[1].get<std::string>(), backups[0].string()) << by_days.out;

    // --keep 4 keeps the 5-day-old one too, though --keep-days 2 would not.
    auto either = belay("prune", {"--keep", "4", "--keep-days", "2"});
    ASSERT_EQ(either.exit_code, 0) << describe(either);
    EXPECT_TRUE(gone_with_sidecar(backups[0]));
    for (std::size_t i = 1; i < backups.size(); ++i) {
        EXPECT_TRUE(exists_with_sidecar(backups[i])) << backups[i];
    }

    auto days = belay("prune", {"--keep-days", "4"});
    ASSERT_EQ(days.exit_code, 0) << describe(days);
    EXPECT_TRUE(gone_with_sidecar(backups[1]));
    for (std::size_t i = 2; i < backups.size(); ++i) {
        EXPECT_TRUE(exists_with_sidecar(backups[i])) << backups[i];
    }
}

TEST_F(PruneTest, WithoutOptionsKeepsTheNewestTen) {
    std::vector<int> ages;
    for (int age = 11; age >= 0; --age) {
        ages.push_back(age);
    }
    const auto backups = make_backups(ages);
    auto result = belay("prune");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_TRUE(gone_with_sidecar(backups[0]));
    EXPECT_TRUE(gone_with_sidecar(backups[1]));
    for (std::size_t i = 2; i < backups.size(); ++i) {
        EXPECT_TRUE(exists_with_sidecar(backups[i])) << backups[i];
    }
}

TEST_F(PruneTest, NeverRemovesTheNewestIntactBackupWhenTheNewerOnesAreCorrupt) {
    const auto backups = make_backups({10, 5, 3, 1, 0});
    flip_bytes(backups[3], 4096 + 16, 16);
    flip_bytes(backups[4], 4096 + 16, 16);
    const auto unrelated = make_unrelated_files();

    auto keep_one = belay("prune", {"--keep", "1", "--dry-run", "--json"});
    ASSERT_EQ(keep_one.exit_code, 0) << describe(keep_one);
    const auto removed = keep_one.json().at("removed");
    EXPECT_EQ(removed.size(), 3u) << keep_one.out;
    for (const auto& path : removed) {
        EXPECT_NE(path.get<std::string>(), backups[2].string())
            << "--keep 1 would remove the newest intact backup";
    }

    // The most aggressive setting: nothing is young enough and no count is kept.
    auto result = belay("prune", {"--keep-days", "0"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_TRUE(exists_with_sidecar(backups[2])) << "the newest intact backup was removed";
    for (const auto i : {0, 1, 3, 4}) {
        EXPECT_TRUE(gone_with_sidecar(backups[static_cast<std::size_t>(i)])) << backups[i];
    }
    expect_unchanged(unrelated);
    auto listed = belay("backups", {"--json"});
    ASSERT_EQ(listed.exit_code, 0) << describe(listed);
    ASSERT_EQ(listed.json().at("backups").size(), 1u) << listed.out;
    EXPECT_TRUE(listed.json().at("backups")[0].at("intact").get<bool>());
}

TEST_F(PruneTest, RemovesAbandonedTemporariesOfThisDatabaseOnly) {
    make_backups({0});
    const auto files = make_unrelated_files();
    write_file("app-20261123-101500.bak.tmp-0123456789abcdef", "half a copy");
    write_file("app-20261123-101500.bak.json.tmp-fedcba9876543210", "half a sidecar");
    auto result = belay("prune");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out, "removed 2 file(s) left by an interrupted") << result.out;
    EXPECT_FALSE(fs::exists(dir() / "app-20261123-101500.bak.tmp-0123456789abcdef"));
    EXPECT_FALSE(fs::exists(dir() / "app-20261123-101500.bak.json.tmp-fedcba9876543210"));
    expect_unchanged(files);
}

// A prune killed between removing a backup and its sidecar leaves the sidecar alone; the next
// prune removes it. A sidecar whose backup is still being copied (a live writer holds the copy's
// temporary) and another database's sidecar stay.
TEST_F(PruneTest, RemovesSidecarsLeftWithoutTheirBackupButNotALiveWritersOne) {
    const auto made = make_backups({0, 0});
    const auto files = make_unrelated_files();
    fs::remove(made.front());  // as a kill between the two removals leaves it
    fs::copy_file(dir() / "app-20000101-000000.bak.json", dir() / "app-20000103-000000.bak.json");
    // A backup being written: its sidecar already has its final name, its copy does not yet.
    write_file("app-20261123-101500.bak.json", read_file(made.back().string() + ".json"));
    const auto copy = write_file("app-20261123-101500.bak.tmp-0123456789abcdef", "being copied");
    const int held = ::open(copy.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(held, 0);
    ASSERT_EQ(::flock(held, LOCK_EX), 0);
    auto result = belay("prune");
    ::close(held);
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out, "removed 1 file(s) left by an interrupted") << result.out;
    EXPECT_FALSE(fs::exists(made.front().string() + ".json"));
    EXPECT_TRUE(exists_with_sidecar(made.back()));
    EXPECT_TRUE(fs::exists(dir() / "app-20261123-101500.bak.json"));
    EXPECT_TRUE(fs::exists(copy));
    EXPECT_TRUE(fs::exists(dir() / "app-20000103-000000.bak.json")) << "another database's";
    expect_unchanged(files);
}

// breakit13c: `db restore --latest` racing a prune failed now and then ("does not exist", exit 2,
// or "changed after it was verified", exit 5): the prune removed the backup it had chosen. A
// restore --latest holds the directory shared from its choice to the end of its copy; a prune
// waits for it (and it for a running prune), up to --lock-timeout.
TEST_F(PruneTest, RestoreLatestAndPruneOfOneDirectoryTakeTurns) {
    const auto backups = make_backups({3, 2, 1});
    const int held = ::open(dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(held, 0);
    ASSERT_EQ(::flock(held, LOCK_EX), 0);  // what a prune holds
    const auto before = sha256_of(db());
    auto waited = belay("restore", {"--latest", "--yes", "--lock-timeout", "0.2"});
    EXPECT_EQ(waited.exit_code, 4) << describe(waited);
    EXPECT_EQ(waited.err, "belay: error: a prune of the backups in " + dir().string() +
                              " is still running (waited 200 ms); wait for it to finish\n");
    EXPECT_EQ(sha256_of(db()), before);
    ASSERT_EQ(::flock(held, LOCK_UN), 0);
    ASSERT_EQ(::flock(held, LOCK_SH), 0);  // what a restore --latest holds
    auto pruning = belay("prune", {"--keep", "1", "--lock-timeout", "0.2"});
    EXPECT_EQ(pruning.exit_code, 4) << describe(pruning);
    auto restoring = belay("restore", {"--latest", "--yes", "--lock-timeout", "0.2"});
    EXPECT_EQ(restoring.exit_code, 0) << "restores share the directory\n" << describe(restoring);
    ::close(held);
    for (const auto& backup : backups) {
        EXPECT_TRUE(exists_with_sidecar(backup)) << backup;
    }
}

// Prunes of one directory take turns (breakit13b section 3: two prunes that listed the same
// backup both removed it, the second failing with "cannot remove ...: No such file"). While
// another prune holds the directory, a prune waits up to --lock-timeout, then exits 4 naming
// the directory and removes nothing; a dry run removes nothing and does not wait.
TEST_F(PruneTest, WaitsForAnotherPruneOfTheDirectoryThenExitsFour) {
    const auto backups = make_backups({3, 2, 1});
    const int held = ::open(dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(held, 0);
    ASSERT_EQ(::flock(held, LOCK_EX), 0);
    auto busy = belay("prune", {"--keep", "1", "--lock-timeout", "0.2"});
    auto dry = belay("prune", {"--keep", "1", "--dry-run", "--lock-timeout", "0"});
    ::close(held);
    EXPECT_EQ(busy.exit_code, 4) << describe(busy);
    EXPECT_EQ(busy.err, "belay: error: another prune, or a restore, of the backups in " +
                            dir().string() +
                            " is still running (waited 200 ms); wait for it to finish\n");
    EXPECT_EQ(dry.exit_code, 0) << describe(dry);
    for (const auto& backup : backups) {
        EXPECT_TRUE(exists_with_sidecar(backup)) << backup;
    }
    auto pruned = belay("prune", {"--keep", "1"});
    ASSERT_EQ(pruned.exit_code, 0) << describe(pruned);
    EXPECT_TRUE(gone_with_sidecar(backups[0]));
    EXPECT_TRUE(exists_with_sidecar(backups[2]));
}

TEST_F(PruneTest, RejectsNonsenseCounts) {
    make_backups({1, 0});
    const auto files = list_dir(dir());
    EXPECT_EQ(belay("prune", {"--keep", "0"}).exit_code, 2);
    EXPECT_EQ(belay("prune", {"--keep-days", "-1"}).exit_code, 2);
    EXPECT_EQ(list_dir(dir()), files);
}

}  // namespace
}  // namespace belay::testing
