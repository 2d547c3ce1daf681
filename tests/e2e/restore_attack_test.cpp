// `belay db restore` under attack. The promise: the database path holds a complete database at
// every instant of every command, kill -9 and a full disk included: the old one or the new
// one, never none and never a part. Also what the path may be (a symlink, a 0-byte file, a
// directory, a FIFO, a socket, a device) and whose backup it gets.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

// Text that SQLite refuses as a database ("file is not a database").
std::string garbage(std::size_t bytes) {
    std::string text;
    while (text.size() < bytes) {
        text += "this was a database once, before something overwrote it. ";
    }
    text.resize(bytes);
    return text;
}

bool has_temporary(const fs::path& directory) {
    for (const auto& name : list_dir(directory)) {
        if (name.find(".tmp-") != std::string::npos) {
            return true;
        }
    }
    return false;
}

// The reproduction's project: one migration, table t(id, v BLOB), a few rows.
class RestoreAttackTest : public E2eTest {
  protected:
    void SetUp() override {
        write_migration("0001_t.sql",
                        "-- +migrate Up\nCREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);\n"
                        "-- +migrate Down\nDROP TABLE t;\n");
    }
    // Migrates `database`, adds rows, and backs it up into dir()/backups; returns the backup.
    fs::path backed_up_database(const fs::path& database, const std::string& rows = "'one'") {
        auto migrated = run_raw({"db", "migrate", "--db", database.string(), "--migrations",
                                 migrations().string(), "--no-backup"});
        EXPECT_EQ(migrated.exit_code, 0) << describe(migrated);
        TestDb(database).exec("INSERT INTO t (v) VALUES (" + rows + ");");
        fs::create_directories(dir() / "backups");
        auto backup =
            run_raw({"db", "backup", "--db", database.string(), "--migrations",
                     migrations().string(), "--backup-dir", (dir() / "backups").string()});
        EXPECT_EQ(backup.exit_code, 0) << describe(backup);
        return backup.out.substr(0, backup.out.find('\n'));
    }
    RunResult restore(const fs::path& database, const fs::path& backup,
                      std::vector<std::string> extra = {}, RunOptions options = {}) {
        std::vector<std::string> args{"db",
                                      "restore",
                                      "--db",
                                      database.string(),
                                      "--migrations",
                                      migrations().string(),
                                      backup.string(),
                                      "--yes"};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_raw(args, std::move(options));
    }
};

// A full filesystem while an unreadable database is replaced: the copy is written completely
// under a temporary name before the path changes, so running out of room leaves the old file at
// the path (it used to be moved aside first, leaving no database at all), removes the partial
// copy, and names every file involved.
TEST_F(RestoreAttackTest, FullDiskWhileReplacingAnUnreadableDatabaseKeepsItAtThePath) {
    const auto small = dir() / "small";
    fs::create_directories(small);
    if (::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=8m") != 0) {
        GTEST_SKIP() << "cannot mount a tmpfs at " << small << ": " << std::strerror(errno)
                     << " (needs root / CAP_SYS_ADMIN)";
    }
    struct Unmount {
        fs::path at;
        ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
    } unmount{small};
    const auto database = small / "app.db";
    add_filler(database, 4);  // a 4 MiB copy to write
    const auto backup = backed_up_database(database);
    const auto backed_up = database_contents(database);
    fs::remove(database);
    write_file("small/app.db", garbage(6 << 20));  // 2 MiB left: the copy cannot fit
    const auto damaged = sha256_of(database);

    auto full = restore(database, backup);
    EXPECT_EQ(full.exit_code, 1) << describe(full);
    for (const auto& named : {database.string(), backup.string(), database.string() + ".tmp-"}) {
        EXPECT_CONTAINS(full.err, named) << named << "\n" << describe(full);
    }
    EXPECT_CONTAINS(full.err, "full") << describe(full);
    ASSERT_TRUE(fs::exists(database)) << "no database at the path after a failed restore";
    EXPECT_EQ(sha256_of(database), damaged);
    EXPECT_EQ(list_dir(small), (std::vector<std::string>{"app.db", "app.db.belay-lock"}))
        << "the partial copy (or its journal) stayed on the full filesystem";

    // With room, the same restore goes through and keeps the damaged file.
    ASSERT_EQ(::mount("tmpfs", small.c_str(), "tmpfs", MS_REMOUNT, "size=64m"), 0)
        << std::strerror(errno);
    auto roomy = restore(database, backup);
    ASSERT_EQ(roomy.exit_code, 0) << describe(roomy);
    EXPECT_EQ(database_contents(database), backed_up);
    const auto kept = names_ending_with(small, ".db");
    ASSERT_EQ(kept.size(), 2u) << ::testing::PrintToString(list_dir(small));
    EXPECT_TRUE(kept.front().starts_with("app-corrupt-")) << kept.front();
    EXPECT_EQ(sha256_of(small / kept.front()), damaged);
}

