#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "belay/fleet.hpp"
#include "support/temp_dir.hpp"

namespace belay {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::vector<std::string> paths_of(const std::vector<FleetMember>& members) {
    std::vector<std::string> paths;
    for (const auto& member : members) {
        paths.push_back(member.path.string());
    }
    return paths;
}

std::vector<FleetMember> select(const FleetSelection& selection) {
    auto selected = select_fleet(selection);
    EXPECT_TRUE(selected.has_value()) << (selected ? "" : selected.error().message);
    return selected ? selected->members : std::vector<FleetMember>{};
}

TEST(FleetSelection, APatternIsExpandedSortedAndSkipsSideFiles) {
    TempDir dir;
    for (const char* name :
         {"b.db", "a.db", "a.db-wal", "a.db-shm", "a.db-journal", "a-20261207-101500.bak",
          "a-20261207-101500.bak.json", "a.db.belay-lock", "c.db.tmp-0123456789abcdef"}) {
        dir.write(name, "x");
    }
    const auto members =
        select({.patterns = {(dir.path() / "*").string()}, .lists = {}, .shard = {}});
    EXPECT_EQ(paths_of(members),
              (std::vector<std::string>{(dir / "a.db").string(), (dir / "b.db").string()}));
}

TEST(FleetSelection, APatternInADirectoryPartReachesEveryTenant) {
    TempDir dir;
    dir.write("t1/app.db", "x");
    dir.write("t2/app.db", "x");
    dir.write("t2/other.db", "x");
    const auto members =
        select({.patterns = {(dir.path() / "t*/app.db").string()}, .lists = {}, .shard = {}});
    EXPECT_EQ(members.size(), 2u);
}

TEST(FleetSelection, APatternThatMatchesNothingIsAnErrorNamingIt) {
    TempDir dir;
    const auto pattern = (dir.path() / "*.db").string();
    auto members = select_fleet({.patterns = {pattern}, .lists = {}, .shard = {}});
    ASSERT_FALSE(members.has_value());
    EXPECT_EQ(members.error().code, ErrorCode::invalid_input);
    EXPECT_NE(members.error().message.find(pattern), std::string::npos);
}

TEST(FleetSelection, NothingNamedIsAnError) {
    auto members = select_fleet({});
    ASSERT_FALSE(members.has_value());
    EXPECT_EQ(members.error().code, ErrorCode::invalid_input);
}

TEST(FleetSelection, APlainPathThatDoesNotExistIsSelectedAndReported) {
    TempDir dir;
    const auto members =
        select({.patterns = {(dir.path() / "gone.db").string()}, .lists = {}, .shard = {}});
    ASSERT_EQ(members.size(), 1u);
    EXPECT_EQ(members[0].problem, "does not exist");
}

TEST(FleetSelection, DirectoriesAndFifosAreReportedNotOpened) {
    TempDir dir;
    fs::create_directory(dir / "dir.db");
    ASSERT_EQ(::mkfifo((dir / "fifo.db").c_str(), 0644), 0);
    const auto members =
        select({.patterns = {(dir.path() / "*.db").string()}, .lists = {}, .shard = {}});
    ASSERT_EQ(members.size(), 2u);
    EXPECT_NE(members[0].problem.find("directory"), std::string::npos);
    EXPECT_NE(members[1].problem.find("FIFO"), std::string::npos);
}

TEST(FleetSelection, ADirectoryThePatternCannotEnterIsReported) {
    if (::geteuid() == 0) {
        GTEST_SKIP() << "root enters every directory";
    }
    TempDir dir;
    dir.write("open/a.db", "x");
    dir.write("closed/a.db", "x");
    fs::permissions(dir / "closed", fs::perms::none);
    const auto members =
        select({.patterns = {(dir.path() / "*/a.db").string()}, .lists = {}, .shard = {}});
    fs::permissions(dir / "closed", fs::perms::owner_all);
    ASSERT_EQ(members.size(), 2u);
    EXPECT_NE(members[0].problem.find("could not enter"), std::string::npos) << members[0].path;
}

TEST(FleetSelection, TwoNamesOfOneFileCountOnceUnderTheNameThatIsNotALink) {
    TempDir dir;
    dir.write("b.db", "x");
    fs::create_symlink(dir / "b.db", dir / "a-link.db");
    fs::create_hard_link(dir / "b.db", dir / "hard.db");
    auto selected =
        select_fleet({.patterns = {(dir.path() / "*.db").string(), (dir / "b.db").string()},
                      .lists = {},
                      .shard = {}});
    ASSERT_TRUE(selected.has_value()) << selected.error().message;
    EXPECT_EQ(paths_of(selected->members), std::vector<std::string>{(dir / "b.db").string()});
    ASSERT_EQ(selected->aliases.size(), 2u);
    EXPECT_EQ(selected->aliases[0].first, (dir / "a-link.db").string());
    EXPECT_EQ(selected->aliases[0].second, (dir / "b.db").string());
    EXPECT_EQ(selected->aliases[1].first, (dir / "hard.db").string());
}

TEST(FleetSelection, AnEmptyFileIsReportedNotMigrated) {
    TempDir dir;
    dir.write("empty.db", "");
    const auto members =
        select({.patterns = {(dir.path() / "*.db").string()}, .lists = {}, .shard = {}});
    ASSERT_EQ(members.size(), 1u);
    EXPECT_NE(members[0].problem.find("empty"), std::string::npos);
}

TEST(FleetSelection, AMemberSwappedAfterTheSelectionIsNoticed) {
    TempDir dir;
    dir.write("a.db", "x");
    dir.write("other.db", "y");
    const auto members = select({.patterns = {(dir / "a.db").string()}, .lists = {}, .shard = {}});
    ASSERT_EQ(members.size(), 1u);
    EXPECT_EQ(member_changed(members[0]), "");
    fs::remove(dir / "a.db");
    fs::create_symlink(dir / "other.db", dir / "a.db");
    EXPECT_NE(member_changed(members[0]).find("another file"), std::string::npos);
    fs::remove(dir / "a.db");
    EXPECT_NE(member_changed(members[0]).find("does not exist"), std::string::npos);
}

TEST(FleetSelection, AListOfBlankLinesAndCommentsSelectsNothingAndIsAnError) {
    TempDir dir;
    const auto list = dir.write("list.txt", "# none yet\n   \n\t\n  # indented\n");
    auto selected = select_fleet({.patterns = {}, .lists = {list}, .shard = {}});
    ASSERT_FALSE(selected.has_value());
    EXPECT_EQ(selected.error().code, ErrorCode::invalid_input);
}

TEST(FleetSelection, AListGivesPathsAsWrittenSkippingBlankLinesAndComments) {
    TempDir dir;
    dir.write("a.db", "x");
    dir.write("b.db", "x");
    const auto list = dir.write("list.txt", "# tenants\n" + (dir / "b.db").string() + "\r\n\n" +
                                                (dir / "a.db").string() + "\n");
    const auto members = select({.patterns = {}, .lists = {list}, .shard = {}});
    EXPECT_EQ(paths_of(members),
              (std::vector<std::string>{(dir / "a.db").string(), (dir / "b.db").string()}));
}

TEST(FleetSelection, AListThatCannotBeReadIsAnErrorNamingIt) {
    TempDir dir;
    auto members = select_fleet({.patterns = {}, .lists = {dir / "none.txt"}, .shard = {}});
    ASSERT_FALSE(members.has_value());
    EXPECT_NE(members.error().message.find("none.txt"), std::string::npos);
}

TEST(FleetShard, ParsesIOverNAndRefusesTheRest) {
    auto shard = parse_shard("2/5");
    ASSERT_TRUE(shard.has_value());
    EXPECT_EQ(shard->index, 2u);
    EXPECT_EQ(shard->count, 5u);
    for (const char* bad : {"5/5", "1/0", "a/2", "1", "-1/2", "1/2/3", "", "0/1000001"}) {
        EXPECT_FALSE(parse_shard(bad).has_value()) << bad;
    }
}

TEST(FleetShard, SharesCoverTheSelectionOnceAndDoNotMoveWhenTenantsAreAdded) {
    std::vector<std::string> paths;
    for (int i = 0; i < 2000; ++i) {
        paths.push_back("tenants/t" + std::to_string(i) + ".db");
    }
    constexpr std::uint32_t shards = 7;
    std::vector<int> owners(paths.size(), -1);
    std::vector<int> sizes(shards, 0);
    for (std::size_t p = 0; p < paths.size(); ++p) {
        for (std::uint32_t i = 0; i < shards; ++i) {
            if (in_shard(paths[p], {i, shards})) {
                EXPECT_EQ(owners[p], -1) << paths[p] << " is in two shares";
                owners[p] = static_cast<int>(i);
                ++sizes[i];
            }
        }
        EXPECT_NE(owners[p], -1) << paths[p] << " is in no share";
    }
    // Roughly even: every share holds between half and twice its fair part.
    for (const int size : sizes) {
        EXPECT_GT(size, 2000 / shards / 2);
        EXPECT_LT(size, 2000 / shards * 2);
    }
    // The hash of a path is its own: the same share on every host, whatever else is selected.
    EXPECT_EQ(in_shard("tenants/t5.db", {static_cast<std::uint32_t>(owners[5]), shards}), true);
}

TEST(FleetShard, TheSelectionKeepsOnlyItsShare) {
    TempDir dir;
    for (int i = 0; i < 40; ++i) {
        dir.write("t" + std::to_string(i) + ".db", "x");
    }
    std::set<std::string> seen;
    for (std::uint32_t i = 0; i < 3; ++i) {
        for (const auto& path : paths_of(select({.patterns = {(dir.path() / "*.db").string()},
                                .lists = {},
                                .shard = Shard{i, 3}}))) {
            EXPECT_TRUE(seen.insert(path).second) << path;
        }
    }
    EXPECT_EQ(seen.size(), 40u);
}

TEST(FleetOutcome, NamesRoundTrip) {
    for (std::size_t i = 0; i < k_fleet_outcome_count; ++i) {
        const auto outcome = static_cast<FleetOutcome>(i);
        EXPECT_EQ(fleet_outcome_from_string(to_string(outcome)), outcome);
    }
    EXPECT_FALSE(fleet_outcome_from_string("done").has_value());
}

}  // namespace
}  // namespace belay
