// The snapshot `db migrate` takes before a run: its name, place, content and sidecar; when no
// snapshot is taken (nothing pending, a new empty database, --no-backup, --dry-run);
// --backup-only; --keep; and the failure message whose restore command undoes the whole run.
#include <signal.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <ctime>
#include <thread>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

// The words of a shell command as sh would split it (plain words and single quotes only: what
// belay prints).
std::vector<std::string> shell_words(const std::string& command) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    bool quoted = false;
    for (std::size_t i = 0; i < command.size(); ++i) {
        const char c = command[i];
        if (quoted) {
            if (c == '\'') {
                quoted = false;
            } else {
                word += c;
            }
        } else if (c == '\'') {
            quoted = true;
            in_word = true;
        } else if (c == '\\' && i + 1 < command.size()) {
            word += command[++i];
            in_word = true;
        } else if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            if (in_word) {
                words.push_back(word);
            }
            word.clear();
            in_word = false;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word) {
        words.push_back(word);
    }
    return words;
}

std::string lower(std::string text) {
    std::ranges::transform(text, text.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// Bytes 18 and 19 of a database file's header (1/1: rollback journal, 2/2: WAL).
std::pair<int, int> header_journal_bytes(const fs::path& file) {
    const auto bytes = read_file(file);
    if (bytes.size() < 100) {
        return {-1, -1};
    }
    return {static_cast<unsigned char>(bytes[18]), static_cast<unsigned char>(bytes[19])};
}

std::int64_t now_seconds() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SSZ"; -1 when it is not that.
std::int64_t parse_created_at(const std::string& text) {
    std::tm parts{};
    char zulu = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &parts.tm_year, &parts.tm_mon,
                    &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &zulu) != 7 ||
        zulu != 'Z') {
        return -1;
    }
    parts.tm_year -= 1900;
    parts.tm_mon -= 1;
    return static_cast<std::int64_t>(::timegm(&parts));
}

class SnapshotTest : public E2eTest {
  protected:
    // 0001 creates and fills `a`, applied here so the test's own run has a database to protect.
    void apply_base() {
        write_migration("0001_a.sql", up_only("CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);\n"
                                              "INSERT INTO a (v) VALUES ('one'), ('two'), "
                                              "('three');"));
        auto result = belay("migrate");
        ASSERT_EQ(result.exit_code, 0) << describe(result);
        ASSERT_TRUE(names_ending_with(dir(), ".bak").empty()) << "a new empty database needs none";
    }
    void write_second_step() const {
        write_migration("0002_b.sql",
                        up_only("UPDATE a SET v = upper(v);\nDELETE FROM a WHERE id = 1;\n"
                                "CREATE TABLE b (x);\nINSERT INTO b VALUES (42);"));
    }
};

