// `belay db restore`: confirmation, --latest, the safety snapshot, WAL databases (also with a
// different page size), an unreadable database kept aside, a database held by another
// connection, mode and owner, and kill -9 at any moment of a restore.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <thread>

#include <sqlite3.h>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

struct stat stat_of(const fs::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        ADD_FAILURE() << "cannot stat " << path;
    }
    return info;
}

class RestoreTest : public E2eTest {
  protected:
    void SetUp() override {
        write_migration("0001_a.sql", up_only("CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);\n"
                                              "INSERT INTO a (v) VALUES ('one'), ('two');"));
        auto base = belay("migrate");
        ASSERT_EQ(base.exit_code, 0) << describe(base);
    }
    // `db backup`; returns the path it printed.
    fs::path take_backup(const std::vector<std::string>& extra = {}) {
        auto result = belay("backup", extra);
        EXPECT_EQ(result.exit_code, 0) << describe(result);
        return result.out.substr(0, result.out.find('\n'));
    }
    void change_live_database() {
        TestDb live(db());
        change_live_database(live);
    }
    static void change_live_database(TestDb& live) {
        live.exec(
            "UPDATE a SET v = 'changed' WHERE id = 1; INSERT INTO a (v) VALUES ('three'); "
            "CREATE TABLE extra (x);");
    }
    // The backups in dir() whose sidecar says "before restore".
    std::vector<fs::path> safety_snapshots() const {
        std::vector<fs::path> found;
        for (const auto& name : names_ending_with(dir(), ".bak")) {
            const auto sidecar = dir() / (name + ".json");
            if (fs::exists(sidecar) && read_json_file(sidecar).at("reason") == "before restore") {
                found.push_back(dir() / name);
            }
        }
        return found;
    }
};

TEST_F(RestoreTest, WithoutATerminalAndWithoutYesItRefusesAndChangesNothing) {
    const auto backup = take_backup();
    change_live_database();
    const auto sha = sha256_of(db());
    const auto files = list_dir(dir());
    auto result = belay("restore", {backup.string()});
    EXPECT_EQ(result.exit_code, 5) << describe(result);
    EXPECT_CONTAINS(result.err, "--yes") << result.err;
    EXPECT_EQ(sha256_of(db()), sha);
    EXPECT_EQ(list_dir(dir()), files) << "a refused restore created or removed a file";

    auto no_backup = belay("restore", {"--yes"});
    EXPECT_EQ(no_backup.exit_code, 2) << describe(no_backup);
    EXPECT_EQ(sha256_of(db()), sha);
}

