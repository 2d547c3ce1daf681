// Backups are evidence: every read of one is immutable (a -journal dropped beside it is never
// rolled into it, and what was hashed is what is restored); only regular files are read as
// backups or sidecars (a FIFO at such a name never blocks a command); the order of backups
// follows the sequence in their sidecars, not the wall clock; a sidecar lacking a field makes
// its backup unverifiable; and a copy that cannot be checked says why.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>

#include <sqlite3.h>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* k_faketime = "/usr/bin/faketime";

class BackupEvidenceTest : public E2eTest {
  protected:
    void SetUp() override {
        write_migration("0001_t.sql",
                        "-- +migrate Up\nCREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);\n"
                        "-- +migrate Down\nDROP TABLE t;\n");
        auto migrated = belay("migrate");
        ASSERT_EQ(migrated.exit_code, 0) << describe(migrated);
        TestDb live(db());
        live.exec(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
            "INSERT INTO t (v) SELECT 'backup' FROM n;");
    }
    // belay with `args`, under faketime with the wall clock at `when` (E2eTest::run_at) unless
    // `when` is empty.
    RunResult run_at(const std::string& when, std::vector<std::string> args) const {
        return when.empty() ? run_raw(args) : E2eTest::run_at(when, std::move(args));
    }
    // `db backup` (at `when`); the absolute path of the backup it printed.
    fs::path take_backup(const std::string& when = "") {
        auto result = run_at(when, belay_args("backup"));
        EXPECT_EQ(result.exit_code, 0) << describe(result);
        return dir() / fs::path(result.out.substr(0, result.out.find('\n'))).filename();
    }
    // The distinct values of t.v in `database`, sorted and joined with ','.
    static std::string values_in(const fs::path& database) {
        return TestDb(database).scalar(
            "SELECT group_concat(v, ',') FROM (SELECT DISTINCT CAST(v AS TEXT) AS v FROM t "
            "ORDER BY v)");
    }
    void set_live_values(const std::string& value) {
        TestDb(db()).exec("UPDATE t SET v = '" + value + "'");
    }
    void add_pending_migration() {
        write_migration("0002_u.sql",
                        "-- +migrate Up\nCREATE TABLE u(x);\n-- +migrate Down\nDROP TABLE u;\n");
    }
};

// Every command that reads a backup, with another copy's hot journal moved beside it: the
// backup's bytes and mtime stay, the journal stays, no -wal/-shm appears, and the restored
// database holds the backup's rows, never the journal's.
TEST_F(BackupEvidenceTest, HotJournalBesideABackupIsNeverRolledIntoItNorRestored) {
    add_filler(db(), 1);
    const auto backup = take_backup();
    const auto other = dir() / "other.db";
    fs::copy_file(backup, other);
    TestDb(other).exec("UPDATE t SET v = 'journal'");
    leave_hot_journal(other,
                      "UPDATE t SET v = randomblob(2000); "
                      "UPDATE filler SET b = randomblob(4000);");
    const fs::path journal = backup.string() + "-journal";
    fs::rename(other.string() + "-journal", journal);
    {
        // The premise: a read-write open of the backup would roll the journal's rows into it.
        const auto probe = dir() / "probe.db";
        fs::copy_file(backup, probe);
        fs::copy_file(journal, probe.string() + "-journal");
        ASSERT_EQ(values_in(probe), "journal");
        fs::remove(probe);
    }
    const auto sha256 = sha256_of(backup);
    const auto journal_sha256 = sha256_of(journal);
    const auto modified = fs::last_write_time(backup);
    const auto untouched = [&](const std::string& after) {
        EXPECT_EQ(sha256_of(backup), sha256) << "the backup changed after " << after;
        EXPECT_EQ(fs::last_write_time(backup), modified) << after;
        EXPECT_EQ(sha256_of(journal), journal_sha256) << after;
        for (const char* suffix : {"-wal", "-shm"}) {
            EXPECT_FALSE(fs::exists(backup.string() + suffix)) << suffix << " after " << after;
        }
    };
    set_live_values("live");

    auto listed = belay("backups", {"--json"});
    ASSERT_EQ(listed.exit_code, 0) << describe(listed);
    EXPECT_TRUE(listed.json().at("backups").at(0).at("intact").get<bool>()) << listed.out;
    untouched("db backups");

    // (Its one finding is the filler table, added outside migrations: drift, not a backup.)
    auto checked = belay("check", {"--backups"});
    EXPECT_NOT_CONTAINS(checked.out, "backups ") << describe(checked);
    EXPECT_CONTAINS(checked.out, "table filler") << describe(checked);
    untouched("db check --backups");

    auto latest = belay("restore", {"--latest", "--yes"});
    ASSERT_EQ(latest.exit_code, 0) << describe(latest);
    EXPECT_CONTAINS(latest.out + latest.err, backup.filename().string());
    EXPECT_EQ(values_in(db()), "backup");
    untouched("db restore --latest");

    set_live_values("live");
    auto named = belay("restore", {backup.string(), "--yes"});
    ASSERT_EQ(named.exit_code, 0) << describe(named);
    EXPECT_EQ(values_in(db()), "backup");
    untouched("db restore <backup>");

    add_pending_migration();
    auto migrated = belay("migrate", {"--keep", "10"});
    ASSERT_EQ(migrated.exit_code, 0) << describe(migrated);
    untouched("db migrate --keep");
}

