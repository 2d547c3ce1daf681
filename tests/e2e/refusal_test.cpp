// Refusals a user meets with files, directories and permissions: a read-only database or
// directory, a backup directory that is missing or not writable, a file that is not SQLite, a
// database cut short. Each: a message naming the path and what to do, the documented exit
// code, and nothing changed (the database's bytes, the files beside it).
//
// Root bypasses file permissions, so belay runs as user nobody (setpriv) when the tests run as
// root; the test's files are handed to that user first.
#include <sys/stat.h>
#include <unistd.h>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class RefusalTest : public E2eTest {
  protected:
    void SetUp() override {
        write_migration("0001_a.sql", up_only("CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);\n"
                                              "INSERT INTO a (v) VALUES ('one'), ('two');"));
        auto base = belay("migrate", {"--no-backup"});
        ASSERT_EQ(base.exit_code, 0) << describe(base);
        write_migration("0002_b.sql", up_only("CREATE TABLE b (x);"));
    }
    void TearDown() override {
        // Writable again, so that the temp dir can be removed when not running as root.
        for (const auto& path : m_restore_mode) {
            fs::permissions(path, fs::perms::owner_all, fs::perm_options::add);
        }
    }
    // Takes away write permission from `path` (a file or directory) for the rest of the test.
    void make_read_only(const fs::path& path) {
        fs::permissions(path,
                        fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                        fs::perm_options::remove);
        m_restore_mode.push_back(path);
    }
    RunResult belay_as_user(const std::string& command, const std::vector<std::string>& extra) {
        return belay(command, extra, unprivileged());
    }
    // What must not change: the database's bytes and the names in dir().
    struct State {
        std::string sha;
        std::vector<std::string> files;
    };
    State state() const { return {sha256_of(db()), list_dir(dir())}; }
    void expect_unchanged(const State& before, const RunResult& result) const {
        EXPECT_EQ(sha256_of(db()), before.sha) << "the database changed\n" << describe(result);
        EXPECT_EQ(list_dir(dir()), before.files) << "a file was made or removed\n"
                                                 << describe(result);
    }
    static void expect_says(const RunResult& result, const std::string& text) {
        EXPECT_CONTAINS(result.err, text) << "expected \"" << text << "\" in the message\n"
                                          << describe(result);
    }

    std::vector<fs::path> m_restore_mode;
};

TEST_F(RefusalTest, ReadOnlyDatabaseFileIsRefusedBeforeTheSnapshot) {
    auto backup = belay("backup", {"--out", (dir() / "kept.bak").string()});
    ASSERT_EQ(backup.exit_code, 0) << describe(backup);
    hand_to_unprivileged_user();
    make_read_only(db());
    const auto before = state();

    auto migrate = belay_as_user("migrate", {});
    EXPECT_EQ(migrate.exit_code, 2) << describe(migrate);
    expect_says(migrate, db().string());
    expect_says(migrate, "chmod u+w");
    expect_says(migrate, "Nothing was changed");
    expect_unchanged(before, migrate);
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"});

    auto restore = belay_as_user("restore", {(dir() / "kept.bak").string(), "--yes"});
    EXPECT_EQ(restore.exit_code, 2) << describe(restore);
    expect_says(restore, "chmod u+w");
    expect_unchanged(before, restore);

    // Reading is all a backup needs: a read-only database can still be backed up.
    auto readable = belay_as_user("backup", {"--out", (dir() / "second.bak").string()});
    EXPECT_EQ(readable.exit_code, 0) << describe(readable);
    EXPECT_EQ(database_contents(dir() / "second.bak"), database_contents(db()));
}

