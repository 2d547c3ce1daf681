// `belay db backup`: prints the path of a verified backup; --out; never overwrites and never
// follows a symlink; --no-verify; same-second names; the database's mode bits and owner.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <memory>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

// "YYYYMMDD-HHMMSS" in UTC.
std::string utc_stamp(std::time_t when) {
    std::tm parts{};
    ::gmtime_r(&when, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &parts);
    return text;
}

struct stat stat_of(const fs::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        ADD_FAILURE() << "cannot stat " << path;
    }
    return info;
}

class BackupCommandTest : public E2eTest {
  protected:
    void SetUp() override {
        TestDb setup(db());
        setup.exec(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); "
            "INSERT INTO t (v) VALUES ('a'), ('b'), ('c');");
    }
    // Runs `db backup` and returns the path it printed (checked to be one line).
    fs::path backup_ok(const std::vector<std::string>& extra = {}) {
        auto result = belay("backup", extra);
        EXPECT_EQ(result.exit_code, 0) << describe(result);
        EXPECT_TRUE(result.out.ends_with("\n") && result.out.find('\n') == result.out.size() - 1)
            << "db backup should print just the path\n"
            << result.out;
        auto printed = result.out.substr(0, result.out.find('\n'));
        return printed.empty() ? fs::path() : fs::path(printed);
    }
    // The file names in dir() that belay may have left: everything but the database files.
    std::vector<std::string> other_files() const {
        auto files = names_ending_with(dir(), "");
        std::erase_if(files, [](const std::string& f) {
            return f == "app.db" || f == "app.db.belay-lock" || f == "migrations";
        });
        return files;
    }
};

TEST_F(BackupCommandTest, PrintsThePathOfAVerifiedBackup) {
    const auto started = static_cast<std::int64_t>(std::time(nullptr));
    const auto path = backup_ok();
    ASSERT_FALSE(path.empty());
    const auto backup = path.is_absolute() ? path : dir() / path;
    ASSERT_TRUE(fs::is_regular_file(backup)) << backup;
    EXPECT_EQ(backup.parent_path(), dir()) << "by default a backup goes beside the database";
    const auto stamp = backup_name_time(backup.filename().string(), "app");
    EXPECT_GE(stamp, started - 2) << backup;
    EXPECT_LE(stamp, static_cast<std::int64_t>(std::time(nullptr)) + 2) << backup;

    EXPECT_EQ(database_contents(backup), database_contents(db()));
    const auto sidecar = read_json_file(backup.string() + ".json");
    EXPECT_EQ(sidecar.at("reason"), "manual");
    EXPECT_EQ(sidecar.at("source").get<std::string>(), fs::canonical(db()).string());
    EXPECT_EQ(sidecar.at("sha256").get<std::string>(), sha256_of(backup));
    EXPECT_EQ(sidecar.at("verified"), true);
    EXPECT_EQ(other_files(), (std::vector<std::string>{backup.filename().string(),
                                                       backup.filename().string() + ".json"}))
        << "temporary files were left behind";

    auto json = belay("backup", {"--json"});
    ASSERT_EQ(json.exit_code, 0) << describe(json);
    const auto document = json.json();
    const fs::path json_path = document.at("path").get<std::string>();
    EXPECT_TRUE(fs::exists(json_path.is_absolute() ? json_path : dir() / json_path)) << json.out;
    EXPECT_EQ(document.at("metadata").at("reason"), "manual") << json.out;
}

TEST_F(BackupCommandTest, OutWritesExactlyThere) {
    fs::create_directories(dir() / "elsewhere");
    const auto target = dir() / "elsewhere" / "my copy.bak";
    const auto path = backup_ok({"--out", target.string()});
    EXPECT_EQ(path, target);
    ASSERT_TRUE(fs::is_regular_file(target));
    EXPECT_EQ(database_contents(target), database_contents(db()));
    EXPECT_EQ(read_json_file(target.string() + ".json").at("sha256").get<std::string>(),
              sha256_of(target));
    EXPECT_EQ(list_dir(dir() / "elsewhere"),
              (std::vector<std::string>{"my copy.bak", "my copy.bak.json"}));
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());
}