TEST_F(RestoreTest, RestoresAfterASafetySnapshotAndStatusShowsTheRestoredVersion) {
    const auto backup = take_backup();
    const auto backed_up = database_contents(db());
    write_migration("0002_b.sql", up_only("CREATE TABLE b (x);\nUPDATE a SET v = upper(v);"));
    auto migrated = belay("migrate");
    ASSERT_EQ(migrated.exit_code, 0) << describe(migrated);
    change_live_database();
    const auto replaced = database_contents(db());
    for (const auto& name : names_ending_with(dir(), ".bak")) {
        if (dir() / name != backup) {
            fs::remove(dir() / name);  // the migrate snapshot: not needed here
            fs::remove(dir() / (name + ".json"));
        }
    }

    auto result = belay("restore", {backup.string(), "--yes"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(database_contents(db()), backed_up);
    EXPECT_EQ(TestDb(db(), true).scalar("PRAGMA integrity_check"), "ok");
    EXPECT_CONTAINS(result.out, "0001") << result.out;

    const auto safety = safety_snapshots();
    ASSERT_EQ(safety.size(), 1u) << "one safety snapshot \"before restore\" expected";
    EXPECT_CONTAINS(result.out, safety.front().string())
        << "the output should name the safety snapshot\n"
        << result.out;
    EXPECT_EQ(database_contents(safety.front()), replaced)
        << "the safety snapshot does not hold the state the restore replaced";
    const auto sidecar = read_json_file(safety.front().string() + ".json");
    EXPECT_EQ(sidecar.at("sha256").get<std::string>(), sha256_of(safety.front()));
    EXPECT_EQ(sidecar.at("schema_version"), "0002");

    EXPECT_EQ(belay("version").out, "0001\n");
    auto status = belay("status", {"--json"});
    ASSERT_EQ(status.exit_code, 0) << describe(status);
    const auto migrations_json = status.json().at("migrations");
    EXPECT_EQ(migrations_json.at(0).at("status"), "applied") << status.out;
    EXPECT_EQ(migrations_json.at(1).at("status"), "pending") << status.out;

    // And the safety snapshot undoes the restore.
    auto undo = belay("restore", {safety.front().string(), "--yes"});
    ASSERT_EQ(undo.exit_code, 0) << describe(undo);
    EXPECT_EQ(database_contents(db()), replaced);
}

TEST_F(RestoreTest, LatestRestoresTheNewestIntactBackupAndSkipsCorruptOnes) {
    const auto older = take_backup();
    const auto older_state = database_contents(db());
    change_live_database();
    const auto newer = take_backup();
    const auto newer_state = database_contents(db());
    TestDb(db()).exec("DELETE FROM a;");
    // Unambiguous order, whatever second each was taken in.
    for (const auto& [path, when] :
         {std::pair{older, "2020-01-01T00:00:00Z"}, std::pair{newer, "2020-01-02T00:00:00Z"}}) {
        auto json = read_json_file(path.string() + ".json");
        json["created_at"] = when;
        write_file(path.filename().string() + ".json", json.dump(2));
    }

    auto latest = belay("restore", {"--latest", "--yes"});
    ASSERT_EQ(latest.exit_code, 0) << describe(latest);
    EXPECT_EQ(database_contents(db()), newer_state);
    EXPECT_CONTAINS(latest.out, newer.string()) << latest.out;

    // The newer one damaged, and the safety snapshot just taken too: --latest skips them.
    const auto pages = std::stoll(TestDb(newer, true).scalar("PRAGMA page_count"));
    flip_bytes(newer, static_cast<std::uintmax_t>(pages / 2) * 4096 + 100, 16);
    for (const auto& safety : safety_snapshots()) {
        fs::remove(safety);
        fs::remove(safety.string() + ".json");
    }
    auto skipping = belay("restore", {"--latest", "--yes"});
    ASSERT_EQ(skipping.exit_code, 0) << describe(skipping);
    EXPECT_EQ(database_contents(db()), older_state);
    EXPECT_CONTAINS(skipping.err, newer.filename().string())
        << "a warning should say the damaged backup was skipped\n"
        << skipping.err;
}

TEST_F(RestoreTest, WalDatabaseRoundTripStaysWal) {
    TestDb(db()).exec("PRAGMA journal_mode = WAL;");
    const auto backup = take_backup();
    const auto backed_up = database_contents(db());
    {
        // Changes still in the -wal file while the restore runs.
        TestDb holder(db());
        holder.exec("PRAGMA wal_autocheckpoint = 0;");
        change_live_database(holder);
        ASSERT_TRUE(fs::exists(dir() / "app.db-wal"));
        auto result = belay("restore", {backup.string(), "--yes"});
        ASSERT_EQ(result.exit_code, 0) << describe(result);
        EXPECT_EQ(holder.count("a"), 2) << "a connection open during the restore sees the old rows";
    }
    EXPECT_EQ(database_contents(db()), backed_up);
    TestDb check(db());
    EXPECT_EQ(check.scalar("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(check.scalar("PRAGMA integrity_check"), "ok");
    const auto header = read_file(db()).substr(18, 2);
    EXPECT_EQ(header, std::string("\x02\x02")) << "the file header no longer says WAL";
}

// The backup's rows in the database's own page size, in WAL mode throughout (the database is
// never switched to rollback-journal mode for the copy).
TEST_F(RestoreTest, WalDatabaseWithAnotherPageSizeGetsTheBackupInItsOwnPageSize) {
    const auto backup = take_backup();  // page size 4096
    const auto backed_up = database_contents(db());
    TestDb(db()).exec("PRAGMA page_size = 8192; VACUUM; PRAGMA journal_mode = WAL;");
    change_live_database();
    ASSERT_EQ(TestDb(db(), true).scalar("PRAGMA page_size"), "8192");

    auto result = belay("restore", {backup.string(), "--yes", "--json"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(result.json().at("page_size_converted"), true) << result.out;
    EXPECT_EQ(database_contents(db()), backed_up);
    TestDb check(db());
    EXPECT_EQ(check.scalar("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(check.scalar("PRAGMA page_size"), "8192");
    EXPECT_EQ(check.scalar("PRAGMA integrity_check"), "ok");
}

// The JSON report says where the restore's time went (what a benchmark or an operator with a
// large database needs to see): each phase is timed, the safety snapshot only when one is taken.
TEST_F(RestoreTest, JsonReportTimesEachPhase) {
    const auto backup = take_backup();
    change_live_database();
    auto result = belay("restore", {backup.string(), "--yes", "--json"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto timings = result.json().at("timings");
    for (const auto* phase :
         {"verify_backup_ms", "check_current_ms", "safety_snapshot_ms", "copy_ms"}) {
        ASSERT_TRUE(timings.at(phase).is_number_integer()) << phase << ": " << result.out;
        EXPECT_GE(timings.at(phase).get<int>(), 0) << phase;
    }
    EXPECT_FALSE(result.json().at("safety_snapshot").is_null());

    fs::remove(db());
    auto fresh = belay("restore", {backup.string(), "--yes", "--json"});
    ASSERT_EQ(fresh.exit_code, 0) << describe(fresh);
    EXPECT_TRUE(fresh.json().at("safety_snapshot").is_null()) << fresh.out;
    EXPECT_EQ(fresh.json().at("timings").at("safety_snapshot_ms"), 0) << "nothing to snapshot";
}

TEST_F(RestoreTest, UnreadableDatabaseIsMovedAsideAndTheBackupRestored) {
    const auto backup = take_backup();
    const auto backed_up = database_contents(db());
    std::string garbage;
    while (garbage.size() < 3 * 4096) {
        garbage += "this is not a database at all. ";
    }
    fs::remove(db());
    write_file("app.db", garbage);
    fs::permissions(db(), fs::perms(0440));
    const bool as_root = ::geteuid() == 0;
    if (as_root) {
        ASSERT_EQ(::chown(db().c_str(), 65534, 65534), 0);
    }

    const auto started = static_cast<std::int64_t>(std::time(nullptr));
    auto result = belay("restore", {backup.string(), "--yes"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto ended = static_cast<std::int64_t>(std::time(nullptr));

    const auto aside = names_ending_with(dir(), ".db");
    std::vector<std::string> corrupt;
    const std::regex pattern(R"(app-corrupt-(\d{8})-(\d{6})\.db)");
    for (const auto& name : aside) {
        if (std::regex_match(name, pattern)) {
            corrupt.push_back(name);
        }
    }
    ASSERT_EQ(corrupt.size(), 1u) << "expected app-corrupt-YYYYMMDD-HHMMSS.db\n" << result.out;
    EXPECT_EQ(read_file(dir() / corrupt.front()), garbage) << "the unreadable file was changed";
    // The name carries the UTC time (same format as a backup name, without ".bak").
    auto as_backup_name = corrupt.front();
    as_backup_name.replace(0, std::string("app-corrupt").size(), "x");
    as_backup_name.replace(as_backup_name.size() - 3, 3, ".bak");
    const auto stamp = backup_name_time(as_backup_name, "x");
    EXPECT_GE(stamp, started - 2) << corrupt.front();
    EXPECT_LE(stamp, ended + 2) << corrupt.front();
    EXPECT_CONTAINS(result.out, corrupt.front()) << result.out;

    EXPECT_EQ(database_contents(db()), backed_up);
    EXPECT_EQ(TestDb(db(), true).scalar("PRAGMA integrity_check"), "ok");
    const auto info = stat_of(db());
    EXPECT_EQ(info.st_mode & 07777, 0440u) << "the restored file lost the database's mode";
    if (as_root) {
        EXPECT_EQ(info.st_uid, 65534u);
        EXPECT_EQ(info.st_gid, 65534u);
    }
    for (const char* suffix : {"-journal", "-wal", "-shm"}) {
        EXPECT_FALSE(fs::exists(db().string() + suffix)) << suffix;
    }
}

// What the report shows for the version of a database belay could not read: "-", in text and
// JSON alike, whether the file was unreadable or its history table is another tool's.
TEST_F(RestoreTest, VersionBeforeIsADashWhenBelayCannotTellIt) {
    const auto backup = take_backup();
    fs::remove(db());
    write_file("app.db", std::string(3 * 4096, 'g'));
    auto json = belay("restore", {backup.string(), "--yes", "--json"});
    ASSERT_EQ(json.exit_code, 0) << describe(json);
    EXPECT_EQ(json.json().at("version_before"), "-") << json.out;
    EXPECT_EQ(json.json().at("version_after"), "0001") << json.out;

    fs::remove(db());
    write_file("app.db", std::string(3 * 4096, 'g'));
    auto text = belay("restore", {backup.string(), "--yes"});
    ASSERT_EQ(text.exit_code, 0) << describe(text);
    EXPECT_CONTAINS(text.out, "now at version 0001 (was -).\n");

    TestDb(db()).exec(
        "DROP TABLE schema_migrations;"
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, dirty INTEGER NOT NULL);"
        "INSERT INTO schema_migrations VALUES (3, 0);");  // golang-migrate's
    auto foreign = belay("restore", {backup.string(), "--yes", "--json"});
    ASSERT_EQ(foreign.exit_code, 0) << describe(foreign);
    EXPECT_EQ(foreign.json().at("version_before"), "-") << foreign.out;
    EXPECT_EQ(belay("version").out, "0001\n");
}

TEST_F(RestoreTest, DatabaseLeftWithAHotJournalIsRolledBackNotMovedAside) {
    add_filler(db(), 1);
    const auto backup = take_backup();
    const auto backed_up = database_contents(db());
    change_live_database();
    const auto committed = database_contents(db());
    leave_hot_journal(db());  // as after a crash mid-transaction (or a kill -9 during a restore)

    auto result = belay("restore", {backup.string(), "--yes"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(database_contents(db()), backed_up);
    std::vector<std::string> moved_aside = names_ending_with(dir(), ".db");
    std::erase(moved_aside, "app.db");
    EXPECT_TRUE(moved_aside.empty())
        << "a database with a hot journal is not unreadable (any read-write open rolls it back), "
           "yet it was moved aside as "
        << moved_aside.front() << " and no safety snapshot was taken\n"
        << describe(result);
    const auto safety = safety_snapshots();
    ASSERT_EQ(safety.size(), 1u) << "no safety snapshot of the replaced state\n"
                                 << describe(result);
    EXPECT_EQ(database_contents(safety.front()), committed);
}

// A backup named and --latest: two different answers to "which backup", so neither is taken.
TEST_F(RestoreTest, ABackupAndLatestTogetherAreRefusedAsContradicting) {
    const auto backup = take_backup();
    change_live_database();
    const auto sha = sha256_of(db());
    auto result = belay("restore", {backup.string(), "--latest", "--yes"});
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "the backup " + backup.string() +
                                    " and --latest contradict each other: restore that backup")
        << result.err;
    EXPECT_NOT_CONTAINS(result.err, "needs a backup") << result.err;
    auto json = belay("restore", {backup.string(), "--latest", "--yes", "--json"});
    EXPECT_EQ(json.exit_code, 2) << describe(json);
    EXPECT_CONTAINS(json.json().at("error").at("message").get<std::string>(),
                    "contradict each other")
        << json.out;
    EXPECT_EQ(sha256_of(db()), sha);
    EXPECT_TRUE(safety_snapshots().empty());
}

// A sidecar that is not valid JSON leaves its backup unverifiable, as a missing one does: the
// restore is refused (5) saying which file is wrong and how, and listing, verifying and
// pruning skip that backup with a warning that says so too, never removing it.
TEST_F(RestoreTest, ASidecarThatIsNotValidJsonIsRefusedAsUnverifiable) {
    const auto backup = take_backup();
    fs::copy_file(backup, dir() / "copy.bak");
    write_file("copy.bak.json", "{\"source\":\n");
    change_live_database();
    const auto sha = sha256_of(db());
    const auto files = list_dir(dir());
    auto result = belay("restore", {"copy.bak", "--yes"});
    EXPECT_EQ(result.exit_code, 5) << describe(result);
    EXPECT_CONTAINS(result.err,
                    "refusing to restore copy.bak: copy.bak.json: not a valid backup sidecar: "
                    "not valid JSON at byte 12 (unexpected end of input")
        << result.err;
    EXPECT_CONTAINS(result.err,
                    "belay cannot verify the backup without its sidecar. Nothing was "
                    "changed; put back the sidecar belay wrote with this backup, or "
                    "choose another backup (`belay db backups --db " +
                        db().string() + "` lists them)")
        << result.err;
    EXPECT_NOT_CONTAINS(result.err, "json.exception") << result.err;
    EXPECT_EQ(sha256_of(db()), sha);
    EXPECT_EQ(list_dir(dir()), files) << "a refused restore took a safety snapshot";

    // One of this database's own backups with its sidecar damaged: skipped, named, kept.
    const auto damaged = take_backup();
    write_file(damaged.filename().string() + ".json", "not json");
    const auto warning = damaged.filename().string() +
                         ".json: not a valid backup sidecar: not valid JSON at byte 2 (";
    auto listed = belay("backups", {"--json"});
    ASSERT_EQ(listed.exit_code, 0) << describe(listed);
    EXPECT_EQ(listed.json().at("backups").size(), 1u) << listed.out;
    EXPECT_CONTAINS(listed.err, "skipping ") << listed.err;
    EXPECT_CONTAINS(listed.err, warning) << listed.err;
    EXPECT_NOT_CONTAINS(listed.err, "json.exception") << listed.err;
    auto restored = belay("restore", {damaged.string(), "--yes"});
    EXPECT_EQ(restored.exit_code, 5) << describe(restored);
    auto pruned = belay("prune", {"--keep", "1"});
    EXPECT_EQ(pruned.exit_code, 0) << describe(pruned);
    EXPECT_CONTAINS(pruned.err, warning) << pruned.err;
    EXPECT_TRUE(fs::exists(damaged)) << "prune removed a backup it could not identify";
    EXPECT_TRUE(fs::exists(backup)) << "prune --keep 1 removed the only intact backup";
    EXPECT_EQ(sha256_of(db()), sha);
}

// breakit: a sidecar with `"sha256": 5` was refused with nlohmann's "type must be string, but
// is number", naming no field; one of `"format": 99` was restored without a word. The first is
// refused naming the sidecar, the field and its type; the second saying a newer belay wrote it.
TEST_F(RestoreTest, ASidecarOfTheWrongShapeOrANewerFormatIsRefusedByName) {
    const auto backup = take_backup();
    const auto sidecar = read_file(fs::path(backup.string() + ".json"));
    fs::copy_file(backup, dir() / "copy.bak");
    change_live_database();
    const auto sha = sha256_of(db());
    const auto restore_with = [&](const std::string& key, const nlohmann::json& value) {
        auto json = nlohmann::json::parse(sidecar);
        json[key] = value;
        write_file("copy.bak.json", json.dump(2));
        const auto files = list_dir(dir());
        auto result = belay("restore", {"copy.bak", "--yes"});
        EXPECT_EQ(result.exit_code, 5) << describe(result);
        EXPECT_EQ(sha256_of(db()), sha) << key;
        EXPECT_EQ(list_dir(dir()), files) << key << ": a refused restore wrote a file";
        return result;
    };
    auto wrong = restore_with("sha256", 5);
    EXPECT_CONTAINS(wrong.err,
                    "refusing to restore copy.bak: copy.bak.json: not a valid backup sidecar: "
                    "sha256 is 5 but must be a string; belay cannot verify the backup")
        << wrong.err;
    EXPECT_NOT_CONTAINS(wrong.err, "type must be") << wrong.err;
    auto pages = restore_with("page_count", "x");
    EXPECT_CONTAINS(pages.err,
                    "copy.bak.json: not a valid backup sidecar: page_count is \"x\" "
                    "but must be a whole number")
        << pages.err;

    auto newer = restore_with("format", 99);
    EXPECT_CONTAINS(newer.err,
                    "refusing to restore copy.bak: copy.bak.json: this sidecar was "
                    "written by belay ")
        << newer.err;
    EXPECT_CONTAINS(newer.err, " in sidecar format 99, newer than the formats this belay (")
        << newer.err;
    EXPECT_CONTAINS(newer.err,
                    "use that belay version, or a later one, for this backup. Nothing "
                    "was changed")
        << newer.err;
    auto json = belay("restore", {"copy.bak", "--yes", "--json"});
    EXPECT_EQ(json.exit_code, 5) << describe(json);
    EXPECT_CONTAINS(json.json().at("error").at("message").get<std::string>(), "sidecar format 99")
        << json.out;
    EXPECT_EQ(sha256_of(db()), sha);
}

TEST_F(RestoreTest, MissingDatabaseIsRestoredAsANewFile) {
    const auto backup = take_backup();
    const auto backed_up = database_contents(db());
    fs::remove(db());
    auto result = belay("restore", {backup.string(), "--yes"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(database_contents(db()), backed_up);
    EXPECT_EQ(belay("version").out, "0001\n");
    for (const auto& name : names_ending_with(dir(), "")) {
        EXPECT_NOT_CONTAINS(name, ".tmp-") << "left behind: " << name;
    }
}

TEST_F(RestoreTest, MissingDatabaseWithAStaleWalGetsTheBackupNotTheWal) {
    const auto backup = take_backup();
    const auto backed_up = database_contents(db());
    {
        // A WAL database whose last connection did not checkpoint: its changes live only in
        // app.db-wal, which stays behind when someone deletes app.db.
        TestDb live(db());
        live.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;");
        ASSERT_EQ(sqlite3_db_config(live.handle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr),
                  SQLITE_OK);
        change_live_database(live);
    }
    ASSERT_TRUE(fs::exists(dir() / "app.db-wal"));
    const auto wal_hash = sha256_of(dir() / "app.db-wal");
    fs::remove(db());

    auto result = belay("restore", {backup.string(), "--yes"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(database_contents(db()), backed_up)
        << "the stale -wal was replayed into the restored database";
    EXPECT_FALSE(fs::exists(dir() / "app.db-wal"));
    const auto moved = names_ending_with(dir(), ".db-wal");
    ASSERT_EQ(moved.size(), 1u) << "the stale -wal is kept aside, not deleted";
    EXPECT_TRUE(moved.front().starts_with("app-corrupt-")) << moved.front();
    EXPECT_EQ(sha256_of(dir() / moved.front()), wal_hash);
    EXPECT_CONTAINS(result.out, moved.front()) << result.out;
}

TEST_F(RestoreTest, ModeAndOwnerAreKept) {
    fs::permissions(db(), fs::perms(0640));
    const bool as_root = ::geteuid() == 0;
    if (as_root) {
        ASSERT_EQ(::chown(db().c_str(), 65534, 65534), 0);
    }
    const auto backup = take_backup();
    change_live_database();
    auto result = belay("restore", {backup.string(), "--yes"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    for (const auto& file : {db(), safety_snapshots().at(0)}) {
        const auto info = stat_of(file);
        EXPECT_EQ(info.st_mode & 07777, 0640u) << file;
        if (as_root) {
            EXPECT_EQ(info.st_uid, 65534u) << file;
            EXPECT_EQ(info.st_gid, 65534u) << file;
        }
    }
}

class RestoreBusyTest : public RestoreTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(RestoreBusyTest, RefusedWithExit4WhileAnotherConnectionHoldsAWriteTransaction) {
    TestDb(db()).exec(std::string("PRAGMA journal_mode = ") + GetParam());
    const auto backup = take_backup();
    change_live_database();
    const auto before = database_contents(db());
    {
        TestDb holder(db());
        holder.exec("BEGIN IMMEDIATE; INSERT INTO a (v) VALUES ('uncommitted');");
        auto result = belay("restore", {backup.string(), "--yes", "--lock-timeout", "1"});
        EXPECT_EQ(result.exit_code, 4) << describe(result);
        EXPECT_LT(result.seconds, 30.0);
        holder.exec("ROLLBACK;");
    }
    EXPECT_EQ(database_contents(db()), before) << "the refused restore changed the database";
}

INSTANTIATE_TEST_SUITE_P(JournalModes, RestoreBusyTest, ::testing::Values("delete", "wal"),
                         [](const auto& param_info) { return std::string(param_info.param); });

// kill -9 during the restore of a larger database: afterwards the database opens, passes
// integrity_check and holds either the state it had or the backup's, never a mix.
class RestoreCrashTest : public E2eTest, public ::testing::WithParamInterface<const char*> {
  protected:
    static constexpr int k_megabytes = 40;
    static constexpr std::int64_t k_rows = k_megabytes * 256;

    void SetUp() override {
        add_filler(db(), k_megabytes);
        TestDb setup(db());
        setup.exec(std::string("PRAGMA journal_mode = ") + GetParam() +
                   "; ALTER TABLE filler ADD COLUMN tag TEXT; "
                   "CREATE TABLE marker (state TEXT); INSERT INTO marker VALUES ('backup');");
    }
    // From the backup's state to the live one: a quarter of the pages rewritten, rows added.
    void make_live() {
        TestDb live(db());
        live.exec(
            "BEGIN; UPDATE marker SET state = 'live'; "
            "UPDATE filler SET b = randomblob(4000), tag = 'live' WHERE id % 4 = 0; "
            "INSERT INTO filler (b, tag) SELECT randomblob(4000), 'live' FROM filler LIMIT 100; "
            "COMMIT;");
    }
    // "backup" or "live" when the database is consistently one of them; fails otherwise.
    std::string state(const std::string& context) {
        TestDb check(db());  // read-write: rolls back a hot journal as any user's open would
        EXPECT_EQ(check.scalar("PRAGMA integrity_check"), "ok") << context;
        const auto marker = check.scalar("SELECT state FROM marker");
        const auto rows = check.count("filler");
        const auto tagged =
            std::stoll(check.scalar("SELECT count(*) FROM filler WHERE tag = 'live'"));
        if (marker == "backup") {
            EXPECT_EQ(rows, k_rows) << context;
            EXPECT_EQ(tagged, 0) << context;
        } else {
            EXPECT_EQ(marker, "live") << context;
            EXPECT_EQ(rows, k_rows + 100) << context;
            EXPECT_EQ(tagged, k_rows / 4 + 100) << context;
        }
        return marker;
    }
};

TEST_P(RestoreCrashTest, KillDuringRestoreLeavesTheOldOrTheRestoredState) {
    const auto backups = dir() / "backups";
    const auto safety = dir() / "safety";
    fs::create_directories(backups);
    fs::create_directories(safety);
    auto taken = run_raw(
        {"db", "backup", "--db", db().string(), "--out", (backups / "source.bak").string()});
    ASSERT_EQ(taken.exit_code, 0) << describe(taken);
    const std::vector<std::string> args{(backups / "source.bak").string(), "--yes", "--backup-dir",
                                        safety.string()};
    make_live();

    auto whole = belay("restore", args);
    ASSERT_EQ(whole.exit_code, 0) << describe(whole);
    ASSERT_EQ(state("after a whole restore"), "backup");
    const auto duration_ms = static_cast<int>(whole.seconds * 1000);

    const auto seed = crash_seed();
    std::mt19937 random(seed);
    std::string moments;
    int killed = 0;
    std::map<std::string, int> outcomes;
    const int kills = crash_kills(4);
    for (int attempt = 0; attempt < kills; ++attempt) {
        if (state("before attempt " + std::to_string(attempt)) == "backup") {
            make_live();
        }
        fs::remove_all(safety);
        fs::create_directories(safety);
        auto run = start("restore", args);
        int delay = 0;
        if (attempt % 2 == 0) {
            // Anywhere in the run.
            delay = std::uniform_int_distribution<int>(0, duration_ms)(random);
            std::this_thread::sleep_for(std::chrono::milliseconds(delay));
            moments += std::to_string(delay) + " ms";
        } else {
            // In the copy itself: once the safety snapshot has its final name.
            const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
            while (names_ending_with(safety, ".bak").empty() &&
                   std::chrono::steady_clock::now() < give_up) {
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
            delay = std::uniform_int_distribution<int>(0, std::max(1, duration_ms / 3))(random);
            std::this_thread::sleep_for(std::chrono::milliseconds(delay));
            moments += "safety snapshot + " + std::to_string(delay) + " ms";
        }
        run->send_signal(SIGKILL);
        const auto result = run->wait(std::chrono::seconds(60));
        const bool was_killed = result.term_signal == SIGKILL;
        killed += was_killed ? 1 : 0;
        moments += was_killed ? "; " : " (had ended); ";
        const auto context = "seed " + std::to_string(seed) + ", attempt " +
                             std::to_string(attempt) + ", kills: " + moments;
        ++outcomes[state(context)];
    }
    std::cout << "[ tally ] restore " << GetParam() << ": " << killed << " of " << kills
              << " runs killed (a restore takes " << duration_ms << " ms; seed " << seed
              << "); restored state: " << outcomes["backup"] << ", old state: " << outcomes["live"]
              << "\n[ kills ] " << moments << "\n";
    RecordProperty("kill_moments", moments);
    EXPECT_GE(killed, 1) << "no restore was killed before it ended: " << moments;
}

INSTANTIATE_TEST_SUITE_P(JournalModes, RestoreCrashTest, ::testing::Values("delete", "wal"),
                         [](const auto& param_info) { return std::string(param_info.param); });

}  // namespace
}  // namespace belay::testing