TEST_F(SnapshotTest, MigrateSnapshotsThePreRunStateWithASidecar) {
    apply_base();
    write_second_step();
    // A WAL database with committed rows still in its -wal file: the snapshot must hold them.
    TestDb holder(db());
    holder.exec(
        "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; "
        "INSERT INTO a (v) VALUES ('only-in-the-wal');");
    ASSERT_TRUE(fs::exists(dir() / "app.db-wal"));
    const auto before = database_contents(db());

    const auto started = now_seconds();
    auto result = belay("migrate");
    const auto ended = now_seconds();
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));

    const auto backups = names_ending_with(dir(), ".bak");
    ASSERT_EQ(backups.size(), 1u) << describe(result);
    const auto name = backups.front();
    const auto stamp = backup_name_time(name, "app");
    ASSERT_NE(stamp, -1) << name << " is not app-YYYYMMDD-HHMMSS.bak";
    EXPECT_GE(stamp, started - 2) << name << " is not named after the UTC time of the run";
    EXPECT_LE(stamp, ended + 2) << name << " is not named after the UTC time of the run";
    const auto backup = dir() / name;
    EXPECT_CONTAINS(result.out, name) << "stdout should name the snapshot\n" << result.out;

    // Stored in rollback-journal mode, so the file opens on its own.
    EXPECT_EQ(header_journal_bytes(backup), std::make_pair(1, 1));
    EXPECT_EQ(database_contents(backup), before) << "the snapshot is not the pre-run state";
    {
        TestDb opened(backup);
        EXPECT_EQ(opened.scalar("SELECT v FROM a WHERE v = 'only-in-the-wal'"), "only-in-the-wal");
        EXPECT_EQ(opened.scalar("PRAGMA journal_mode"), "delete");
        EXPECT_FALSE(fs::exists(backup.string() + "-wal"));
        EXPECT_FALSE(fs::exists(backup.string() + "-shm"));
    }
    EXPECT_FALSE(fs::exists(backup.string() + "-wal"));
    EXPECT_FALSE(fs::exists(backup.string() + "-shm"));

    const auto sidecar = read_json_file(dir() / (name + ".json"));
    EXPECT_EQ(sidecar.at("source").get<std::string>(), fs::canonical(db()).string());
    EXPECT_TRUE(fs::path(sidecar.at("source").get<std::string>()).is_absolute());
    const auto created = parse_created_at(sidecar.at("created_at").get<std::string>());
    EXPECT_GE(created, started - 2) << sidecar.dump(2);
    EXPECT_LE(created, ended + 2) << sidecar.dump(2);
    EXPECT_EQ(sidecar.at("reason"), "before migrate");
    EXPECT_EQ(sidecar.at("schema_version"), "0001");
    EXPECT_EQ(sidecar.at("sha256").get<std::string>(), sha256_of(backup));
    EXPECT_FALSE(sidecar.at("belay_version").get<std::string>().empty());
    EXPECT_EQ(sidecar.at("size_bytes").get<std::uintmax_t>(), fs::file_size(backup));
}

TEST_F(SnapshotTest, BackupDirOptionAndEnvironmentVariableChooseWhereItGoes) {
    apply_base();
    fs::create_directories(dir() / "by-option");
    fs::create_directories(dir() / "by-env");
    write_second_step();
    auto by_option = belay("migrate", {"--backup-dir", (dir() / "by-option").string()});
    ASSERT_EQ(by_option.exit_code, 0) << describe(by_option);
    EXPECT_EQ(names_ending_with(dir() / "by-option", ".bak").size(), 1u);

    write_migration("0003_c.sql", up_only("CREATE TABLE c (x);"));
    auto by_env =
        belay("migrate", {}, with_env({{"BELAY_BACKUP_DIR", (dir() / "by-env").string()}}));
    ASSERT_EQ(by_env.exit_code, 0) << describe(by_env);
    const auto env_backups = names_ending_with(dir() / "by-env", ".bak");
    ASSERT_EQ(env_backups.size(), 1u);
    EXPECT_EQ(
        read_json_file(dir() / "by-env" / (env_backups.front() + ".json")).at("schema_version"),
        "0002");
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty())
        << "a snapshot went to the database's directory instead of the backup directory";
}

TEST_F(SnapshotTest, NothingPendingTakesNoSnapshot) {
    apply_base();
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out, "up to date") << result.out;
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());
    EXPECT_TRUE(names_ending_with(dir(), ".json").empty());
}

TEST_F(SnapshotTest, NewEmptyDatabaseTakesNoSnapshotAndSaysSo) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    auto fresh = belay("migrate");
    ASSERT_EQ(fresh.exit_code, 0) << describe(fresh);
    EXPECT_CONTAINS(lower(fresh.out), "no snapshot") << fresh.out;
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());

    // An existing but empty file (touch app.db) is a new database too.
    fs::remove(db());
    write_file("app.db", "");
    auto touched = belay("migrate");
    ASSERT_EQ(touched.exit_code, 0) << describe(touched);
    EXPECT_CONTAINS(lower(touched.out), "no snapshot") << touched.out;
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());
}