TEST_F(RefusalTest, ReadOnlyDatabaseDirectoryIsRefused) {
    auto backup = belay("backup", {"--out", (dir() / "kept.bak").string()});
    ASSERT_EQ(backup.exit_code, 0) << describe(backup);
    const auto elsewhere = dir() / "elsewhere";
    fs::create_directories(elsewhere);
    hand_to_unprivileged_user();
    make_read_only(dir());
    const auto before = state();

    // With its snapshot elsewhere the run would fail at the first step's -journal: refused.
    auto migrate = belay_as_user("migrate", {"--backup-dir", elsewhere.string()});
    EXPECT_EQ(migrate.exit_code, 2) << describe(migrate);
    expect_says(migrate, "cannot write in " + dir().string());
    expect_says(migrate, "Make the directory writable");
    expect_unchanged(before, migrate);

    // Refused the same way before the snapshot beside the database is even tried.
    auto beside = belay_as_user("migrate", {});
    EXPECT_EQ(beside.exit_code, 2) << describe(beside);
    expect_unchanged(before, beside);

    auto db_backup = belay_as_user("backup", {});
    EXPECT_EQ(db_backup.exit_code, 3) << describe(db_backup);
    expect_says(db_backup, "cannot write backups into " + dir().string());
    expect_says(db_backup, "--backup-dir");
    expect_unchanged(before, db_backup);

    auto restore = belay_as_user(
        "restore", {(dir() / "kept.bak").string(), "--yes", "--backup-dir", elsewhere.string()});
    EXPECT_EQ(restore.exit_code, 2) << describe(restore);
    expect_says(restore, "cannot write in " + dir().string());
    expect_unchanged(before, restore);
}

TEST_F(RefusalTest, MissingBackupDirectoryIsNotCreated) {
    const auto missing = dir() / "no-such-dir";
    const auto before = state();
    auto db_backup = belay("backup", {"--backup-dir", missing.string()});
    EXPECT_EQ(db_backup.exit_code, 3) << describe(db_backup);
    expect_says(db_backup, missing.string() + " does not exist");
    expect_says(db_backup, "mkdir -p");
    EXPECT_FALSE(fs::exists(missing)) << "belay created the backup directory";
    expect_unchanged(before, db_backup);

    auto out = belay("backup", {"--out", (missing / "x.bak").string()});
    EXPECT_EQ(out.exit_code, 3) << describe(out);
    expect_says(out, missing.string() + " does not exist");
    // breakit18 #10: --out's directory is not the backup directory.
    expect_says(out, "give a path in a directory that exists");
    EXPECT_NOT_CONTAINS(out.err, "--backup-dir") << out.err;
    expect_unchanged(before, out);

    auto migrate = belay("migrate", {"--backup-dir", missing.string()});
    EXPECT_EQ(migrate.exit_code, 3) << describe(migrate);
    expect_says(migrate, "No migration ran");
    EXPECT_FALSE(fs::exists(missing));
    expect_unchanged(before, migrate);
}

TEST_F(RefusalTest, UnwritableBackupDirectoryIsRefusedWithExit3) {
    const auto backups = dir() / "backups";
    fs::create_directories(backups);
    hand_to_unprivileged_user();
    make_read_only(backups);
    const auto before = state();

    auto db_backup = belay_as_user("backup", {"--backup-dir", backups.string()});
    EXPECT_EQ(db_backup.exit_code, 3) << describe(db_backup);
    expect_says(db_backup, "cannot write backups into " + backups.string());
    expect_says(db_backup, "Make it writable");
    expect_unchanged(before, db_backup);

    auto migrate = belay_as_user("migrate", {"--backup-dir", backups.string()});
    EXPECT_EQ(migrate.exit_code, 3) << describe(migrate);
    expect_says(migrate, "No migration ran");
    expect_unchanged(before, migrate);
    EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"});
}

TEST_F(RefusalTest, BackupDirectoryThatIsASymlinkToADirectoryIsFollowed) {
    const auto real = dir() / "real-backups";
    fs::create_directories(real);
    fs::create_directory_symlink(real, dir() / "backups");
    const std::vector<std::string> into{"--backup-dir", (dir() / "backups").string()};
    auto taken = belay("backup", into);
    ASSERT_EQ(taken.exit_code, 0) << describe(taken);
    EXPECT_TRUE(fs::is_symlink(dir() / "backups")) << "the symlink was replaced";
    EXPECT_EQ(names_ending_with(real, ".bak").size(), 1u) << "the backup is not in the target";

    auto listed = belay("backups", {into[0], into[1], "--json"});
    ASSERT_EQ(listed.exit_code, 0) << describe(listed);
    EXPECT_EQ(listed.json().at("backups").size(), 1u) << listed.out;
    auto restored = belay("restore", {"--latest", "--yes", into[0], into[1]});
    EXPECT_EQ(restored.exit_code, 0) << describe(restored);
}