enum class Entry { fifo, directory, symlink };

// Makes a FIFO, a directory or a symlink (to a FIFO elsewhere) at `path`.
void make_entry(Entry kind, const fs::path& path, const fs::path& elsewhere_fifo) {
    switch (kind) {
        case Entry::fifo:
            ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << path;
            break;
        case Entry::directory:
            fs::create_directory(path);
            break;
        case Entry::symlink:
            fs::create_symlink(elsewhere_fifo, path);
            break;
    }
}

bool still_is(Entry kind, const fs::path& path) {
    const auto status = fs::symlink_status(path);
    switch (kind) {
        case Entry::fifo:
            return fs::is_fifo(status);
        case Entry::directory:
            return fs::is_directory(status);
        case Entry::symlink:
            return fs::is_symlink(status);
    }
    return false;
}

class NotARegularFileTest : public BackupEvidenceTest {
  protected:
    // Puts `kind` at a sidecar's name, and at a backup's name beside a regular sidecar that
    // names this database; then every command that reads the backup directory must end (each
    // runs under a 60 s kill), leave both entries as they were, and name them in a warning.
    void expect_never_read(Entry kind) {
        const auto intact = take_backup();
        const auto elsewhere = dir() / "elsewhere";
        fs::create_directory(elsewhere);
        ASSERT_EQ(::mkfifo((elsewhere / "fifo").c_str(), 0600), 0);
        const auto sidecar = dir() / "app-20200101-000000.bak.json";
        const auto backup = dir() / "app-20200101-000001.bak";
        make_entry(kind, sidecar, elsewhere / "fifo");
        make_entry(kind, backup, elsewhere / "fifo");
        fs::copy_file(intact.string() + ".json", backup.string() + ".json");
        add_pending_migration();

        RunOptions guarded;
        guarded.timeout = 60s;
        for (const auto& args :
             std::vector<std::vector<std::string>>{{"backups"},
                                                   {"check", "--backups"},
                                                   {"restore", "--latest", "--yes"},
                                                   {"prune", "--keep", "1"},
                                                   {"migrate", "--keep", "1"}}) {
            const std::vector<std::string> extra(args.begin() + 1, args.end());
            auto result = belay(args.front(), extra, guarded);
            ASSERT_FALSE(result.timed_out) << args.front() << " blocked";
            EXPECT_EQ(result.exit_code, 0) << args.front() << ": " << describe(result);
            if (args.front() == "backups") {
                EXPECT_CONTAINS(result.err, sidecar.filename().string());
                EXPECT_CONTAINS(result.err, backup.filename().string());
                EXPECT_CONTAINS(result.err, "not a regular file");
            }
            EXPECT_TRUE(still_is(kind, sidecar)) << "after " << args.front();
            EXPECT_TRUE(still_is(kind, backup)) << "after " << args.front();
            EXPECT_TRUE(fs::exists(backup.string() + ".json")) << "after " << args.front();
        }
    }
};