TEST_F(BackupCommandTest, OutRefusesAnExistingFile) {
    const auto target = write_file("taken.bak", "precious");
    auto result = belay("backup", {"--out", target.string()});
    EXPECT_EQ(result.exit_code, 3) << describe(result);
    EXPECT_CONTAINS(result.err, "taken.bak") << result.err;
    EXPECT_EQ(read_file(target), "precious");
    EXPECT_EQ(other_files(), std::vector<std::string>{"taken.bak"})
        << "a temporary file or sidecar was left behind";
}

// `--out ''` ended in "cannot rename .tmp-... to : No such file or directory", exit 3
// (breakit13b section 11): a path without a file name is a usage error naming --out.
TEST_F(BackupCommandTest, OutWithoutAFileNameIsAUsageErrorNamingOut) {
    fs::create_directories(dir() / "backups");
    for (const std::string& out : {std::string(), (dir() / "backups").string() + "/"}) {
        auto result = belay("backup", {"--out", out});
        EXPECT_EQ(result.exit_code, 2) << describe(result);
        EXPECT_EQ(result.err, "belay: error: --out '" + out +
                                  "' names no file: give the path of the backup file to write, "
                                  "e.g. --out before-upgrade.bak\n");
        EXPECT_EQ(result.out, "");
    }
    EXPECT_EQ(other_files(), std::vector<std::string>{"backups"}) << "a file was left behind";
    EXPECT_TRUE(fs::is_empty(dir() / "backups"));
}

TEST_F(BackupCommandTest, OutRefusesASymlinkAndLeavesItsTargetAlone) {
    const auto precious = write_file("precious.txt", "do not touch");
    fs::create_symlink(precious, dir() / "link.bak");
    auto result = belay("backup", {"--out", (dir() / "link.bak").string()});
    EXPECT_EQ(result.exit_code, 3) << describe(result);
    EXPECT_EQ(read_file(precious), "do not touch");
    EXPECT_TRUE(fs::is_symlink(dir() / "link.bak"));

    // A dangling symlink: following it would create the file it points at.
    fs::create_symlink(dir() / "nowhere.db", dir() / "dangling.bak");
    auto dangling = belay("backup", {"--out", (dir() / "dangling.bak").string()});
    EXPECT_EQ(dangling.exit_code, 3) << describe(dangling);
    EXPECT_FALSE(fs::exists(dir() / "nowhere.db")) << "belay followed the symlink";
    EXPECT_EQ(other_files(),
              (std::vector<std::string>{"dangling.bak", "link.bak", "precious.txt"}));
}

TEST_F(BackupCommandTest, NoVerifyStillWritesACompleteBackup) {
    const auto path = backup_ok({"--no-verify"});
    ASSERT_TRUE(fs::is_regular_file(path)) << path;
    const auto sidecar = read_json_file(path.string() + ".json");
    EXPECT_EQ(sidecar.at("verified"), false) << sidecar.dump(2);
    EXPECT_EQ(sidecar.at("sha256").get<std::string>(), sha256_of(path));
    EXPECT_EQ(database_contents(path), database_contents(db()));
    TestDb check(path, true);
    EXPECT_EQ(check.scalar("PRAGMA quick_check"), "ok");
}

TEST_F(BackupCommandTest, SecondBackupInTheSameSecondGetsASuffix) {
    // Two backups in one second, on a clock frozen there: the second is named -1, a third -2.
    const std::string second = "2026-03-04 05:06:07";
    std::vector<std::string> names;
    for (int i = 0; i < 3; ++i) {
        auto result = run_at(second, belay_args("backup"));
        ASSERT_EQ(result.exit_code, 0) << describe(result);
        names.push_back(fs::path(result.out.substr(0, result.out.find('\n'))).filename());
    }
    EXPECT_EQ(names,
              (std::vector<std::string>{"app-20260304-050607.bak", "app-20260304-050607-1.bak",
                                        "app-20260304-050607-2.bak"}));

    // Forced: the plain names of the next seconds are taken by files of someone else, and the
    // -1 names by dangling symlinks. belay must take -2 and leave both alone.
    const auto forced_dir = dir() / "forced";
    fs::create_directories(forced_dir);
    const auto now = std::time(nullptr);
    for (std::time_t when = now; when < now + 8; ++when) {
        write_file("forced/app-" + utc_stamp(when) + ".bak", "someone else's file");
        fs::create_symlink(forced_dir / ("target-" + utc_stamp(when)),
                           forced_dir / ("app-" + utc_stamp(when) + "-1.bak"));
    }
    const auto forced = backup_ok({"--backup-dir", forced_dir.string()}).filename().string();
    const auto forced_time = backup_name_time(forced, "app");
    ASSERT_GE(forced_time, now) << forced;
    ASSERT_LT(forced_time, now + 8) << forced;
    EXPECT_EQ(forced, "app-" + utc_stamp(forced_time) + "-2.bak");
    EXPECT_EQ(read_file(forced_dir / ("app-" + utc_stamp(forced_time) + ".bak")),
              "someone else's file");
    EXPECT_TRUE(fs::is_symlink(forced_dir / ("app-" + utc_stamp(forced_time) + "-1.bak")));
    EXPECT_FALSE(fs::exists(forced_dir / ("target-" + utc_stamp(forced_time))));
    EXPECT_EQ(database_contents(forced_dir / forced), database_contents(db()));
}