// A full filesystem while a readable database takes the copy: the copy is one transaction, rolled
// back, and the message says so: the database is unchanged, where the safety snapshot is, and
// how to finish (it used to give only SQLite's "database or disk is full").
TEST_F(RestoreAttackTest, FullDiskWhileRestoringIntoAReadableDatabaseSaysItIsUnchanged) {
    const auto small = dir() / "small";
    fs::create_directories(small);
    if (::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=16m") != 0) {
        GTEST_SKIP() << "cannot mount a tmpfs at " << small << ": " << std::strerror(errno)
                     << " (needs root / CAP_SYS_ADMIN)";
    }
    struct Unmount {
        fs::path at;
        ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
    } unmount{small};
    const auto database = small / "app.db";
    add_filler(database, 4);  // a 4 MiB copy to write
    const auto backup = backed_up_database(database);
    TestDb(database).exec("DROP TABLE filler; VACUUM;");
    const auto current = database_contents(database);
    const auto current_bytes = sha256_of(database);
    write_file("small/ballast", garbage(14 << 20));  // under 2 MiB left: the copy cannot fit

    auto full = restore(database, backup, {"--backup-dir", (dir() / "backups").string()});
    EXPECT_EQ(full.exit_code, 1) << describe(full);
    EXPECT_CONTAINS(full.err, "full") << describe(full);
    EXPECT_CONTAINS(full.err, database.string() + " is unchanged (still at version 0001)")
        << describe(full);
    const auto safety = names_ending_with(dir() / "backups", ".bak");
    ASSERT_EQ(safety.size(), 2u) << ::testing::PrintToString(list_dir(dir() / "backups"));
    const auto safety_path =
        (dir() / "backups" / (safety.front() == backup.filename() ? safety.back() : safety.front()))
            .string();
    EXPECT_NE(safety_path, backup.string());
    EXPECT_CONTAINS(full.err, "the safety snapshot " + safety_path + " stays") << describe(full);
    EXPECT_CONTAINS(full.err, "belay db restore --db " + database.string() + " " + backup.string())
        << describe(full);
    EXPECT_EQ(sha256_of(database), current_bytes);
    EXPECT_TRUE(database_contents(database) == current) << "the database changed";
    EXPECT_TRUE(database_contents(safety_path) == current) << "the safety snapshot differs";
}