TEST_F(NotARegularFileTest, FifoNamedLikeABackupOrSidecarIsSkippedNeverWaitedOn) {
    expect_never_read(Entry::fifo);
}

TEST_F(NotARegularFileTest, DirectoryNamedLikeABackupOrSidecarIsSkippedWithAWarning) {
    expect_never_read(Entry::directory);
}

TEST_F(NotARegularFileTest, SymlinkNamedLikeABackupOrSidecarIsSkippedNotFollowed) {
    expect_never_read(Entry::symlink);
}

// The clock steps back to 2020 for a run: its snapshot is the newest by sequence, so --keep 1
// keeps it (and removes the backup whose name says 2026).
TEST_F(BackupEvidenceTest, SnapshotTakenWhileTheClockIsBackIsNotPrunedByItsOwnRun) {
    ASSERT_TRUE(fs::exists(k_faketime)) << "scripts/setup installs faketime";
    const auto earlier = take_backup();
    add_pending_migration();

    auto run = run_at("2020-01-01 00:00:00", belay_args("migrate", {"--keep", "1"}));
    ASSERT_EQ(run.exit_code, 0) << describe(run);
    EXPECT_CONTAINS(run.out, "app-20200101-000000.bak");
    const auto snapshot = dir() / "app-20200101-000000.bak";
    EXPECT_TRUE(fs::exists(snapshot)) << "the run pruned its own snapshot\n" << run.out;
    EXPECT_TRUE(fs::exists(snapshot.string() + ".json"));
    EXPECT_FALSE(fs::exists(earlier)) << run.out;
    EXPECT_EQ(read_json_file(snapshot.string() + ".json").at("sequence"), 2);
}

// An edited sidecar with the largest 64-bit sequence made the next backup's sequence wrap to
// the smallest, so `db prune --keep 1` removed the backup just taken (breakit13b section 5).
// Such a sidecar is now skipped with a warning, like any invalid one; the new backup is kept.
TEST_F(BackupEvidenceTest, SidecarWithAHugeSequenceIsSkippedAndNeverWrapsTheNextOne) {
    const auto edited = take_backup();
    auto json = read_json_file(edited.string() + ".json");
    json["sequence"] = std::numeric_limits<std::int64_t>::max();
    write_file(edited.filename().string() + ".json", json.dump(2));
    set_live_values("new");

    const auto next = take_backup();
    EXPECT_EQ(read_json_file(next.string() + ".json").at("sequence"), 1);
    auto pruned = belay("prune", {"--keep", "1"});
    ASSERT_EQ(pruned.exit_code, 0) << describe(pruned);
    EXPECT_TRUE(fs::exists(next)) << "the backup just taken was pruned\n" << pruned.out;
    EXPECT_TRUE(fs::exists(next.string() + ".json"));
    EXPECT_CONTAINS(pruned.err,
                    "sequence 9223372036854775807 is not a whole number from 0 to "
                    "9007199254740991");
    auto restored = belay("restore", {"--latest", "--yes"});
    ASSERT_EQ(restored.exit_code, 0) << describe(restored);
    EXPECT_EQ(values_in(db()), "new");
}