TEST_F(RefusalTest, RestoreGivenASymlinkToABackupRestoresItsTarget) {
    const auto target = dir() / "kept.bak";
    auto taken = belay("backup", {"--out", target.string()});
    ASSERT_EQ(taken.exit_code, 0) << describe(taken);
    const auto backed_up = database_contents(db());
    TestDb(db()).exec("INSERT INTO a (v) VALUES ('after the backup');");
    fs::create_symlink(target, dir() / "latest.bak");

    auto restored = belay("restore", {(dir() / "latest.bak").string(), "--yes"});
    ASSERT_EQ(restored.exit_code, 0) << describe(restored);
    EXPECT_EQ(database_contents(db()), backed_up);
    EXPECT_CONTAINS(restored.out, target.string())
        << "the output should name the backup the symlink points at\n"
        << restored.out;
    EXPECT_TRUE(fs::is_symlink(dir() / "latest.bak"));

    fs::create_symlink(dir() / "nowhere.bak", dir() / "dangling.bak");
    const auto before = state();
    auto dangling = belay("restore", {(dir() / "dangling.bak").string(), "--yes"});
    EXPECT_EQ(dangling.exit_code, 2) << describe(dangling);
    expect_says(dangling, "dangling.bak is a symlink to");
    expect_unchanged(before, dangling);
}

TEST_F(RefusalTest, BackupTakesTheCommittedStateWhileAnotherProcessHoldsAWriteTransaction) {
    for (const char* mode : {"delete", "wal"}) {
        SCOPED_TRACE(mode);
        TestDb(db()).exec(std::string("PRAGMA journal_mode = ") + mode);
        const auto committed = database_contents(db());
        TestDb holder(db());
        holder.exec("BEGIN IMMEDIATE; INSERT INTO a (v) VALUES ('uncommitted');");
        const auto out = dir() / (std::string(mode) + ".bak");
        auto result = belay("backup", {"--out", out.string(), "--lock-timeout", "2"});
        EXPECT_EQ(result.exit_code, 0) << describe(result);
        holder.exec("ROLLBACK;");
        EXPECT_EQ(database_contents(out), committed) << "the backup holds an uncommitted row";
    }
}

TEST_F(RefusalTest, BackupOfADatabaseHeldExclusivelyGivesExit4AndLeavesNothing) {
    TestDb holder(db());
    holder.exec("BEGIN EXCLUSIVE; INSERT INTO a (v) VALUES ('uncommitted');");
    const auto files = list_dir(dir());
    auto result = belay("backup", {"--lock-timeout", "1"});
    EXPECT_EQ(result.exit_code, 4) << describe(result);
    EXPECT_LT(result.seconds, 30.0);
    EXPECT_EQ(list_dir(dir()), files) << "a busy backup left a file";
    holder.exec("ROLLBACK;");
}

TEST_F(RefusalTest, FileThatIsNotSqliteIsRefusedByBackupAndAsABackup) {
    const std::string text = "name,amount\nalice,3\n" + std::string(9000, 'x');
    fs::remove(db());
    write_file("app.db", text);
    const auto before = state();
    for (const auto* command : {"backup", "status", "migrate"}) {
        auto result = belay(command);
        EXPECT_EQ(result.exit_code, 2) << command << ": " << describe(result);
        expect_says(result, db().string() + " is not an SQLite database");
        expect_unchanged(before, result);
    }
    EXPECT_EQ(read_file(db()), text);

    // As the backup to restore: no sidecar, so unverifiable (exit 5), nothing touched.
    fs::remove(db());
    TestDb(db()).exec("CREATE TABLE live (x); INSERT INTO live VALUES (1);");
    const auto fake = write_file("fake.bak", text);
    const auto live = state();
    auto restore = belay("restore", {fake.string(), "--yes"});
    EXPECT_EQ(restore.exit_code, 5) << describe(restore);
    expect_says(restore, "no sidecar");
    expect_unchanged(live, restore);
}

