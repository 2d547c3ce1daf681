#include "engine/backups.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/utc_time.hpp"
#include "engine/migrate.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"
#include "unit/engine/raw_database.hpp"

namespace belay::engine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;
using namespace std::chrono_literals;
using testing::names_in;
using testing::RawDatabase;

// 2026-11-23 10:15:00 UTC: the "now" prune tests measure ages from.
system_clock::time_point example_now() {
    return sys_days{year{2026} / November / 23} + 10h + 15min;
}

std::vector<std::string> file_names(const std::vector<BackupEntry>& entries) {
    std::vector<std::string> names;
    for (const auto& entry : entries) {
        names.push_back(entry.path.filename().string());
    }
    return names;
}

void flip_bytes_in_the_middle(const fs::path& path) {
    std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(static_cast<std::streamoff>(fs::file_size(path) / 2));
    file.write("\xde\xad\xbe\xef", 4);
    ASSERT_TRUE(file.good()) << path;
}

// A directory with app.db (and other.db), and backups of them written by belay itself.
class BackupsTest : public ::testing::Test {
  protected:
    fs::path db() const { return m_dir / "app.db"; }

    void SetUp() override { make_database(db(), "app"); }

    static void make_database(const fs::path& path, const std::string& marker) {
        RawDatabase raw(path);
        raw.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, marker TEXT);");
        raw.exec("INSERT INTO items (marker) VALUES ('" + marker + "')");
    }

    DatabaseOptions options(const fs::path& database) const {
        DatabaseOptions options;
        options.database = database;
        options.migrations_dir = m_dir / "migrations";
        options.lock_timeout = 2s;
        return options;
    }
    DatabaseOptions options() const { return options(db()); }

    Snapshot backup(const DatabaseOptions& db_options) {
        BackupOptions request;
        request.db = db_options;
        auto snapshot = run_backup(request);
        if (!snapshot) {
            ADD_FAILURE() << "run_backup failed: " << snapshot.error().message;
            return {};
        }
        return *snapshot;
    }
    Snapshot backup() { return backup(options()); }

    // A backup of app.db kept outside the directory backups are listed in, to clone from.
    Snapshot template_backup() {
        auto db_options = options();
        db_options.backup_dir = m_dir / "template";
        fs::create_directories(db_options.backup_dir);
        return backup(db_options);
    }

    // A copy of `original` under `name` whose sidecar says it was taken at `created_at`
    // (from `source` when given): how backups taken at other times look on disk.
    fs::path clone(const Snapshot& original, const std::string& name, const std::string& created_at,
                   const std::string& source = "",
                   std::optional<std::int64_t> sequence = std::nullopt) {
        const auto path = m_dir / name;
        fs::copy_file(original.path, path);
        auto metadata = original.metadata;
        metadata.created_at = created_at;
        metadata.sequence = sequence.value_or(metadata.sequence);
        if (!source.empty()) {
            metadata.source = source;
        }
        m_dir.write(name + ".json", to_json_text(metadata));
        return path;
    }

    // Backups whose sidecars say they were taken `days` ago (relative to example_now()).
    fs::path aged(const Snapshot& original, int days) {
        const auto when = example_now() - days * 24h;
        return clone(original, backup_file_name("app", when, 0), iso8601_utc(when));
    }

    std::vector<BackupEntry> list(bool verify = false) {
        auto entries = list_backups(options(), verify);
        if (!entries) {
            ADD_FAILURE() << "list_backups failed: " << entries.error().message;
            return {};
        }
        return *entries;
    }

    PruneReport prune(PruneOptions prune_options) {
        prune_options.db = options();
        auto report = run_prune(prune_options, example_now());
        if (!report) {
            ADD_FAILURE() << "run_prune failed: " << report.error().message;
            return {};
        }
        return *report;
    }

    testing::TempDir m_dir;
};