TEST_F(BackupEvidenceTest, RestoreLatestTakesTheLastBackupTakenWhateverItsTime) {
    ASSERT_TRUE(fs::exists(k_faketime)) << "scripts/setup installs faketime";
    take_backup();
    set_live_values("second");
    const auto last = take_backup("2020-01-01 00:00:00");
    EXPECT_EQ(last.filename(), "app-20200101-000000.bak");
    set_live_values("live");

    auto restored = belay("restore", {"--latest", "--yes"});
    ASSERT_EQ(restored.exit_code, 0) << describe(restored);
    EXPECT_EQ(values_in(db()), "second");
}

// A frozen clock gives every backup the same second: the names get -1, -2, and the sequence
// orders them.
TEST_F(BackupEvidenceTest, BackupsUnderTheSameNameOfAClockThatCameBackGetSuffixes) {
    ASSERT_TRUE(fs::exists(k_faketime)) << "scripts/setup installs faketime";
    std::vector<std::string> names;
    for (int i = 0; i < 3; ++i) {
        names.push_back(take_backup("2020-01-01 00:00:00").filename().string());
    }
    EXPECT_EQ(names,
              (std::vector<std::string>{"app-20200101-000000.bak", "app-20200101-000000-1.bak",
                                        "app-20200101-000000-2.bak"}));
    auto listed = belay("backups", {"--json"});
    ASSERT_EQ(listed.exit_code, 0) << describe(listed);
    const auto entries = listed.json().at("backups");
    ASSERT_EQ(entries.size(), 3U) << listed.out;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        EXPECT_EQ(fs::path(entries[i].at("path").get<std::string>()).filename(),
                  names[names.size() - 1 - i]);
    }
}

// Every sidecar belay wrote has these fields: without one, the backup cannot be verified, and
// is reported and refused as such, naming the sidecar and the field.
TEST_F(BackupEvidenceTest, SidecarLackingAFieldVerificationNeedsMakesTheBackupUnverifiable) {
    for (const char* field : {"schema_fingerprint", "page_count", "sha256"}) {
        SCOPED_TRACE(field);
        const auto backup = take_backup();
        const fs::path sidecar = backup.string() + ".json";
        auto json = read_json_file(sidecar);
        json.erase(field);
        write_file(sidecar.filename().string(), json.dump(2));
        set_live_values("live");

        auto listed = belay("backups", {"--json"});
        ASSERT_EQ(listed.exit_code, 0) << describe(listed);
        const auto entry = listed.json().at("backups").at(0);
        EXPECT_FALSE(entry.at("intact").get<bool>()) << entry.dump(2);
        const auto problem = entry.at("problems").at(0).get<std::string>();
        EXPECT_CONTAINS(problem, "unverifiable");
        EXPECT_CONTAINS(problem, sidecar.string());
        EXPECT_CONTAINS(problem, field);

        auto checked = belay("check", {"--backups"});
        EXPECT_EQ(checked.exit_code, 6) << describe(checked);
        EXPECT_CONTAINS(checked.out, "unverifiable");

        auto refused = belay("restore", {backup.string(), "--yes"});
        EXPECT_EQ(refused.exit_code, 5) << describe(refused);
        EXPECT_CONTAINS(refused.err, sidecar.string());
        EXPECT_CONTAINS(refused.err, field);
        EXPECT_EQ(values_in(db()), "live");
        fs::remove(backup);
        fs::remove(sidecar);
    }
}

// SQLite accepts a generated column calling a function it lacks, then fails every quick_check:
// the failed backup says so, and where.
TEST_F(BackupEvidenceTest, CopyThatCannotBeVerifiedNamesTheCauseAndTheObject) {
    TestDb(db()).exec(
        "ALTER TABLE t ADD COLUMN b TEXT GENERATED ALWAYS AS (no_such_fn(v)) VIRTUAL");
    auto result = belay("backup");
    EXPECT_EQ(result.exit_code, 3) << describe(result);
    EXPECT_CONTAINS(result.err, "function: no_such_fn");
    EXPECT_CONTAINS(result.err, "table t");
    EXPECT_CONTAINS(result.err, db().string());
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());
}

}  // namespace
}  // namespace belay::testing