// kill -9 at random moments while an unreadable database is replaced: the path always holds the
// damaged file (byte for byte) or the complete restored one; every kept `*-corrupt-*` name holds
// the damaged bytes; the next restore removes the temporaries a killed one left. Before, the
// file was renamed aside first and many kills left no database at the path.
TEST_F(RestoreAttackTest, KillWhileReplacingAnUnreadableDatabaseLeavesTheOldOrTheNewFile) {
    add_filler(db(), 40);
    const auto backup = backed_up_database(db());
    const auto restored_rows = TestDb(db(), true).count("filler");
    const auto damaged = garbage(3 * 4096);
    const auto damage = [&] {
        fs::remove(db());  // a new file: the kept names still hold the old one's bytes
        write_file("app.db", damaged);
    };
    damage();
    const auto damaged_sha = sha256_of(db());

    auto whole = restore(db(), backup);
    ASSERT_EQ(whole.exit_code, 0) << describe(whole);
    const auto duration_ms = static_cast<int>(whole.seconds * 1000);

    const auto seed = crash_seed();
    std::mt19937 random(seed);
    std::string moments;
    std::map<std::string, int> outcomes;
    int killed = 0;
    const int kills = crash_kills(8);
    for (int attempt = 0; attempt < kills; ++attempt) {
        if (sha256_of(db()) != damaged_sha) {
            damage();
        }
        auto run = start("restore", {backup.string(), "--yes"});
        // Anywhere in the run, or (every other attempt) near its end, where the old file gets
        // its second name and the new one is renamed over the path.
        const int delay = std::uniform_int_distribution<int>(
            attempt % 2 == 0 ? 0 : duration_ms * 3 / 4, duration_ms * 5 / 4)(random);
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        run->send_signal(SIGKILL);
        const auto result = run->wait(std::chrono::seconds(60));
        killed += result.term_signal == SIGKILL ? 1 : 0;
        moments +=
            std::to_string(delay) + " ms" + (result.term_signal == SIGKILL ? "; " : " (ended); ");
        const auto context = "seed " + std::to_string(seed) + ", kills at " + moments;

        ASSERT_TRUE(fs::exists(db())) << "no database at the path; " << context;
        if (sha256_of(db()) == damaged_sha) {
            ++outcomes["old"];
            continue;
        }
        TestDb check(db());
        EXPECT_EQ(check.scalar("PRAGMA integrity_check"), "ok") << context;
        EXPECT_EQ(check.scalar("PRAGMA journal_mode"), "delete") << context;
        EXPECT_EQ(check.count("filler"), restored_rows) << context;
        EXPECT_EQ(check.column("SELECT v FROM t"), std::vector<std::string>{"one"}) << context;
        ++outcomes["restored"];
    }
    std::cout << "[ tally ] unreadable database: " << killed << " of " << kills
              << " runs killed (a restore takes " << duration_ms << " ms; seed " << seed
              << "); old file: " << outcomes["old"] << ", restored: " << outcomes["restored"]
              << "\n[ kills ] " << moments << "\n";
    EXPECT_GE(killed, 1) << "no restore was killed before it ended: " << moments;
    for (const auto& name : names_ending_with(dir(), ".db")) {
        if (name != "app.db") {
            EXPECT_EQ(read_file(dir() / name), damaged) << name << " should be the damaged file";
        }
    }

    damage();
    auto last = restore(db(), backup);
    ASSERT_EQ(last.exit_code, 0) << describe(last);
    EXPECT_EQ(TestDb(db(), true).count("filler"), restored_rows);
    EXPECT_FALSE(has_temporary(dir())) << ::testing::PrintToString(list_dir(dir()));
    for (const char* suffix : {"-journal", "-wal", "-shm"}) {
        EXPECT_FALSE(fs::exists(db().string() + suffix)) << suffix;
    }
}