TEST_F(BackupsTest, RunBackupOfAMissingDatabaseIsInvalidInputAndWritesNothing) {
    const auto before = names_in(m_dir.path());
    BackupOptions request;
    request.db = options(m_dir / "missing.db");
    auto snapshot = run_backup(request);
    ASSERT_FALSE(snapshot.has_value());
    EXPECT_EQ(snapshot.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(snapshot.error().message, (m_dir / "missing.db").string());
    EXPECT_EQ(names_in(m_dir.path()), before);
}

TEST_F(BackupsTest, RunBackupWritesAManualVerifiedBackupBesideTheDatabase) {
    const auto taken = backup();
    EXPECT_EQ(taken.path.parent_path(), m_dir.path());
    const auto listed = list(true);
    ASSERT_EQ(listed.size(), 1U);
    EXPECT_EQ(listed[0].path, taken.path);
    EXPECT_EQ(listed[0].metadata.reason, "manual");
    EXPECT_EQ(listed[0].metadata.schema_version, "0");
    EXPECT_TRUE(listed[0].metadata.verified);
    ASSERT_TRUE(listed[0].problems.has_value());
    EXPECT_TRUE(listed[0].problems->empty());
    RawDatabase copy(taken.path, false);
    EXPECT_EQ(copy.text("SELECT marker FROM items"), "app");
}

TEST_F(BackupsTest, RunBackupRecordsTheAppliedVersion) {
    m_dir.write("migrations/0001_items.sql",
                "-- +migrate Up\nCREATE TABLE more_items (id INTEGER PRIMARY KEY);\n");
    m_dir.write("migrations/0002_seed.sql",
                "-- +migrate Up\nINSERT INTO more_items DEFAULT VALUES;\n");
    MigrateOptions migrate;
    migrate.db = options();
    migrate.backup = false;
    auto report = run_migrate(migrate);
    ASSERT_TRUE(report.has_value()) << report.error().message;
    ASSERT_TRUE(report->succeeded());

    BackupOptions request;
    request.db = options();
    request.out = m_dir / "out" / "exact.bak";
    fs::create_directories(m_dir / "out");
    auto taken = run_backup(request);
    ASSERT_TRUE(taken.has_value()) << taken.error().message;
    EXPECT_EQ(taken->path, m_dir / "out" / "exact.bak");
    EXPECT_EQ(taken->metadata.schema_version, "0002");
}

TEST_F(BackupsTest, ListsNewestFirst) {
    const auto original = template_backup();
    clone(original, "app-20260101-000000.bak", "2026-01-01T00:00:00Z");
    clone(original, "app-20260301-000000.bak", "2026-03-01T00:00:00Z");
    clone(original, "app-20260201-000000.bak", "2026-02-01T00:00:00Z");

    EXPECT_EQ(file_names(list()),
              (std::vector<std::string>{"app-20260301-000000.bak", "app-20260201-000000.bak",
                                        "app-20260101-000000.bak"}));
}

// Backups taken in the same second share created_at; the suffix says which came later.
TEST_F(BackupsTest, SameSecondBackupsAreListedNewestFirst) {
    const auto original = template_backup();
    const std::string second = "2026-01-01T00:00:00Z";
    for (const char* name : {"app-20260101-000000.bak", "app-20260101-000000-1.bak",
                             "app-20260101-000000-2.bak", "app-20260101-000000-10.bak"}) {
        clone(original, name, second);
    }
    // 0..9 more in between, so that "-10" is the newest.
    for (int n = 3; n < 10; ++n) {
        clone(original, "app-20260101-000000-" + std::to_string(n) + ".bak", second);
    }

    const auto names = file_names(list());

    ASSERT_EQ(names.size(), 11U);
    EXPECT_EQ(names.front(), "app-20260101-000000-10.bak");
    EXPECT_EQ(names[1], "app-20260101-000000-9.bak");
    EXPECT_EQ(names.back(), "app-20260101-000000.bak");
}

// The same ordering decides what prune keeps: --keep 1 must keep the backup taken last.
TEST_F(BackupsTest, PruneKeepsTheLaterOfTwoSameSecondBackups) {
    const auto original = template_backup();
    const auto first = clone(original, "app-20260101-000000.bak", "2026-01-01T00:00:00Z");
    const auto second = clone(original, "app-20260101-000000-1.bak", "2026-01-01T00:00:00Z");

    PruneOptions request;
    request.keep = 1;
    const auto report = prune(request);

    EXPECT_EQ(file_names(report.kept), std::vector<std::string>{second.filename().string()});
    EXPECT_TRUE(fs::exists(second));
    EXPECT_FALSE(fs::exists(first));
}

TEST_F(BackupsTest, ListsOnlyBackupsWhoseSidecarNamesThisDatabase) {
    const auto mine = backup();
    make_database(m_dir / "other.db", "other");
    const auto theirs = backup(options(m_dir / "other.db"));
    // Named like app's backups, but taken from a database elsewhere.
    clone(mine, "app-20260101-000000.bak", "2026-01-01T00:00:00Z", "/elsewhere/app.db");

    const auto listed = list();

    ASSERT_EQ(listed.size(), 1U);
    EXPECT_EQ(listed[0].path, mine.path);
    auto other = list_backups(options(m_dir / "other.db"), false);
    ASSERT_TRUE(other.has_value());
    ASSERT_EQ(other->size(), 1U);
    EXPECT_EQ((*other)[0].path, theirs.path);
}

TEST_F(BackupsTest, MatchesTheDatabaseReachedThroughASymlinkedDirectory) {
    fs::create_directories(m_dir / "real");
    make_database(m_dir / "real" / "app.db", "real");
    fs::create_directory_symlink(m_dir / "real", m_dir / "link");
    const auto through_link = options(m_dir / "link" / "app.db");
    const auto direct = options(m_dir / "real" / "app.db");

    const auto via_link = backup(through_link);
    EXPECT_EQ(via_link.metadata.source, fs::canonical(m_dir / "real" / "app.db").string());
    const auto via_real = backup(direct);

    for (const auto& db_options : {through_link, direct}) {
        auto listed = list_backups(db_options, false);
        ASSERT_TRUE(listed.has_value()) << listed.error().message;
        EXPECT_EQ(listed->size(), 2U) << db_options.database;
    }
}

TEST_F(BackupsTest, UsesTheBackupDirectoryWhenGiven) {
    auto db_options = options();
    db_options.backup_dir = m_dir / "vault";
    fs::create_directories(db_options.backup_dir);
    const auto in_vault = backup(db_options);
    const auto beside = backup();
    EXPECT_EQ(in_vault.path.parent_path(), m_dir / "vault");

    auto listed = list_backups(db_options, false);
    ASSERT_TRUE(listed.has_value());
    EXPECT_EQ(file_names(*listed), std::vector<std::string>{in_vault.path.filename().string()});
    EXPECT_EQ(file_names(list()), std::vector<std::string>{beside.path.filename().string()});
}

TEST_F(BackupsTest, IgnoresASidecarWithoutItsBackupAndSkipsUnparsableOnes) {
    const auto taken = backup();
    // A sidecar whose backup was never renamed into place (a killed run) and a broken one.
    m_dir.write("app-20260101-000000.bak.json", testing::read_file(sidecar_path(taken.path)));
    m_dir.write("app-20260102-000000.bak", "whatever");
    m_dir.write("app-20260102-000000.bak.json", "{ not json");
    m_dir.write("app-20260103-000000.bak.json", R"({"source": 1})");

    EXPECT_EQ(file_names(list()), std::vector<std::string>{taken.path.filename().string()});
}

TEST_F(BackupsTest, VerificationReportsACorruptedBackup) {
    const auto good = backup();
    const auto bad = clone(good, "app-20260101-000000.bak", "2026-01-01T00:00:00Z");
    flip_bytes_in_the_middle(bad);

    const auto unverified = list(false);
    ASSERT_EQ(unverified.size(), 2U);
    EXPECT_FALSE(unverified[0].problems.has_value());

    const auto verified = list(true);
    ASSERT_EQ(verified.size(), 2U);
    ASSERT_TRUE(verified[0].problems.has_value());
    ASSERT_TRUE(verified[1].problems.has_value());
    EXPECT_EQ(verified[0].path, good.path);
    EXPECT_TRUE(verified[0].problems->empty());
    EXPECT_EQ(verified[1].path, bad);
    EXPECT_FALSE(verified[1].problems->empty());
}

TEST_F(BackupsTest, PruneKeepsTheNewestNAndLeavesOtherFilesAlone) {
    const auto original = template_backup();
    std::vector<fs::path> paths;
    for (int days : {40, 30, 20, 10}) {
        paths.push_back(aged(original, days));
    }
    make_database(m_dir / "other.db", "other");
    const auto theirs = backup(options(m_dir / "other.db"));
    m_dir.write("notes.txt", "keep");
    m_dir.write("app-19990101-000000.bak", "not belay's: no sidecar");
    const auto expected_freed = fs::file_size(paths[0]) + fs::file_size(sidecar_path(paths[0])) +
                                fs::file_size(paths[1]) + fs::file_size(sidecar_path(paths[1]));

    PruneOptions request;
    request.keep = 2;
    const auto report = prune(request);

    EXPECT_EQ(file_names(report.removed), (std::vector<std::string>{paths[1].filename().string(),
                                                                    paths[0].filename().string()}));
    EXPECT_EQ(file_names(report.kept), (std::vector<std::string>{paths[3].filename().string(),
                                                                 paths[2].filename().string()}));
    EXPECT_EQ(report.bytes_freed, expected_freed);
    for (const auto& removed : {paths[0], paths[1]}) {
        EXPECT_FALSE(fs::exists(removed)) << removed;
        EXPECT_FALSE(fs::exists(sidecar_path(removed))) << removed;
    }
    for (const auto& kept : {paths[2], paths[3], theirs.path, sidecar_path(theirs.path),
                             m_dir / "notes.txt", m_dir / "app-19990101-000000.bak", db()}) {
        EXPECT_TRUE(fs::exists(kept)) << kept;
    }
}

TEST_F(BackupsTest, PruneWithoutRulesKeepsTheDefaultTen) {
    const auto original = template_backup();
    for (int days = 1; days <= 12; ++days) {
        aged(original, days);
    }
    const auto report = prune(PruneOptions{});
    EXPECT_EQ(report.kept.size(), static_cast<std::size_t>(k_default_keep));
    ASSERT_EQ(report.removed.size(), 2U);
    EXPECT_EQ(report.removed[0].metadata.created_at, iso8601_utc(example_now() - 11 * 24h));
    EXPECT_EQ(report.removed[1].metadata.created_at, iso8601_utc(example_now() - 12 * 24h));
}

TEST_F(BackupsTest, PruneKeepDaysRemovesOnlyOlderBackups) {
    const auto original = template_backup();
    const auto old = aged(original, 10);
    const auto middle = aged(original, 4);
    const auto recent = aged(original, 1);

    PruneOptions request;
    request.keep_days = 3;
    const auto report = prune(request);

    EXPECT_EQ(file_names(report.kept), std::vector<std::string>{recent.filename().string()});
    EXPECT_EQ(file_names(report.removed),
              (std::vector<std::string>{middle.filename().string(), old.filename().string()}));
    EXPECT_TRUE(fs::exists(recent));
    EXPECT_FALSE(fs::exists(middle));
    EXPECT_FALSE(fs::exists(old));
}

TEST_F(BackupsTest, PruneKeepsABackupThatEitherRuleKeeps) {
    const auto original = template_backup();
    const auto old = aged(original, 30);
    aged(original, 5);
    aged(original, 2);

    PruneOptions request;
    request.keep = 1;
    request.keep_days = 10;
    const auto report = prune(request);

    EXPECT_EQ(file_names(report.removed), std::vector<std::string>{old.filename().string()});
    EXPECT_EQ(report.kept.size(), 2U);
}

TEST_F(BackupsTest, PruneDryRunReportsButRemovesNothing) {
    const auto original = template_backup();
    for (int days : {3, 2, 1}) {
        aged(original, days);
    }
    const auto before = names_in(m_dir.path());

    PruneOptions request;
    request.keep = 1;
    request.dry_run = true;
    const auto report = prune(request);

    EXPECT_EQ(report.removed.size(), 2U);
    EXPECT_GT(report.bytes_freed, 0U);
    EXPECT_EQ(names_in(m_dir.path()), before);
}

TEST_F(BackupsTest, PruneNeverRemovesTheNewestIntactBackup) {
    const auto original = template_backup();
    const auto oldest = aged(original, 3);
    const auto intact = aged(original, 2);
    const auto corrupt = aged(original, 1);
    flip_bytes_in_the_middle(corrupt);

    // Every rule says remove: only backups younger than 0 days may stay, and none is.
    PruneOptions request;
    request.keep_days = 0;
    const auto report = prune(request);

    EXPECT_EQ(file_names(report.kept), std::vector<std::string>{intact.filename().string()});
    EXPECT_EQ(file_names(report.removed),
              (std::vector<std::string>{corrupt.filename().string(), oldest.filename().string()}));
    EXPECT_TRUE(fs::exists(intact));
    EXPECT_TRUE(fs::exists(sidecar_path(intact)));
}

TEST_F(BackupsTest, PruneByAgeStillKeepsTheNewestIntactBackup) {
    const auto original = template_backup();
    const auto older = aged(original, 60);
    const auto newest = aged(original, 50);

    PruneOptions request;
    request.keep_days = 7;
    const auto report = prune(request);

    EXPECT_EQ(file_names(report.kept), std::vector<std::string>{newest.filename().string()});
    EXPECT_EQ(file_names(report.removed), std::vector<std::string>{older.filename().string()});
}

// The clock may step back (an NTP correction, a restored VM): the sequence in each sidecar
// orders backups as they were taken. Sidecars from before sequences come after, by time.
TEST_F(BackupsTest, ListsBySequenceWhateverTheClockSaid) {
    const auto original = template_backup();
    clone(original, "app-20300101-000000.bak", "2030-01-01T00:00:00Z", "", 1);
    clone(original, "app-20200101-000000.bak", "2020-01-01T00:00:00Z", "", 2);
    clone(original, "app-20310101-000000.bak", "2031-01-01T00:00:00Z", "", 0);  // format 1
    clone(original, "app-20320101-000000.bak", "2032-01-01T00:00:00Z", "", 0);

    EXPECT_EQ(file_names(list()),
              (std::vector<std::string>{"app-20200101-000000.bak", "app-20300101-000000.bak",
                                        "app-20320101-000000.bak", "app-20310101-000000.bak"}));
}

TEST_F(BackupsTest, PruneNeverRemovesTheBackupItProtects) {
    const auto original = template_backup();
    const auto taken_now =
        clone(original, "app-20200101-000000.bak", "2020-01-01T00:00:00Z", "", 1);
    const auto newer = clone(original, "app-20300101-000000.bak", "2030-01-01T00:00:00Z", "", 2);

    PruneOptions request;
    request.keep = 1;
    request.protect = taken_now;
    const auto report = prune(request);

    EXPECT_TRUE(report.removed.empty()) << file_names(report.removed).front();
    EXPECT_TRUE(fs::exists(taken_now));
    EXPECT_TRUE(fs::exists(newer));
}

// Whether `work` ends within a minute. If it does not, it is stuck opening one of `fifos`:
// opening each for writing lets it go on (so that the test can end), and the answer is false.
template <typename T>
bool ends_without_blocking(std::future<T>& work, const std::vector<fs::path>& fifos) {
    if (work.wait_for(60s) == std::future_status::ready) {
        return true;
    }
    while (work.wait_for(100ms) != std::future_status::ready) {
        for (const auto& fifo : fifos) {
            const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
            if (fd >= 0) {
                ::close(fd);
            }
        }
    }
    return false;
}

// A FIFO, a directory or a symlink under a backup's or a sidecar's name is never read (a FIFO
// would block the reader for ever), never listed and never removed.
TEST_F(BackupsTest, EntriesThatAreNotRegularFilesAreSkippedWithoutBeingRead) {
    const auto original = template_backup();
    const auto real = clone(original, "app-20260101-000000.bak", "2026-01-01T00:00:00Z");
    ASSERT_EQ(::mkfifo((m_dir / "app-20200101-000000.bak.json").c_str(), 0600), 0);
    fs::create_directory(m_dir / "app-20200102-000000.bak.json");
    fs::create_symlink(sidecar_path(real), m_dir / "app-20200103-000000.bak.json");
    fs::copy_file(original.path, m_dir / "app-20200103-000000.bak");
    // Names of backups whose sidecar is a regular file describing this database.
    ASSERT_EQ(::mkfifo((m_dir / "app-20200104-000000.bak").c_str(), 0600), 0);
    fs::create_directory(m_dir / "app-20200105-000000.bak");
    fs::create_symlink(real, m_dir / "app-20200106-000000.bak");
    for (const char* name : {"app-20200104-000000.bak.json", "app-20200105-000000.bak.json",
                             "app-20200106-000000.bak.json"}) {
        fs::copy_file(sidecar_path(real), m_dir / name);
    }
    const auto before = names_in(m_dir.path());

    const std::vector<fs::path> fifos{m_dir / "app-20200101-000000.bak.json",
                                      m_dir / "app-20200104-000000.bak"};
    auto listed = std::async(std::launch::async, [&] { return list_backups(options(), true); });
    ASSERT_TRUE(ends_without_blocking(listed, fifos)) << "list_backups blocked on a FIFO";
    ASSERT_TRUE(listed.get().has_value());
    EXPECT_EQ(file_names(list(true)), std::vector<std::string>{real.filename().string()});

    PruneOptions request;
    request.keep = 1;
    auto pruned = std::async(std::launch::async, [&] {
        request.db = options();
        return run_prune(request, example_now());
    });
    ASSERT_TRUE(ends_without_blocking(pruned, fifos)) << "run_prune blocked on a FIFO";
    ASSERT_TRUE(pruned.get().has_value());
    EXPECT_EQ(names_in(m_dir.path()), before);
}

}  // namespace
}  // namespace belay::engine