TEST_F(SnapshotTest, NoBackupTakesNoneAndWarnsLoudly) {
    apply_base();
    write_second_step();
    auto result = belay("migrate", {"--no-backup"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(lower(result.err), "no snapshot") << "--no-backup should warn on stderr:\n"
                                                      << result.err;
    EXPECT_CONTAINS(result.err, "warn") << result.err;
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
}

TEST_F(SnapshotTest, BackupOnlyTakesTheSnapshotAndAppliesNothing) {
    apply_base();
    write_second_step();
    const auto before = database_contents(db());
    auto result = belay("migrate", {"--backup-only"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"});
    EXPECT_EQ(database_contents(db()), before);
    const auto backups = names_ending_with(dir(), ".bak");
    ASSERT_EQ(backups.size(), 1u);
    EXPECT_CONTAINS(result.out, backups.front()) << result.out;
    EXPECT_EQ(database_contents(dir() / backups.front()), before);
    EXPECT_EQ(read_json_file(dir() / (backups.front() + ".json")).at("sha256").get<std::string>(),
              sha256_of(dir() / backups.front()));
}

// A backup is always safe to take: --backup-only works even where a run would be refused.
TEST_F(SnapshotTest, BackupOnlyWorksWhenARunWouldBeRefused) {
    apply_base();
    fs::remove(dir() / "migrations" / "0001_a.sql");  // applied, file gone: migrate refuses
    write_second_step();
    auto refused = belay("migrate");
    ASSERT_EQ(refused.exit_code, 5) << describe(refused);
    const auto before = database_contents(db());
    auto result = belay("migrate", {"--backup-only"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto backups = names_ending_with(dir(), ".bak");
    ASSERT_EQ(backups.size(), 1u);
    EXPECT_EQ(database_contents(dir() / backups.front()), before);
    EXPECT_EQ(read_json_file(dir() / (backups.front() + ".json")).at("schema_version"), "0001");
}

TEST_F(SnapshotTest, DryRunWritesNoBackupFile) {
    apply_base();
    write_second_step();
    const auto files_before = list_dir(dir());
    auto result = belay("migrate", {"--dry-run"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(list_dir(dir()), files_before) << "the dry run left a file behind";
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"});
}

TEST_F(SnapshotTest, KeepPrunesAfterASuccessfulRunOnly) {
    apply_base();
    // Three older manual backups, in the order they were taken (their sidecars' sequence, which
    // orders them whatever the clock said), their sidecars dated back to 2020.
    std::vector<std::string> manual;
    for (int i = 0; i < 3; ++i) {
        auto backup = belay("backup");
        ASSERT_EQ(backup.exit_code, 0) << describe(backup);
        manual.push_back(fs::path(backup.out.substr(0, backup.out.find('\n'))).filename());
    }
    for (std::size_t i = 0; i < manual.size(); ++i) {
        const auto sidecar = dir() / (manual[i] + ".json");
        auto json = read_json_file(sidecar);
        EXPECT_EQ(json.at("sequence"), i + 1) << sidecar;
        json["created_at"] = "2020-01-0" + std::to_string(3 - i) + "T00:00:00Z";
        write_file(sidecar.filename().string(), json.dump(2));
    }

    write_second_step();
    auto result = belay("migrate", {"--keep", "2"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    auto left = names_ending_with(dir(), ".bak");
    EXPECT_EQ(left.size(), 2u) << "--keep 2 after a successful run should leave 2 backups\n"
                               << describe(result);
    // The run's own snapshot and the newest manual one stay; the two oldest are gone.
    EXPECT_NE(std::ranges::find(left, manual[2]), left.end());
    EXPECT_EQ(std::ranges::find(left, manual[0]), left.end());
    EXPECT_EQ(std::ranges::find(left, manual[1]), left.end());
    EXPECT_FALSE(fs::exists(dir() / (manual[0] + ".json"))) << "a sidecar outlived its backup";

    // A failing run with --keep prunes nothing.
    write_migration("0003_bad.sql", up_only("INSERT INTO no_such_table VALUES (1);"));
    auto failed = belay("migrate", {"--keep", "1"});
    ASSERT_EQ(failed.exit_code, 1) << describe(failed);
    EXPECT_EQ(names_ending_with(dir(), ".bak").size(), left.size() + 1)
        << "--keep pruned after a failed run";
}

TEST_F(SnapshotTest, FailureMessageNamesTheSnapshotAndItsRestoreCommandUndoesTheRun) {
    apply_base();
    write_second_step();
    write_migration("0003_bad.sql",
                    up_only("CREATE TABLE c (x);\nINSERT INTO no_such_table VALUES (1);"));
    const auto before = database_contents(db());

    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}))
        << "0002 should stay applied, so the restore has something to undo";
    const auto backups = names_ending_with(dir(), ".bak");
    ASSERT_EQ(backups.size(), 1u);
    const auto snapshot = dir() / backups.front();
    EXPECT_CONTAINS(result.err, snapshot.string()) << "the error should name the snapshot\n"
                                                   << result.err;

    const auto marker = result.err.find("belay db restore");
    ASSERT_NE(marker, std::string::npos) << result.err;
    const auto line = result.err.substr(marker, result.err.find('\n', marker) - marker);
    auto words = shell_words(line);
    ASSERT_GE(words.size(), 4u) << line;
    EXPECT_NE(std::ranges::find(words, snapshot.string()), words.end()) << line;
    const auto db_flag = std::ranges::find(words, "--db");
    ASSERT_NE(db_flag, words.end()) << line;
    ASSERT_NE(db_flag + 1, words.end()) << line;
    EXPECT_TRUE(fs::equivalent(*(db_flag + 1), db())) << line;

    // Run exactly that command (and --yes: there is no terminal to confirm on).
    words.erase(words.begin());  // "belay": the binary under test
    words.push_back("--yes");
    auto restored = run_raw(words);
    ASSERT_EQ(restored.exit_code, 0) << line << "\n" << describe(restored);
    EXPECT_EQ(database_contents(db()), before) << "the restore did not give back the pre-run state";
    TestDb check(db(), true);
    EXPECT_EQ(check.scalar("PRAGMA integrity_check"), "ok");

    auto version = belay("version");
    EXPECT_EQ(version.out, "0001\n") << describe(version);
    auto status = belay("status", {"--json"});
    ASSERT_EQ(status.exit_code, 0) << describe(status);
    const auto migrations_json = status.json().at("migrations");
    ASSERT_EQ(migrations_json.size(), 3u) << status.out;
    EXPECT_EQ(migrations_json[0].at("status"), "applied") << status.out;
    EXPECT_EQ(migrations_json[1].at("status"), "pending") << status.out;
}

TEST_F(SnapshotTest, SigtermDuringTheRunNamesTheSnapshotAndTheRestoreCommand) {
    apply_base();
    write_migration("0002_slow.sql",
                    "-- +migrate Timeout 600\n-- +migrate Up\n" + std::string(k_runaway) + "\n");
    // At debug level belay logs each statement just before it runs it: by then the snapshot
    // has been taken, under the step's write lock.
    auto run = start("migrate", {"--log-level", "debug"});
    ASSERT_TRUE(run->wait_for_stderr("0002_slow.sql:3: WITH RECURSIVE", std::chrono::seconds(60)))
        << "belay never logged that it runs 0002's endless statement";
    run->send_signal(SIGTERM);
    auto result = run->wait(std::chrono::seconds(60));
    EXPECT_EQ(result.exit_code, 143) << describe(result);
    const auto backups = names_ending_with(dir(), ".bak");
    ASSERT_EQ(backups.size(), 1u) << describe(result);
    EXPECT_CONTAINS(result.err, (dir() / backups.front()).string()) << result.err;
    EXPECT_CONTAINS(result.err, "belay db restore") << result.err;
}

// Regression: the snapshot taken under the first step's write lock must not drop that lock.
// POSIX drops all of a process's locks on a file when any descriptor for it is closed, so a
// snapshot that opened and closed its own descriptor on the database let another writer commit
// in the middle of the step (and roll the step's live journal back as if it were hot).
TEST_F(SnapshotTest, NoOtherWriterCommitsWhileTheFirstStepRuns) {
    apply_base();
    write_migration("0002_slow.sql",
                    "-- +migrate Timeout 600\n-- +migrate Up\n"
                    "CREATE TABLE b (x);\n" +
                        std::string(k_runaway) + "\n");
    // Snapshot taken, CREATE TABLE b run, the endless statement about to run: belay logs each
    // statement (at debug level) just before it runs it.
    auto run = start("migrate", {"--log-level", "debug"});
    ASSERT_TRUE(run->wait_for_stderr("0002_slow.sql:4: WITH RECURSIVE", std::chrono::seconds(60)))
        << "belay never logged that it runs 0002's endless statement";
    {
        TestDb other(db());
        sqlite3_busy_timeout(other.handle(), 200);
        std::string error;
        EXPECT_NE(other.try_exec("INSERT INTO a (v) VALUES ('sneaked in')", &error), 0)
            << "another writer committed in the middle of the step";
    }
    run->send_signal(SIGTERM);
    const auto result = run->wait(std::chrono::seconds(60));
    EXPECT_EQ(result.exit_code, 143) << describe(result);
    TestDb check(db(), true);
    EXPECT_FALSE(check.has_object("b"));
    EXPECT_EQ(check.scalar("SELECT count(*) FROM a WHERE v = 'sneaked in'"), "0");
}

TEST_F(SnapshotTest, ANoTransactionFirstStepSaysTheSnapshotCannotHoldTheLock) {
    apply_base();
    write_migration("0002_vacuum.sql", "-- +migrate Up notransaction\nVACUUM;\n");
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out,
                    "note: the first step (0002_vacuum) runs without a transaction, so "
                    "the snapshot cannot hold the write lock into it")
        << result.out;
    EXPECT_EQ(names_ending_with(dir(), ".bak").size(), 1u) << "the snapshot is still taken";
}

TEST_F(SnapshotTest, TheSnapshotIsExactlyTheStateTheFirstStepStartsFrom) {
    apply_base();
    add_filler(db(), 24);  // a copy that takes a while, so a writer has time to commit during it
    TestDb(db()).exec("PRAGMA journal_mode = WAL;");
    write_migration("0002_count.sql", up_only("CREATE TABLE seen AS SELECT count(*) AS n FROM a;"));
    std::atomic<bool> stop{false};
    std::atomic<int> commits{0};
    std::thread writer([&] {
        TestDb connection(db());
        sqlite3_busy_timeout(connection.handle(), 2);
        while (!stop) {
            if (connection.try_exec("INSERT INTO a (v) VALUES ('writer')") == 0) {
                ++commits;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));  // a commit every few ms
        }
    });
    while (commits < 20) {
        std::this_thread::yield();  // the writer is going before the run starts
    }
    auto result = belay("migrate");
    stop = true;
    writer.join();
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto backups = names_ending_with(dir(), ".bak");
    ASSERT_EQ(backups.size(), 1u);
    const auto in_snapshot = TestDb(dir() / backups.front(), true).count("a");
    const auto seen_by_step = std::stoll(TestDb(db(), true).scalar("SELECT n FROM seen"));
    EXPECT_EQ(in_snapshot, seen_by_step)
        << "a writer committed between the snapshot and the first step (" << commits.load()
        << " commits in all)";
}

}  // namespace
}  // namespace belay::testing