// kill -9 at random moments while a WAL database whose page size differs from the backup's is
// restored. It used to be switched to rollback-journal mode for the copy and back to WAL after
// it, so a kill in between left it in rollback-journal mode; now the copy is one WAL
// transaction and the database is in WAL mode, with the old rows or the backup's, after any kill.
TEST_F(RestoreAttackTest, KillWhileRestoringAWalDatabaseWithAnotherPageSizeKeepsItInWalMode) {
    add_filler(db(), 40);
    const auto backup = backed_up_database(db(), "'backup'");  // 4096-byte pages
    const auto backup_rows = TestDb(db(), true).count("filler");
    TestDb(db()).exec("PRAGMA page_size = 8192; VACUUM; PRAGMA journal_mode = WAL;");
    const auto make_live = [&] {
        TestDb(db()).exec(
            "BEGIN; UPDATE t SET v = 'live'; "
            "INSERT INTO filler (b) SELECT randomblob(4000) FROM filler LIMIT 100; COMMIT;");
    };
    make_live();
    const auto safety = dir() / "safety";
    const std::vector<std::string> args{backup.string(), "--yes", "--backup-dir", safety.string()};
    fs::create_directories(safety);
    auto whole = belay("restore", args);
    ASSERT_EQ(whole.exit_code, 0) << describe(whole);
    const auto duration_ms = static_cast<int>(whole.seconds * 1000);

    // "backup" or "live"; checks everything a user would see first.
    const auto state = [&](const std::string& context) {
        TestDb check(db());
        EXPECT_EQ(check.scalar("PRAGMA journal_mode"), "wal") << context;
        EXPECT_EQ(check.scalar("PRAGMA integrity_check"), "ok") << context;
        const auto marker = check.scalar("SELECT v FROM t");
        EXPECT_EQ(check.count("filler"), backup_rows + (marker == "live" ? 100 : 0)) << context;
        return marker;
    };
    ASSERT_EQ(state("after a whole restore"), "backup");

    const auto seed = crash_seed();
    std::mt19937 random(seed);
    std::string moments;
    std::map<std::string, int> outcomes;
    int killed = 0;
    const int kills = crash_kills(10);
    for (int attempt = 0; attempt < kills; ++attempt) {
        if (state("before attempt " + std::to_string(attempt)) == "backup") {
            make_live();
        }
        // Every attempt must meet differing page sizes (a restore that took the backup's page
        // size would make the next one a plain copy).
        if (TestDb(db(), true).scalar("PRAGMA page_size") != "8192") {
            ADD_FAILURE() << "the restore changed the database's page size";
            TestDb(db()).exec(
                "PRAGMA journal_mode = DELETE; PRAGMA page_size = 8192; VACUUM; "
                "PRAGMA journal_mode = WAL;");
        }
        fs::remove_all(safety);
        fs::create_directories(safety);
        auto run = start("restore", args);
        int delay = 0;
        if (attempt % 2 == 0) {
            delay = std::uniform_int_distribution<int>(0, duration_ms)(random);
            moments += std::to_string(delay) + " ms";
        } else {
            // In the copy itself: once the safety snapshot has its final name.
            const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
            while (names_ending_with(safety, ".bak").empty() &&
                   std::chrono::steady_clock::now() < give_up) {
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
            delay = std::uniform_int_distribution<int>(0, std::max(1, duration_ms / 2))(random);
            moments += "safety snapshot + " + std::to_string(delay) + " ms";
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        run->send_signal(SIGKILL);
        const auto result = run->wait(std::chrono::seconds(60));
        killed += result.term_signal == SIGKILL ? 1 : 0;
        moments += result.term_signal == SIGKILL ? "; " : " (ended); ";
        ++outcomes[state("seed " + std::to_string(seed) + ", kills at " + moments)];
    }
    std::cout << "[ tally ] WAL page-size restore: " << killed << " of " << kills
              << " runs killed (a restore takes " << duration_ms << " ms; seed " << seed
              << "); restored: " << outcomes["backup"] << ", old: " << outcomes["live"]
              << "\n[ kills ] " << moments << "\n";
    EXPECT_GE(killed, 1) << "no restore was killed before it ended: " << moments;

    auto last = belay("restore", args);
    ASSERT_EQ(last.exit_code, 0) << describe(last);
    EXPECT_EQ(state("after the last restore"), "backup");
    EXPECT_EQ(TestDb(db(), true).scalar("PRAGMA page_size"), "8192");
    EXPECT_FALSE(has_temporary(dir())) << ::testing::PrintToString(list_dir(dir()));
}

// `--db` a symlink to a damaged database: the file it points at is replaced (and kept under a
// second name), the symlink stays a symlink. It used to be the symlink that was renamed aside
// and replaced by a new file, with the damaged target left as it was.
TEST_F(RestoreAttackTest, SymlinkToADamagedDatabaseRestoresTheFileItPointsAt) {
    fs::create_directories(dir() / "data");
    const auto real = dir() / "data" / "real.db";
    fs::create_symlink("data/real.db", dir() / "link.db");
    const auto backup = backed_up_database(dir() / "link.db");
    const auto backed_up = database_contents(real);
    fs::remove(real);
    write_file("data/real.db", garbage(3 * 4096));

    auto result = restore(dir() / "link.db", backup);
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    ASSERT_TRUE(fs::is_symlink(dir() / "link.db"));
    EXPECT_EQ(fs::read_symlink(dir() / "link.db"), "data/real.db");
    EXPECT_EQ(database_contents(real), backed_up);
    const auto kept = names_ending_with(dir() / "data", ".db");
    ASSERT_EQ(kept.size(), 2u) << ::testing::PrintToString(list_dir(dir()));
    EXPECT_TRUE(kept.front().starts_with("real-corrupt-")) << kept.front();
    EXPECT_EQ(read_file(dir() / "data" / kept.front()), garbage(3 * 4096));
    EXPECT_TRUE(names_ending_with(dir(), ".db").size() == 1) << "only link.db in dir()";
}

// One database file, one run lock, whichever path names it: a run holding real.db's lock keeps
// `--db link.db` out of migrate and restore (they used to lock link.db.belay-lock and go on).
TEST_F(RestoreAttackTest, ASymlinkAndItsTargetTakeTheSameRunLock) {
    fs::create_directories(dir() / "data");
    const auto real = dir() / "data" / "real.db";
    const auto backup = backed_up_database(real);
    fs::create_symlink("data/real.db", dir() / "link.db");
    write_migration("0002_u.sql", up_only("CREATE TABLE u (x);"));
    const auto lock_path = real.string() + ".belay-lock";
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);  // what another belay run holds

    const std::vector<std::string> link{"--db",           (dir() / "link.db").string(),
                                        "--migrations",   migrations().string(),
                                        "--lock-timeout", "1"};
    auto migrate = run_raw({"db", "migrate", link[0], link[1], link[2], link[3], link[4], link[5]});
    EXPECT_EQ(migrate.exit_code, 4) << describe(migrate);
    EXPECT_CONTAINS(migrate.err, lock_path) << describe(migrate);
    auto restored = restore(dir() / "link.db", backup, {"--lock-timeout", "1"});
    EXPECT_EQ(restored.exit_code, 4) << describe(restored);
    EXPECT_FALSE(TestDb(real, true).has_object("u"));
    EXPECT_FALSE(fs::exists(dir() / "link.db.belay-lock"));

    ::close(fd);
    auto free = run_raw({"db", "migrate", link[0], link[1], link[2], link[3]});
    EXPECT_EQ(free.exit_code, 0) << describe(free);
    EXPECT_TRUE(TestDb(real, true).has_object("u"));
}

// A 0-byte file is a valid, empty SQLite database: restore fills it (it used to fail with
// exit 3, "nothing to back up"), without a safety snapshot, as docs/backups.md says.
TEST_F(RestoreAttackTest, ZeroByteDatabaseIsRestoredWithoutASafetySnapshot) {
    const auto backup = backed_up_database(db());
    const auto backed_up = database_contents(db());
    fs::resize_file(db(), 0);
    const auto backups_before = names_ending_with(dir() / "backups", ".bak");

    auto result = belay("restore", {backup.string(), "--yes", "--json"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_TRUE(result.json().at("safety_snapshot").is_null()) << result.out;
    EXPECT_EQ(database_contents(db()), backed_up);
    EXPECT_EQ(TestDb(db(), true).scalar("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(names_ending_with(dir() / "backups", ".bak"), backups_before);
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());
}

// A `--db` that is not a file is refused with exit 2 naming it, before anything is opened (a
// FIFO would block) and touching nothing. A directory used to be renamed aside and replaced.
TEST_F(RestoreAttackTest, DirectoryFifoSocketOrDeviceAsTheDatabaseIsRefused) {
    const auto backup = backed_up_database(db());
    fs::remove(db());
    std::vector<std::pair<std::string, std::function<bool()>>> kinds{
        {"a directory",
         [&] {
             fs::create_directory(db());
             write_file("app.db/inside", "kept");
             return true;
         }},
        {"a FIFO", [&] { return ::mkfifo(db().c_str(), 0600) == 0; }},
        {"a socket",
         [&] {
             const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
             sockaddr_un address{};
             address.sun_family = AF_UNIX;
             std::strncpy(address.sun_path, db().c_str(), sizeof(address.sun_path) - 1);
             const bool bound =
                 ::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
             ::close(s);
             return bound;
         }},
        {"a device", [&] { return ::mknod(db().c_str(), S_IFCHR | 0600, ::makedev(1, 3)) == 0; }},
    };
    for (const auto& [kind, make] : kinds) {
        if (!make()) {
            std::cout << "[ skipped ] cannot make " << kind << ": " << std::strerror(errno) << "\n";
            continue;
        }
        const auto before = list_dir(dir());
        const auto mode = fs::symlink_status(db()).type();
        RunOptions options;
        options.timeout = std::chrono::seconds(30);  // a blocked open is killed, and fails below
        auto result = restore(db(), backup, {}, options);
        EXPECT_FALSE(result.timed_out) << kind;
        EXPECT_EQ(result.exit_code, 2) << kind << ": " << describe(result);
        EXPECT_CONTAINS(result.err, db().string() + " is " + kind) << describe(result);
        EXPECT_EQ(list_dir(dir()), before) << kind;
        EXPECT_EQ(fs::symlink_status(db()).type(), mode) << kind;
        fs::remove_all(db());
    }
}

// Backups belong to the database's file, whichever path names it: through `alias.db -> data/app.db`
// they are `data/app-*.bak` beside the file, listed and pruned by either name, and a killed
// backup's temporary (`app-*.bak.tmp-*`) is swept by the next backup through the link. They used
// to be `alias-*.bak` beside the link, and app's leftovers were never swept through it.
TEST_F(RestoreAttackTest, BackupsThroughASymlinkAreNamedAndSweptAfterTheFile) {
    fs::create_directories(dir() / "data");
    const auto real = dir() / "data" / "app.db";
    const auto alias = dir() / "alias.db";
    auto migrated = run_raw({"db", "migrate", "--db", real.string(), "--migrations",
                             migrations().string(), "--no-backup"});
    ASSERT_EQ(migrated.exit_code, 0) << describe(migrated);
    fs::create_symlink("data/app.db", alias);
    const auto left = dir() / "data" / "app-20260101-000000.bak.tmp-0123456789abcdef";
    write_file("data/app-20260101-000000.bak.tmp-0123456789abcdef", "what a killed backup left");

    auto taken =
        run_raw({"db", "backup", "--db", alias.string(), "--migrations", migrations().string()});
    ASSERT_EQ(taken.exit_code, 0) << describe(taken);
    const auto backup = fs::path(taken.out.substr(0, taken.out.find('\n')));
    EXPECT_EQ(backup.parent_path(), dir() / "data") << describe(taken);
    EXPECT_TRUE(backup.filename().string().starts_with("app-")) << describe(taken);
    EXPECT_TRUE(fs::is_regular_file(backup)) << describe(taken);
    EXPECT_FALSE(fs::exists(left)) << ::testing::PrintToString(list_dir(dir() / "data"));
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty())
        << ::testing::PrintToString(list_dir(dir()));

    for (const auto& name : {real, alias}) {
        auto listed = run_raw(
            {"db", "backups", "--db", name.string(), "--migrations", migrations().string()});
        EXPECT_EQ(listed.exit_code, 0) << describe(listed);
        EXPECT_CONTAINS(listed.out, backup.filename().string()) << name << "\n" << describe(listed);
    }
}

// The sidecar says which database a backup was taken from. `--yes` alone does not restore
// another database's backup (it used to, without a word): exit 5 naming both, unless
// `--from-other-database` says that is meant.
TEST_F(RestoreAttackTest, AnotherDatabasesBackupNeedsFromOtherDatabase) {
    backed_up_database(db(), "'ours'");
    const auto other = dir() / "other.db";
    const auto theirs = backed_up_database(other, "'theirs'");
    const auto ours = sha256_of(db());

    auto refused = restore(db(), theirs);
    EXPECT_EQ(refused.exit_code, 5) << describe(refused);
    for (const auto& named :
         {db().string(), other.string(), theirs.string(), std::string("--from-other-database")}) {
        EXPECT_CONTAINS(refused.err, named) << named << "\n" << describe(refused);
    }
    EXPECT_EQ(sha256_of(db()), ours);

    auto allowed = restore(db(), theirs, {"--from-other-database"});
    ASSERT_EQ(allowed.exit_code, 0) << describe(allowed);
    EXPECT_EQ(TestDb(db(), true).column("SELECT v FROM t"), std::vector<std::string>{"theirs"});
}

}  // namespace
}  // namespace belay::testing
