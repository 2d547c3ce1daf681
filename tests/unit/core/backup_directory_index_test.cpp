#include "core/backup_directory_index.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/backup_metadata.hpp"
#include "core/durable_file.hpp"
#include "support/temp_dir.hpp"

namespace belay {
namespace {

namespace fs = std::filesystem;
using Names = std::vector<std::string>;

Names sorted(Names names) {
    std::ranges::sort(names);
    return names;
}

void touch(const fs::path& path) {
    std::ofstream(path).put('x');
}

// What the sidecar question would be answered with by a listing made now.
Names listed_sidecars(const fs::path& directory, std::string_view stem) {
    Names names;
    for (const auto& entry : fs::directory_iterator(directory)) {
        const auto name = entry.path().filename().string();
        const auto stems = automatic_backup_stems(name);
        if (name.ends_with(".bak.json") &&
            (stems.empty() || std::ranges::find(stems, stem) != stems.end())) {
            names.push_back(name);
        }
    }
    return sorted(names);
}

Names listed_temporaries(const fs::path& directory) {
    Names names;
    for (const auto& entry : fs::directory_iterator(directory)) {
        if (is_temporary_name(entry.path().filename().string())) {
            names.push_back(entry.path().filename().string());
        }
    }
    return sorted(names);
}

TEST(BackupDirectoryIndex, ADirectoryNotWatchedIsLeftToAListing) {
    testing::TempDir dir;
    touch(dir / "t1-20261207-101500.bak.json");
    EXPECT_FALSE(watched_sidecars(dir.path(), "t1"));
    EXPECT_FALSE(watched_temporaries(dir.path()));
}

TEST(BackupDirectoryIndex, AnswersAsAListingWouldAfterOtherWritersChangedTheDirectory) {
    testing::TempDir dir;
    touch(dir / "t1-20261207-101500.bak.json");
    touch(dir / "t10-20261207-101500.bak.json");
    touch(dir / "before-upgrade.bak.json");
    const BackupDirectoryWatch watch({dir.path()});
    ASSERT_EQ(watch.watched(), 1U) << "inotify is available on every machine the tests run on";
    const auto first = watched_sidecars(dir.path(), "t1");
    ASSERT_TRUE(first);
    EXPECT_EQ(sorted(*first), listed_sidecars(dir.path(), "t1"));
    EXPECT_EQ(sorted(*first), (Names{"before-upgrade.bak.json", "t1-20261207-101500.bak.json"}));

    // Made, renamed and removed after the first answer, as another process would.
    touch(dir / "t1-20261207-101501-2.bak.json");
    touch(dir / "x.tmp-0123456789abcdef");
    fs::rename(dir / "x.tmp-0123456789abcdef", dir / "t1-20261207-101502.bak.json");
    fs::remove(dir / "before-upgrade.bak.json");
    touch(dir / "t1-20261207-101503.bak.tmp-00000000000000ff");
    touch(dir / "t1-20261207-101503.bak.tmp-00000000000000ff-journal");
    const fs::path elsewhere = dir / "elsewhere";
    fs::create_directory(elsewhere);
    touch(elsewhere / "moved-in.bak.json");
    fs::rename(elsewhere / "moved-in.bak.json", dir / "moved-in.bak.json");

    const auto second = watched_sidecars(dir.path(), "t1");
    ASSERT_TRUE(second);
    EXPECT_EQ(sorted(*second), listed_sidecars(dir.path(), "t1"));
    EXPECT_EQ(sorted(*second),
              (Names{"moved-in.bak.json", "t1-20261207-101500.bak.json",
                     "t1-20261207-101501-2.bak.json", "t1-20261207-101502.bak.json"}));
    const auto temporaries = watched_temporaries(dir.path());
    ASSERT_TRUE(temporaries);
    EXPECT_EQ(sorted(*temporaries), listed_temporaries(dir.path()));
    EXPECT_EQ(sorted(*temporaries), (Names{"t1-20261207-101503.bak.tmp-00000000000000ff",
                                           "t1-20261207-101503.bak.tmp-00000000000000ff-journal"}));
    // Another path to the same directory gets the same answers.
    EXPECT_EQ(sorted(*watched_sidecars(elsewhere / "..", "t10")),
              listed_sidecars(dir.path(), "t10"));
}

TEST(BackupDirectoryIndex, LostEventsMakeItListAgain) {
    testing::TempDir dir;
    const BackupDirectoryWatch watch({dir.path()});
    ASSERT_EQ(watch.watched(), 1U);
    ASSERT_TRUE(watched_sidecars(dir.path(), "t1"));
    // More events than the kernel queues (/proc/sys/fs/inotify/max_queued_events, 16384 unless
    // raised): the queue overflows and the index must not answer from what it kept.
    std::ifstream limit_file("/proc/sys/fs/inotify/max_queued_events");
    long limit = 16384;
    limit_file >> limit;
    if (limit > 200000) {
        GTEST_SKIP() << "this machine queues " << limit << " inotify events: too many to overflow";
    }
    for (long i = 0; i <= limit; ++i) {
        const int fd = ::open((dir / ("f" + std::to_string(i))).c_str(), O_CREAT | O_WRONLY, 0600);
        ASSERT_GE(fd, 0);
        ::close(fd);
    }
    touch(dir / "t1-20261207-101500.bak.json");
    const auto answer = watched_sidecars(dir.path(), "t1");
    ASSERT_TRUE(answer);
    EXPECT_EQ(*answer, Names{"t1-20261207-101500.bak.json"});
}

TEST(BackupDirectoryIndex, ADirectoryRemovedAndMadeAgainIsNoLongerAnsweredFor) {
    testing::TempDir dir;
    const fs::path tenants = dir / "tenants";
    fs::create_directory(tenants);
    touch(tenants / "t1-20261207-101500.bak.json");
    const BackupDirectoryWatch watch({tenants});
    ASSERT_EQ(watch.watched(), 1U);
    ASSERT_TRUE(watched_sidecars(tenants, "t1"));
    fs::remove_all(tenants);
    fs::create_directory(tenants);
    touch(tenants / "t1-20261207-101600.bak.json");
    EXPECT_FALSE(watched_sidecars(tenants, "t1"));
}

TEST(BackupDirectoryIndex, StaysWatchedUntilTheLastScopeEnds) {
    testing::TempDir dir;
    {
        const BackupDirectoryWatch outer({dir.path()});
        {
            const BackupDirectoryWatch inner({dir.path(), dir / "missing"});
            EXPECT_EQ(inner.watched(), 1U);  // a directory that does not exist is not watched
        }
        touch(dir / "t1-20261207-101500.bak.json");
        const auto answer = watched_sidecars(dir.path(), "t1");
        ASSERT_TRUE(answer);
        EXPECT_EQ(*answer, Names{"t1-20261207-101500.bak.json"});
    }
    EXPECT_FALSE(watched_sidecars(dir.path(), "t1"));
}

TEST(BackupDirectoryIndex, HighestSequenceOverTheWatchedNamesIsTheListingsAnswer) {
    testing::TempDir dir;
    BackupMetadata metadata;
    metadata.source = "/srv/tenants/t1.db";
    metadata.created_at = "2026-12-07T10:15:00Z";
    metadata.reason = "manual";
    metadata.schema_version = "3";
    const BackupDirectoryWatch watch({dir.path()});
    ASSERT_EQ(watch.watched(), 1U);
    const auto both = [&] {
        const auto names = watched_sidecars(dir.path(), "t1");
        EXPECT_TRUE(names);
        const auto watched = highest_sequence(dir.path(), metadata.source, names.value_or(Names{}));
        EXPECT_EQ(watched, highest_sequence(dir.path(), metadata.source, "t1"));
        return watched;
    };
    EXPECT_EQ(both(), 0);
    metadata.sequence = 7;
    dir.write("t1-20261207-101500.bak.json", to_json_text(metadata));
    metadata.sequence = 12;
    dir.write("chosen.bak.json", to_json_text(metadata));
    metadata.sequence = 99;  // t10's name: not t1's, whatever it says
    dir.write("t10-20261207-101500.bak.json", to_json_text(metadata));
    EXPECT_EQ(both(), 12);
    fs::create_directory_symlink(dir.path(), dir / "link.bak.json");  // not a regular file
    fs::remove(dir / "chosen.bak.json");
    EXPECT_EQ(both(), 7);
}

TEST(BackupDirectoryIndex, SidecarsNamingASourceAreReadOnceAndAgainAfterTheyChange) {
    testing::TempDir dir;
    BackupMetadata metadata;
    metadata.created_at = "2026-12-07T10:15:00Z";
    metadata.reason = "manual";
    metadata.schema_version = "3";
    const auto write_sidecar = [&](const std::string& name, const std::string& source) {
        metadata.source = source;
        dir.write(name, to_json_text(metadata));
    };
    write_sidecar("t1-20261207-101500.bak.json", "/srv/t1.db");
    write_sidecar("t2-20261207-101500.bak.json", "/srv/t2.db");
    write_sidecar("chosen.bak.json", "/srv/t1.db");
    // A sidecar belongs to the database its source names, whatever its name says.
    write_sidecar("t2-20261207-101600.bak.json", "/srv/t1.db");
    dir.write("broken.bak.json", "{ not json");
    const BackupDirectoryWatch watch({dir.path()});
    ASSERT_EQ(watch.watched(), 1U);
    const auto naming = [&](const std::string& source) {
        auto names = watched_sidecars_naming(dir.path(), source);
        EXPECT_TRUE(names);
        return sorted(names.value_or(Names{}));
    };
    EXPECT_EQ(naming("/srv/t1.db"),
              (Names{"broken.bak.json", "chosen.bak.json", "t1-20261207-101500.bak.json",
                     "t2-20261207-101600.bak.json"}));
    EXPECT_EQ(naming("/srv/t2.db"), (Names{"broken.bak.json", "t2-20261207-101500.bak.json"}));

    // Rewritten in place, replaced by a rename, mended, removed: each is read again.
    write_sidecar("chosen.bak.json", "/srv/t2.db");
    write_sidecar("elsewhere.json", "/srv/t2.db");
    fs::rename(dir / "elsewhere.json", dir / "t1-20261207-101500.bak.json");
    write_sidecar("broken.bak.json", "/srv/t3.db");
    fs::remove(dir / "t2-20261207-101600.bak.json");
    EXPECT_EQ(naming("/srv/t1.db"), Names{});
    EXPECT_EQ(naming("/srv/t2.db"), (Names{"chosen.bak.json", "t1-20261207-101500.bak.json",
                                           "t2-20261207-101500.bak.json"}));
    EXPECT_EQ(naming("/srv/t3.db"), Names{"broken.bak.json"});
}

}  // namespace
}  // namespace belay