TEST_F(BackupCommandTest, BackupAndSidecarHaveTheDatabasesModeBits) {
    const auto previous_umask = ::umask(022);
    for (const fs::perms mode : {fs::perms(0640), fs::perms(0600), fs::perms(0664)}) {
        fs::permissions(db(), mode);
        const auto path = backup_ok();
        ASSERT_TRUE(fs::exists(path));
        EXPECT_EQ(stat_of(path).st_mode & 07777, static_cast<mode_t>(mode))
            << path << " for a database with mode " << std::oct << static_cast<int>(mode);
        EXPECT_EQ(stat_of(path.string() + ".json").st_mode & 07777, static_cast<mode_t>(mode))
            << "the sidecar of " << path;
    }
    ::umask(previous_umask);
}

TEST_F(BackupCommandTest, BackupKeepsTheDatabasesOwnerAndGroupWhenRunAsRoot) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to give the database another owner";
    }
    constexpr uid_t k_nobody = 65534;
    ASSERT_EQ(::chown(db().c_str(), k_nobody, k_nobody), 0);
    fs::permissions(db(), fs::perms(0640));
    const auto path = backup_ok();
    ASSERT_TRUE(fs::exists(path));
    for (const auto& file : {path, fs::path(path.string() + ".json")}) {
        const auto info = stat_of(file);
        EXPECT_EQ(info.st_uid, k_nobody) << file;
        EXPECT_EQ(info.st_gid, k_nobody) << file;
        EXPECT_EQ(info.st_mode & 07777, 0640u) << file;
    }
}

TEST_F(BackupCommandTest, DatabaseLeftWithAHotJournalByACrashCanBeBackedUp) {
    add_filler(db(), 1);
    const auto committed = database_contents(db());
    leave_hot_journal(db());
    auto result = belay("backup");
    ASSERT_EQ(result.exit_code, 0)
        << "a crash mid-transaction leaves a hot journal that any read-write open rolls back; "
           "the backup-first tool must still back the database up\n"
        << describe(result);
    const fs::path backup = result.out.substr(0, result.out.find('\n'));
    EXPECT_EQ(database_contents(backup), committed) << "the backup holds uncommitted changes";
}

TEST_F(BackupCommandTest, MissingDatabaseIsAnError) {
    fs::remove(db());
    auto result = belay("backup");
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "does not exist") << result.err;
    EXPECT_FALSE(fs::exists(db())) << "a backup must not create the database";
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());
}

}  // namespace
}  // namespace belay::testing

namespace belay::testing {
namespace {

TEST(BackupProgressTest, ABarOnATerminalForLargeDatabasesAndNoneOtherwise) {
    TempDir dir;
    const auto database = dir.path() / "big.db";
    add_filler(database, 70);
    const auto belay = belay_binary().string() + " db backup --db " + database.string();
    const auto shown = on_a_terminal(belay);
    EXPECT_CONTAINS(shown, "pages") << shown;
    EXPECT_CONTAINS(shown, "MB/s") << shown;
    EXPECT_CONTAINS(shown, "ETA") << shown;
    for (const auto* quiet : {" -q", " --json"}) {
        const auto hidden = on_a_terminal(belay + quiet);
        EXPECT_NOT_CONTAINS(hidden, "MB/s") << quiet << ": " << hidden;
    }
    auto piped = run_belay({"db", "backup", "--db", database.string()});
    ASSERT_EQ(piped.exit_code, 0) << describe(piped);
    EXPECT_NOT_CONTAINS(piped.err, "MB/s") << "stderr is not a terminal here";
}

}  // namespace
}  // namespace belay::testing