TEST_F(RefusalTest, MissingMigrationsDirectoryIsExit2NamingIt) {
    fs::remove(db());
    const auto files = list_dir(dir());
    const auto missing = dir() / "nowhere";
    auto result =
        run_raw({"db", "migrate", "--db", db().string(), "--migrations", missing.string()});
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    expect_says(result, missing.string() + " does not exist");
    EXPECT_FALSE(fs::exists(db())) << "a refused migrate created the database";
    EXPECT_EQ(list_dir(dir()), files) << "a refused migrate made a file";
}

TEST_F(RefusalTest, EmptyMigrationsDirectoryIsExit2AndChangesNothing) {
    const auto empty = dir() / "empty";
    fs::create_directories(empty);
    const auto before = state();
    auto result = run_raw({"db", "migrate", "--db", db().string(), "--migrations", empty.string()});
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    expect_says(result, empty.string() + " holds no migration files");
    expect_says(result, "belay db create");
    expect_unchanged(before, result);
}

// A real database cut short: to half its size (whole pages), or by 100 bytes (not a page
// multiple, which SQLite alone would read as zeros and call fine), in both journal modes.
struct Truncation {
    const char* mode;
    bool half;
};

class TruncatedDatabaseTest : public E2eTest, public ::testing::WithParamInterface<Truncation> {};

TEST_P(TruncatedDatabaseTest, IsRefusedWithExit2AndLeftAsItIs) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    add_filler(db(), 2);
    TestDb(db()).exec(std::string("PRAGMA journal_mode = ") + GetParam().mode);
    const auto size = fs::file_size(db());
    fs::resize_file(db(), GetParam().half ? size / 2 / 4096 * 4096 : size - 100);
    const auto sha = sha256_of(db());
    const auto files = list_dir(dir());
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"backup"}, {"migrate"}, {"migrate", "--dry-run"}, {"status"}}) {
        auto result = belay(args[0], {args.begin() + 1, args.end()});
        SCOPED_TRACE(args.size() > 1 ? args[1] : args[0]);
        EXPECT_EQ(result.exit_code, 2) << describe(result);
        EXPECT_CONTAINS(result.err, db().string() + " is damaged") << describe(result);
        EXPECT_CONTAINS(result.err, "cut short") << describe(result);
        EXPECT_CONTAINS(result.err, "belay db restore") << describe(result);
        EXPECT_EQ(sha256_of(db()), sha) << "the damaged database was changed";
        EXPECT_EQ(list_dir(dir()), files) << "a backup or other file was made of it";
    }
}

INSTANTIATE_TEST_SUITE_P(Cuts, TruncatedDatabaseTest,
                         ::testing::Values(Truncation{"delete", true}, Truncation{"delete", false},
                                           Truncation{"wal", true}, Truncation{"wal", false}),
                         [](const auto& param_info) {
                             return std::string(param_info.param.mode) +
                                    (param_info.param.half ? "_half" : "_by_100_bytes");
                         });

// breakit18 #10: a --backup-dir that is a dangling symlink said "create it (mkdir -p dangling)",
// which fails on a symlink. The message names the link and where it points.
TEST_F(RefusalTest, DanglingSymlinkBackupDirectoryNamesWhereItPoints) {
    fs::create_symlink(dir() / "gone", dir() / "dangling");
    const auto before = state();
    auto db_backup = belay("backup", {"--backup-dir", (dir() / "dangling").string()});
    EXPECT_EQ(db_backup.exit_code, 3) << describe(db_backup);
    expect_says(db_backup, (dir() / "dangling").string() + " is a symbolic link to " +
                               (dir() / "gone").string() + ", which does not exist");
    EXPECT_NOT_CONTAINS(db_backup.err, "mkdir -p") << db_backup.err;
    EXPECT_FALSE(fs::exists(dir() / "gone"));
    expect_unchanged(before, db_backup);
}

}  // namespace
}  // namespace belay::testing
