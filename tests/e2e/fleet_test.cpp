// `belay fleet ...` end to end: the real binary over real per-tenant database files.
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "harness.hpp"

namespace belay::testing {
namespace {

constexpr const char* k_create_t =
    "-- +migrate Up\nCREATE TABLE t(id INTEGER PRIMARY KEY, email TEXT);\n"
    "-- +migrate Down\nDROP TABLE t;\n";
// Fails on a tenant whose t holds the same email twice.
constexpr const char* k_unique_email =
    "-- +migrate Up\nCREATE UNIQUE INDEX t_email ON t(email);\n"
    "-- +migrate Down\nDROP INDEX t_email;\n";

class FleetTest : public E2eTest {
  protected:
    fs::path tenants() const { return dir() / "tenants"; }
    fs::path tenant(int i) const { return tenants() / fmt::format("t{:02}.db", i); }
    std::string pattern() const { return "tenants/*.db"; }
    // For a BackgroundRun: run in dir(), as run_raw does.
    RunOptions in_dir() const {
        RunOptions options;
        options.cwd = dir();
        return options;
    }

    void make_tenants(int count) const {
        fs::create_directories(tenants());
        for (int i = 0; i < count; ++i) {
            TestDb db(tenant(i));
            db.exec("CREATE TABLE seed(x); INSERT INTO seed VALUES (1);");
        }
    }

    void write_two_migrations() const {
        write_migration("1_create_t.sql", k_create_t);
        write_migration("2_unique_email.sql", k_unique_email);
    }

    RunResult fleet(std::vector<std::string> args, RunOptions options = {}) const {
        args.insert(args.begin(), "fleet");
        return run_raw(args, std::move(options));
    }

    // The versions `db` records as applied, in order, joined by commas.
    static std::string versions(const fs::path& db) {
        TestDb check(db, true);
        if (check.scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'schema_migrations'") ==
            "0") {
            return "";
        }
        std::string joined;
        for (const auto& version :
             check.column("SELECT version FROM schema_migrations ORDER BY rowid")) {
            joined += (joined.empty() ? "" : ",") + version;
        }
        return joined;
    }

    // The `.bak` files beside tenant `i`.
    std::vector<std::string> backups_of(int i) const {
        std::vector<std::string> found;
        const auto stem = tenant(i).stem().string() + "-";
        for (const auto& name : list_dir(tenants())) {
            if (name.starts_with(stem) && name.ends_with(".bak")) {
                found.push_back(name);
            }
        }
        return found;
    }

    static std::vector<nlohmann::json> journal_lines(const fs::path& journal) {
        std::vector<nlohmann::json> lines;
        std::ifstream in(journal);
        std::string line;
        while (std::getline(in, line)) {
            lines.push_back(nlohmann::json::parse(line));
        }
        return lines;
    }

    // Waits until `run`'s journal records the start of database `index` (false after a minute).
    bool wait_for_start(BackgroundRun& run, const std::string& journal, int index) const {
        const auto path = dir() / journal;
        const auto line = fmt::format("{{\"start\":{},", index);
        return run.wait_until(
            [&] { return fs::exists(path) && read_file(path).find(line) != std::string::npos; },
            std::chrono::seconds(60));
    }

    // Takes tenant `held`'s write lock in `holder` and starts a fleet migrate (--jobs 1, lock
    // timeout 600 s, journal run.journal) that waits there; returns once the run has started
    // that database, its selection and the databases before it done.
    std::unique_ptr<BackgroundRun> run_held_at(int held, TestDb& holder) const {
        holder.exec("BEGIN IMMEDIATE; INSERT INTO seed VALUES (2);");
        auto run = std::make_unique<BackgroundRun>(
            std::vector<std::string>{"fleet", "migrate", "--db", pattern(), "--jobs", "1",
                                     "--lock-timeout", "600", "--journal", "run.journal"},
            in_dir());
        EXPECT_TRUE(wait_for_start(*run, "run.journal", held));
        return run;
    }

    // How many end lines with `outcome` the journal holds.
    static int ends_with_outcome(const fs::path& journal, const std::string& outcome) {
        int count = 0;
        for (const auto& line : journal_lines(journal)) {
            count += line.contains("end") && line["outcome"] == outcome ? 1 : 0;
        }
        return count;
    }
};

TEST_F(FleetTest, MigratesEveryDatabaseEachWithItsOwnSnapshotAndJournalsEachOne) {
    make_tenants(6);
    write_two_migrations();
    const auto result =
        fleet({"migrate", "--db", pattern(), "--jobs", "2", "--journal", "run.journal", "--json"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto json = result.json();
    EXPECT_EQ(json["counts"]["migrated"], 6);
    EXPECT_EQ(json["selected"], 6);
    EXPECT_EQ(json["finished"], true);
    EXPECT_TRUE(json["stopped"].is_null());
    for (const char* key : {"database", "outcome", "version_before", "version_after", "steps",
                            "migration", "error", "snapshot", "duration_ms"}) {
        EXPECT_TRUE(json["slowest"][0].contains(key)) << key;
    }
    for (int i = 0; i < 6; ++i) {
        EXPECT_EQ(versions(tenant(i)), "1,2") << tenant(i);
        EXPECT_EQ(backups_of(i).size(), 1u) << tenant(i);
    }
    EXPECT_EQ(ends_with_outcome(dir() / "run.journal", "migrated"), 6);
    const auto lines = journal_lines(dir() / "run.journal");
    EXPECT_TRUE(lines.back().contains("finished"));
    int snapshots = 0;
    for (const auto& line : lines) {
        if (line.contains("snapshot") && line.contains("path")) {
            ++snapshots;
            EXPECT_TRUE(fs::exists(dir() / line["path"].get<std::string>())) << line;
        }
    }
    EXPECT_EQ(snapshots, 6);
    // A finished run's journal gives its summary again, runs nothing and writes nothing.
    const auto journal = read_file(dir() / "run.journal");
    const auto again = fleet({"resume", "run.journal", "--json"});
    EXPECT_EQ(again.exit_code, 0) << describe(again);
    EXPECT_EQ(again.json()["counts"]["migrated"], 6);
    EXPECT_EQ(read_file(dir() / "run.journal"), journal);
    for (int i = 0; i < 6; ++i) {
        EXPECT_EQ(backups_of(i).size(), 1u) << tenant(i);
    }
}

TEST_F(FleetTest, OneTenantsFailureTouchesNoOtherAndNamesItsMigrationAndSnapshot) {
    make_tenants(5);
    write_two_migrations();
    {
        TestDb bad(tenant(2));
        bad.exec(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, email TEXT);"
            "INSERT INTO t(email) VALUES ('a@x'), ('a@x');");
    }
    // Tenant 2 already has t: give it belay's history for 1 first.
    ASSERT_EQ(run_raw({"db", "baseline", "--db", tenant(2).string(), "--version", "1",
                       "--migrations", "migrations"})
                  .exit_code,
              0);
    const auto result =
        fleet({"migrate", "--db", pattern(), "--jobs", "2", "--journal", "run.journal", "--json"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    const auto json = result.json();
    EXPECT_EQ(json["counts"]["migrated"], 4);
    EXPECT_EQ(json["counts"]["failed"], 1);
    ASSERT_EQ(json["attention"].size(), 1u);
    const auto& failed = json["attention"][0];
    EXPECT_EQ(failed["database"], "tenants/t02.db");
    EXPECT_EQ(failed["migration"], "2_unique_email");
    EXPECT_EQ(failed["version_after"], "1");
    EXPECT_NE(failed["error"].get<std::string>().find("UNIQUE constraint failed"),
              std::string::npos);
    ASSERT_TRUE(failed.contains("snapshot"));
    EXPECT_TRUE(fs::exists(dir() / failed["snapshot"].get<std::string>()));
    EXPECT_EQ(versions(tenant(2)), "1");
    for (const int i : {0, 1, 3, 4}) {
        EXPECT_EQ(versions(tenant(i)), "1,2") << tenant(i);
    }
    // The text names the same.
    const auto again = fleet({"migrate", "--db", pattern(), "--journal", "again.journal"});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_NE(again.out.find("tenants/t02.db  failed at version 1"), std::string::npos)
        << again.out;
    EXPECT_NE(again.out.find("migration: 2_unique_email"), std::string::npos) << again.out;
    EXPECT_NE(again.out.find("up_to_date 4"), std::string::npos) << again.out;
}

TEST_F(FleetTest, AFailedCanaryStopsTheRunBeforeAnyOtherDatabase) {
    make_tenants(6);
    write_migration("1_create_t.sql", k_create_t);
    {
        TestDb bad(tenant(0));  // the first in selection order: a canary
        bad.exec("CREATE TABLE t(x);");
    }
    const auto result = fleet(
        {"migrate", "--db", pattern(), "--canary", "2", "--journal", "run.journal", "--json"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    const auto json = result.json();
    EXPECT_EQ(json["counts"]["failed"], 1);
    EXPECT_EQ(json["counts"]["migrated"], 1);
    EXPECT_EQ(json["counts"]["not_started"], 4);
    EXPECT_NE(json["stopped"].get<std::string>().find("canary"), std::string::npos);
    for (int i = 2; i < 6; ++i) {
        EXPECT_EQ(versions(tenant(i)), "") << tenant(i);
        EXPECT_TRUE(backups_of(i).empty()) << tenant(i);
    }
    // A run that stopped on purpose is not resumed: a new run is the way on.
    const auto resume = fleet({"resume", "run.journal"});
    EXPECT_EQ(resume.exit_code, 5) << describe(resume);
    EXPECT_NE(resume.err.find("stopped on purpose"), std::string::npos) << resume.err;
    EXPECT_NE(resume.err.find("belay fleet migrate"), std::string::npos) << resume.err;
}

TEST_F(FleetTest, MaxFailuresStopsStartingNewDatabases) {
    make_tenants(8);
    write_migration("1_create_t.sql", k_create_t);
    for (int i = 0; i < 4; ++i) {
        TestDb bad(tenant(i));
        bad.exec("CREATE TABLE t(x);");
    }
    const auto result = fleet({"migrate", "--db", pattern(), "--jobs", "1", "--max-failures", "2",
                               "--journal", "run.journal", "--json"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    const auto json = result.json();
    EXPECT_EQ(json["counts"]["failed"], 2);
    EXPECT_EQ(json["counts"]["not_started"], 6);
    for (int i = 2; i < 8; ++i) {
        EXPECT_TRUE(backups_of(i).empty()) << tenant(i);
    }
}

TEST_F(FleetTest, ADryRunRehearsesEachDatabaseOnACopyAndChangesNothing) {
    make_tenants(4);
    write_two_migrations();
    {
        TestDb bad(tenant(3));
        bad.exec("CREATE TABLE t(x);");
    }
    std::vector<std::string> before;
    for (int i = 0; i < 4; ++i) {
        before.push_back(read_file(tenant(i)));
    }
    const auto result = fleet({"migrate", "--db", pattern(), "--dry-run", "--json"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    const auto json = result.json();
    EXPECT_EQ(json["counts"]["would_migrate"], 3);
    EXPECT_EQ(json["counts"]["failed"], 1);
    EXPECT_EQ(json["dry_run"], true);
    ASSERT_EQ(json["attention"].size(), 1u);
    EXPECT_EQ(json["attention"][0]["version_before"], "0");
    EXPECT_TRUE(json["attention"][0]["version_after"].is_null()) << json.dump(1);
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(read_file(tenant(i)), before[static_cast<std::size_t>(i)]) << tenant(i);
        EXPECT_TRUE(backups_of(i).empty());
    }
    for (const auto& name : list_dir(dir())) {
        EXPECT_EQ(name.find(".journal"), std::string::npos) << name;
    }
}

TEST_F(FleetTest, AFailedRehearsalTouchesNoDatabase) {
    make_tenants(3);
    // Needs a table the tenants have and an empty database has not.
    write_migration("1_use_seed.sql", "-- +migrate Up\nCREATE INDEX seed_x ON seed(x);\n");
    const auto result = fleet({"migrate", "--db", pattern(), "--journal", "run.journal"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_NE(result.err.find("rehearsal"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("--no-rehearsal"), std::string::npos) << result.err;
    EXPECT_FALSE(fs::exists(dir() / "run.journal"));
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(versions(tenant(i)), "");
        EXPECT_TRUE(backups_of(i).empty());
    }
    const auto skipped =
        fleet({"migrate", "--db", pattern(), "--journal", "run.journal", "--no-rehearsal"});
    EXPECT_EQ(skipped.exit_code, 0) << describe(skipped);
    EXPECT_NE(skipped.out.find("no rehearsal"), std::string::npos) << skipped.out;
    EXPECT_EQ(versions(tenant(1)), "1");
}

TEST_F(FleetTest, InvalidMigrationFilesTouchNothing) {
    make_tenants(2);
    write_migration("1_create_t.sql", k_create_t);
    write_migration("1_bad.sql", k_create_t);  // a version two files share
    const auto result = fleet({"migrate", "--db", pattern(), "--journal", "run.journal"});
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_NE(result.err.find("1_bad.sql"), std::string::npos) << result.err;
    EXPECT_FALSE(fs::exists(dir() / "run.journal"));
    EXPECT_TRUE(backups_of(0).empty());
}

TEST_F(FleetTest, AnExistingJournalIsNeverOverwrittenAndNothingRuns) {
    make_tenants(2);
    write_two_migrations();
    write_file("run.journal", "mine\n");
    const auto result = fleet({"migrate", "--db", pattern(), "--journal", "run.journal"});
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_EQ(read_file(dir() / "run.journal"), "mine\n");
    EXPECT_EQ(versions(tenant(0)), "");
}

TEST_F(FleetTest, SelectionMistakesAreUsageErrors) {
    make_tenants(1);
    write_two_migrations();
    auto none = fleet({"migrate", "--journal", "run.journal"});
    EXPECT_EQ(none.exit_code, 2);
    EXPECT_NE(none.err.find("--db"), std::string::npos) << none.err;
    auto nomatch = fleet({"status", "--db", "nowhere/*.db"});
    EXPECT_EQ(nomatch.exit_code, 2);
    EXPECT_NE(nomatch.err.find("nowhere/*.db"), std::string::npos) << nomatch.err;
    auto shard = fleet({"status", "--db", pattern(), "--shard", "3/3"});
    EXPECT_EQ(shard.exit_code, 2);
    EXPECT_NE(shard.err.find("--shard"), std::string::npos) << shard.err;
    auto jobs = fleet({"status", "--db", pattern(), "--jobs", "0"});
    EXPECT_EQ(jobs.exit_code, 2);
    EXPECT_NE(jobs.err.find("--jobs"), std::string::npos) << jobs.err;
    auto unknown = fleet({"frobnicate"});
    EXPECT_EQ(unknown.exit_code, 2);
    write_file("list.txt", "# no tenants yet\n   \n");
    auto empty = fleet({"migrate", "--db-list", "list.txt", "--journal", "run.journal"});
    EXPECT_EQ(empty.exit_code, 2) << describe(empty);
    auto target = fleet({"migrate", "--db", pattern(), "--to", "9", "--journal", "run.journal"});
    EXPECT_EQ(target.exit_code, 2) << describe(target);
    EXPECT_NE(target.err.find("--to 9"), std::string::npos) << target.err;
    fs::create_directories(dir() / "none");
    auto no_files = fleet({"migrate", "--db", pattern(), "--migrations", "none", "--journal",
                           "run.journal", "--no-rehearsal"});
    EXPECT_EQ(no_files.exit_code, 2) << describe(no_files);
    EXPECT_NE(no_files.err.find("--migrations"), std::string::npos) << no_files.err;
    EXPECT_FALSE(fs::exists(dir() / "run.journal"));
    EXPECT_EQ(versions(tenant(0)), "");
}

TEST_F(FleetTest, TooManyJobsForTheOpenFileLimitIsRefusedBeforeAnyDatabase) {
    make_tenants(2);
    write_two_migrations();
    int status = 0;
    const auto out = shell_output(fmt::format("cd '{}' && ulimit -Sn 256 && ulimit -Hn 256 && '{}' "
                                              "fleet migrate --db '{}' --jobs 100 --journal "
                                              "run.journal 2>&1",
                                              dir().string(), belay_binary().string(), pattern()),
                                  &status);
    EXPECT_EQ(WEXITSTATUS(status), 2) << out;
    EXPECT_NE(out.find("ulimit -n"), std::string::npos) << out;
    EXPECT_EQ(versions(tenant(0)), "");
}

TEST_F(FleetTest, ADatabaseAnotherRunHoldsIsReportedBusyAndLeftToIt) {
    make_tenants(3);
    write_two_migrations();
    // A db migrate of tenant 1 alone, holding its run lock while it waits for a writer the test
    // holds.
    TestDb writer(tenant(1));
    writer.exec("BEGIN IMMEDIATE; INSERT INTO seed VALUES (2);");
    BackgroundRun other({"db", "migrate", "--db", tenant(1).string(), "--lock-timeout", "120"},
                        in_dir());
    const auto lock = fs::path(tenant(1).string() + ".belay-lock");
    ASSERT_TRUE(other.wait_until([&] { return other.has_open(lock) && other.has_open(tenant(1)); },
                                 std::chrono::seconds(60)));
    const auto result = fleet({"migrate", "--db", pattern(), "--jobs", "2", "--lock-timeout", "0.2",
                               "--journal", "run.journal", "--json"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    const auto json = result.json();
    EXPECT_EQ(json["counts"]["migrated"], 2);
    EXPECT_EQ(json["counts"]["busy"], 1);
    ASSERT_EQ(json["attention"].size(), 1u);
    EXPECT_EQ(json["attention"][0]["database"], "tenants/t01.db");
    EXPECT_TRUE(backups_of(1).empty());
    writer.exec("COMMIT;");
    const auto finished = other.wait(std::chrono::seconds(180));
    EXPECT_EQ(finished.exit_code, 0) << describe(finished);
    EXPECT_EQ(versions(tenant(1)), "1,2");
    EXPECT_EQ(backups_of(1).size(), 1u);  // the other run's own snapshot
}

// Under a RESERVED lock (BEGIN IMMEDIATE) belay waits at its first step's write lock; under an
// EXCLUSIVE one it waits to read the database at all. Either way a signal ends the wait, the
// database is interrupted (not unreadable), and fleet resume migrates it.
TEST_F(FleetTest, ASignalStopsTheRunPromptlyEvenWhileItWaitsForALock) {
    for (const std::string mode : {"IMMEDIATE", "EXCLUSIVE"}) {
        SCOPED_TRACE(mode);
        fs::remove_all(tenants());
        make_tenants(3);
        write_two_migrations();
        const auto journal = "run-" + mode + ".journal";
        TestDb holder(tenant(0));
        holder.exec("BEGIN " + mode + "; INSERT INTO seed VALUES (2);");
        BackgroundRun run({"fleet", "migrate", "--db", pattern(), "--jobs", "1", "--lock-timeout",
                           "600", "--journal", journal},
                          in_dir());
        ASSERT_TRUE(wait_for_start(run, journal, 0));
        run.send_signal(SIGINT);
        const auto result = run.wait(std::chrono::seconds(60));
        EXPECT_EQ(result.exit_code, 130) << describe(result);
        EXPECT_LT(result.seconds, 60.0);
        EXPECT_NE(result.out.find("interrupted 1"), std::string::npos) << result.out;
        EXPECT_NE(result.out.find("belay fleet resume " + journal), std::string::npos)
            << result.out;
        EXPECT_EQ(ends_with_outcome(dir() / journal, "interrupted"), 1);
        holder.exec("ROLLBACK;");
        for (int i = 0; i < 3; ++i) {
            EXPECT_EQ(versions(tenant(i)), "") << tenant(i);
        }
        const auto resumed = fleet({"resume", journal, "--json"});
        EXPECT_EQ(resumed.exit_code, 0) << describe(resumed);
        EXPECT_EQ(resumed.json()["counts"]["migrated"], 3);
        for (int i = 0; i < 3; ++i) {
            EXPECT_EQ(versions(tenant(i)), "1,2") << tenant(i);
        }
    }
}

// Before any database: the migrations are checked and rehearsed on scratch databases. A signal
// then stops the run there and says that no database was touched.
TEST_F(FleetTest, ASignalWhileTheMigrationsAreCheckedSaysNoDatabaseWasTouched) {
    make_tenants(2);
    write_migration("1_slow.sql",
                    "-- +migrate Up\nCREATE TABLE big AS WITH RECURSIVE c(x) AS (SELECT 1 UNION "
                    "ALL SELECT x + 1 FROM c LIMIT 500000000) SELECT x FROM c;\n");
    BackgroundRun run({"fleet", "migrate", "--db", pattern(), "--journal", "run.journal", "-v"},
                      in_dir());
    ASSERT_TRUE(run.wait_for_stderr("applying 1_slow", std::chrono::seconds(60)));
    run.send_signal(SIGINT);
    const auto result = run.wait(std::chrono::seconds(120));
    EXPECT_EQ(result.exit_code, 130) << describe(result);
    EXPECT_NE(result.err.find("no database of the fleet was touched"), std::string::npos)
        << result.err;
    EXPECT_EQ(result.err.find("between steps"), std::string::npos) << result.err;
    EXPECT_FALSE(fs::exists(dir() / "run.journal"));
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(versions(tenant(i)), "");
        EXPECT_TRUE(backups_of(i).empty());
    }
}

// The journal cannot grow past a file size limit (RLIMIT_FSIZE, as a full disk stops it): at
// whichever line the write fails, the run stops, and the resume leaves every database migrated
// with its snapshot named; none is migrated without its snapshot line (its first step rolls back).
TEST_F(FleetTest, AJournalThatCannotBeWrittenNeverLeavesAMigratedDatabaseWithoutItsSnapshot) {
    constexpr int k_tenants = 40;
    int snapshot_lines_cut = 0;
    // Small pages keep every database file (and its -journal) under the limits: only the fleet's
    // journal (about 340 bytes a database) grows past them.
    for (int limit = 9000; limit <= 13800; limit += 300) {
        SCOPED_TRACE(limit);
        fs::remove_all(tenants());
        fs::remove_all(dir() / "run.journal");
        fs::create_directories(tenants());
        for (int i = 0; i < k_tenants; ++i) {
            TestDb(tenant(i)).exec(
                "PRAGMA page_size = 512; CREATE TABLE seed(x); INSERT INTO seed VALUES (1);");
        }
        write_two_migrations();
        RunOptions limited = in_dir();
        limited.program = "/usr/bin/prlimit";
        const auto cut = run_raw(
            {fmt::format("--fsize={}", limit), belay_binary().string(), "fleet", "migrate", "--db",
             pattern(), "--jobs", "1", "--no-rehearsal", "--journal", "run.journal"},
            limited);
        if (cut.exit_code == 0) {
            continue;  // the whole journal fitted
        }
        EXPECT_EQ(cut.exit_code, 1) << describe(cut);
        const auto text = read_file(dir() / "run.journal");
        const auto torn = text.substr(text.rfind('\n') + 1);
        snapshot_lines_cut += torn.starts_with("{\"snapshot\"") ? 1 : 0;
        const auto resumed = fleet({"resume", "run.journal"});
        ASSERT_EQ(resumed.exit_code, 0) << describe(resumed);
        std::set<int> migrated_with_snapshot;
        for (const auto& line : journal_lines(dir() / "run.journal")) {
            if (line.contains("end") && line["outcome"] == "migrated" &&
                !line.value("snapshot", std::string()).empty()) {
                migrated_with_snapshot.insert(line["end"].get<int>());
            }
        }
        for (int i = 0; i < k_tenants; ++i) {
            EXPECT_EQ(versions(tenant(i)), "1,2") << tenant(i);
            EXPECT_TRUE(migrated_with_snapshot.contains(i)) << tenant(i) << "\n" << text;
        }
    }
    EXPECT_GT(snapshot_lines_cut, 0) << "no limit fell on a snapshot line";
}

// A signal while the last database runs: the run is not finished (no "finished" line, exit 143),
// and the resume migrates that database and journals it, so status over the journal is clean.
TEST_F(FleetTest, ASignalDuringTheLastDatabaseLeavesTheRunUnfinishedForTheResume) {
    make_tenants(2);
    write_two_migrations();
    TestDb holder(tenant(1));
    const auto run = run_held_at(1, holder);
    run->send_signal(SIGTERM);
    const auto result = run->wait(std::chrono::seconds(60));
    EXPECT_EQ(result.exit_code, 143) << describe(result);
    holder.exec("ROLLBACK;");
    for (const auto& line : journal_lines(dir() / "run.journal")) {
        EXPECT_FALSE(line.contains("finished")) << line;
    }
    const auto resumed = fleet({"resume", "run.journal", "--json"});
    EXPECT_EQ(resumed.exit_code, 0) << describe(resumed);
    EXPECT_EQ(versions(tenant(1)), "1,2");
    const auto status = fleet({"status", "--journal", "run.journal", "--exit-code"});
    EXPECT_EQ(status.exit_code, 0) << describe(status);
}

// A tenant's file moved away (another file put at its path) while its step runs: the step
// commits into the file the run opened, so the tenant at the path is not migrated, and the
// result must not say it was.
TEST_F(FleetTest, AFileReplacedWhileItsStepRunsIsNotReportedMigrated) {
    make_tenants(1);
    write_migration("1_slow.sql",
                    "-- +migrate Up\nCREATE TABLE counted AS WITH RECURSIVE c(x) AS (SELECT 1 "
                    "UNION ALL SELECT x + 1 FROM c LIMIT 10000000) SELECT count(*) AS n FROM c;\n");
    fs::create_directories(dir() / "other");
    {
        TestDb other(dir() / "other" / "t00.db");
        other.exec("CREATE TABLE seed(x);");
    }
    BackgroundRun run({"fleet", "migrate", "--db", pattern(), "--journal", "run.journal",
                       "--no-rehearsal", "--json"},
                      in_dir());
    // The snapshot line comes as the step starts (under its write lock); the step then counts
    // for a second or more.
    ASSERT_TRUE(run.wait_until(
        [&] {
            return fs::exists(dir() / "run.journal") &&
                   read_file(dir() / "run.journal").find("{\"snapshot\":0") != std::string::npos;
        },
        std::chrono::seconds(60)));
    fs::rename(tenant(0), dir() / "moved.db");
    fs::rename(dir() / "other" / "t00.db", tenant(0));
    const auto result = run.wait(std::chrono::seconds(300));
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    const auto json = nlohmann::json::parse(result.out);
    EXPECT_EQ(json["counts"]["migrated"], 0) << result.out;
    EXPECT_EQ(json["counts"]["failed"], 1) << result.out;
    EXPECT_EQ(TestDb(tenant(0), true).tables(), std::vector<std::string>{"seed"});
}

// A kill after a database's first step committed: the resumed run finishes it and names the
// snapshot the first run took, the state the upgrade started from.
TEST_F(FleetTest, AResumeNamesTheSnapshotTheUpgradeStartedFrom) {
    make_tenants(1);
    write_migration("1_create_t.sql", k_create_t);
    // Endless while the tenant has two seed rows.
    write_migration(
        "2_wait.sql",
        "-- +migrate Up\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
        "WHERE x < 10 OR (SELECT count(*) FROM seed) > 1) SELECT count(*) FROM c;\n");
    {
        TestDb db(tenant(0));
        db.exec("INSERT INTO seed VALUES (2);");
    }
    // --keep 1 must not remove that first snapshot when the resumed run prunes.
    BackgroundRun run({"fleet", "migrate", "--db", pattern(), "--step-timeout", "3600", "--journal",
                       "run.journal", "--no-rehearsal", "--keep", "1"},
                      in_dir());
    ASSERT_TRUE(
        run.wait_until([&] { return versions(tenant(0)) == "1"; }, std::chrono::seconds(60)));
    run.send_signal(SIGKILL);
    run.wait();
    std::string first;
    for (const auto& line : journal_lines(dir() / "run.journal")) {
        if (line.contains("snapshot") && line.contains("path")) {
            first = line["path"].get<std::string>();
        }
    }
    ASSERT_FALSE(first.empty());
    {
        TestDb db(tenant(0));
        db.exec("DELETE FROM seed WHERE x = 2;");
    }
    const auto resumed = fleet({"resume", "run.journal", "--json"});
    ASSERT_EQ(resumed.exit_code, 0) << describe(resumed);
    EXPECT_EQ(versions(tenant(0)), "1,2");
    const auto json = resumed.json();
    EXPECT_EQ(json["counts"]["migrated"], 1);
    // The resumed run's own snapshot is in the journal; the result names the first.
    EXPECT_EQ(backups_of(0).size(), 2u);
    int snapshot_lines = 0;
    for (const auto& line : journal_lines(dir() / "run.journal")) {
        snapshot_lines += line.contains("snapshot") && line.contains("path") ? 1 : 0;
        if (line.contains("end")) {
            EXPECT_EQ(line["snapshot"], (dir() / first).string()) << line;
            // Counted from that snapshot: both steps, though the resume found the first applied.
            EXPECT_EQ(line["before"], "0") << line;
            EXPECT_EQ(line["steps"], 2) << line;
        }
    }
    EXPECT_EQ(snapshot_lines, 2);
    EXPECT_EQ(versions(dir() / first), "");  // the state before the upgrade: no history yet
}

// fleet resume goes on with the options its journal records: a belay.ini or BELAY_* variable
// that sets them (as getting-started suggests) is not in its way; the same on its own command
// line is refused; migrations that are gone make it refuse, naming where they were.
TEST_F(FleetTest, AResumeTakesItsOptionsFromTheJournalAlone) {
    make_tenants(2);
    write_two_migrations();
    TestDb holder(tenant(0));
    holder.exec("BEGIN IMMEDIATE; INSERT INTO seed VALUES (2);");
    BackgroundRun run({"fleet", "migrate", "--db", pattern(), "--lock-timeout", "600", "--journal",
                       "run.journal"},
                      in_dir());
    ASSERT_TRUE(wait_for_start(run, "run.journal", 0));
    run.send_signal(SIGTERM);
    EXPECT_EQ(run.wait().exit_code, 143);
    holder.exec("ROLLBACK;");
    // Standing settings of the options the journal records are not read, not even checked.
    write_file("belay.ini",
               "migrations = migrations\nlock-timeout = abc\nformat = nope\nkeep = banana\n");
    const auto flag = fleet({"resume", "run.journal", "--migrations", "migrations"});
    EXPECT_EQ(flag.exit_code, 2) << describe(flag);
    EXPECT_NE(flag.err.find("--migrations"), std::string::npos) << flag.err;
    fs::rename(migrations(), dir() / "moved");
    const auto gone = fleet({"resume", "run.journal"});
    EXPECT_EQ(gone.exit_code, 5) << describe(gone);
    EXPECT_NE(gone.err.find("put them back in"), std::string::npos) << gone.err;
    fs::rename(dir() / "moved", migrations());
    const auto before = read_file(dir() / "run.journal");
    for (const std::string jobs : {"0", "257"}) {
        const auto refused = fleet({"resume", "run.journal", "--jobs", jobs});
        EXPECT_EQ(refused.exit_code, 2) << describe(refused);
        EXPECT_EQ(read_file(dir() / "run.journal"), before) << "nothing is journaled";
    }
    const auto resumed =
        fleet({"resume", "run.journal"}, with_env({{"BELAY_TABLE", "schema_migrations"},
                                                   {"BELAY_LOCK_TIMEOUT", "abc"},
                                                   {"BELAY_MIGRATIONS", "/nonexistent"}}));
    EXPECT_EQ(resumed.exit_code, 0) << describe(resumed);
    EXPECT_EQ(versions(tenant(0)), "1,2");
    EXPECT_EQ(versions(tenant(1)), "1,2");
}

// A tenant's path swapped for a symlink (to a file outside the selection) while the run waits:
// its turn finds another file there, reports it, and opens neither.
TEST_F(FleetTest, APathSwappedForAnotherFileAfterTheSelectionIsReportedNotFollowed) {
    make_tenants(3);
    write_two_migrations();
    fs::create_directories(dir() / "elsewhere");
    {
        TestDb victim(dir() / "elsewhere" / "victim.db");
        victim.exec("CREATE TABLE v(x);");
    }
    TestDb holder(tenant(0));
    holder.exec("BEGIN IMMEDIATE; INSERT INTO seed VALUES (2);");
    BackgroundRun run({"fleet", "migrate", "--db", pattern(), "--jobs", "1", "--lock-timeout",
                       "600", "--journal", "run.journal", "--json"},
                      in_dir());
    ASSERT_TRUE(wait_for_start(run, "run.journal", 0));
    fs::rename(tenant(2), dir() / "t02-moved.db");
    fs::create_symlink(dir() / "elsewhere" / "victim.db", tenant(2));
    holder.exec("COMMIT;");
    const auto result = run.wait();
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    const auto json = nlohmann::json::parse(result.out);
    EXPECT_EQ(json["counts"]["migrated"], 2) << result.out;
    EXPECT_EQ(json["counts"]["unreadable"], 1) << result.out;
    EXPECT_NE(json["attention"][0]["error"].get<std::string>().find("another file"),
              std::string::npos)
        << result.out;
    TestDb victim(dir() / "elsewhere" / "victim.db", true);
    EXPECT_EQ(victim.tables(), std::vector<std::string>{"v"});
}

// A process swapping a tenant's path back and forth (atomic renames: the file, then a symlink to
// another database) while the run goes on: whichever moment each check falls on, the other
// database is never opened, and the tenant ends migrated, unreadable, failed or backup_failed,
// never half-done.
TEST_F(FleetTest, APathFlippedBackAndForthDuringTheRunIsNeverFollowed) {
    const fs::path victim_path = dir() / "elsewhere" / "victim.db";
    fs::create_directories(victim_path.parent_path());
    {
        TestDb victim(victim_path);
        victim.exec("CREATE TABLE v(x);");
    }
    const auto victim_bytes = read_file(victim_path);
    for (int round = 0; round < 3; ++round) {
        SCOPED_TRACE(round);
        fs::remove_all(tenants());
        make_tenants(20);
        write_two_migrations();
        const auto journal = fmt::format("run{}.journal", round);
        TestDb holder(tenant(0));  // the run waits there, its selection made
        holder.exec("BEGIN IMMEDIATE; INSERT INTO seed VALUES (2);");
        BackgroundRun run({"fleet", "migrate", "--db", pattern(), "--jobs", "2", "--lock-timeout",
                           "600", "--no-rehearsal", "--journal", journal},
                          in_dir());
        ASSERT_TRUE(wait_for_start(run, journal, 0));
        const fs::path parked = dir() / "parked.db";
        const fs::path link = dir() / "link.db";
        std::atomic<bool> stop{false};
        std::thread flipper([&] {
            while (!stop) {
                fs::rename(tenant(10), parked);
                fs::create_symlink(victim_path, link);
                fs::rename(link, tenant(10));
                std::this_thread::yield();
                fs::rename(parked, tenant(10));
            }
        });
        holder.exec("COMMIT;");
        const auto result = run.wait(std::chrono::seconds(300));
        stop = true;
        flipper.join();
        EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 1) << describe(result);
        EXPECT_EQ(read_file(victim_path), victim_bytes);
        for (const auto& name : list_dir(victim_path.parent_path())) {
            EXPECT_EQ(name, "victim.db") << "beside the other database";
        }
        std::string outcome;
        for (const auto& line : journal_lines(dir() / journal)) {
            if (line.contains("end") && line["end"] == 10) {
                outcome = line["outcome"];
            }
        }
        // A snapshot taken while the path flips may not verify: backup_failed, untouched.
        EXPECT_TRUE(outcome == "migrated" || outcome == "unreadable" || outcome == "failed" ||
                    outcome == "backup_failed")
            << outcome;
        EXPECT_EQ(versions(tenant(10)), outcome == "migrated" ? "1,2" : "") << outcome;
    }
}

// goose's ENVSUB puts environment variables into the SQL when the files are read: a resume run
// with other values would apply other SQL than the run it finishes. It is refused.
TEST_F(FleetTest, AResumeRefusesTheSqlOfOtherEnvsubValuesThanTheRunStartedWith) {
    make_tenants(2);
    write_migration("00001_accounts.sql",
                    "-- +goose ENVSUB ON\n-- +goose Up\nCREATE TABLE accounts (id INTEGER, "
                    "${REGION_COL} TEXT);\n-- +goose Down\nDROP TABLE accounts;\n");
    TestDb holder(tenant(1));
    holder.exec("BEGIN IMMEDIATE; INSERT INTO seed VALUES (2);");
    auto options = in_dir();
    options.env = {{"REGION_COL", "eu_region"}};
    BackgroundRun run({"fleet", "migrate", "--db", pattern(), "--lock-timeout", "600", "--journal",
                       "run.journal"},
                      options);
    ASSERT_TRUE(wait_for_start(run, "run.journal", 1));
    run.send_signal(SIGKILL);
    run.wait();
    holder.exec("ROLLBACK;");
    const auto other = fleet({"resume", "run.journal"}, with_env({{"REGION_COL", "us_region"}}));
    EXPECT_EQ(other.exit_code, 5) << describe(other);
    EXPECT_NE(other.err.find("environment variables"), std::string::npos) << other.err;
    EXPECT_EQ(TestDb(tenant(1), true).tables(), std::vector<std::string>{"seed"});
    const auto same = fleet({"resume", "run.journal"}, with_env({{"REGION_COL", "eu_region"}}));
    EXPECT_EQ(same.exit_code, 0) << describe(same);
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(TestDb(tenant(i), true)
                      .scalar("SELECT count(*) FROM pragma_table_info('accounts') WHERE name = "
                              "'eu_region'"),
                  "1")
            << tenant(i);
    }
}

TEST_F(FleetTest, AResumeRefusesMigrationsThatChangedSinceTheRunStarted) {
    make_tenants(2);
    write_two_migrations();
    TestDb holder(tenant(0));
    holder.exec("BEGIN IMMEDIATE; INSERT INTO seed VALUES (2);");
    BackgroundRun run({"fleet", "migrate", "--db", pattern(), "--lock-timeout", "600", "--journal",
                       "run.journal"},
                      in_dir());
    ASSERT_TRUE(run.wait_until(
        [&] {
            return fs::exists(dir() / "run.journal") &&
                   read_file(dir() / "run.journal").find("\"start\"") != std::string::npos;
        },
        std::chrono::seconds(60)));
    run.send_signal(SIGTERM);
    EXPECT_EQ(run.wait().exit_code, 143);
    holder.exec("ROLLBACK;");
    write_migration("2_unique_email.sql", "-- +migrate Up\nCREATE INDEX t_email ON t(email);\n");
    const auto resumed = fleet({"resume", "run.journal"});
    EXPECT_EQ(resumed.exit_code, 5) << describe(resumed);
    EXPECT_NE(resumed.err.find("changed"), std::string::npos) << resumed.err;
    EXPECT_EQ(versions(tenant(1)), "");
}

// kill -9 of the whole fleet run (and of its resumes) at random moments, then resume to the
// end: every database at the target, none half-applied, none migrated twice.
TEST_F(FleetTest, KillNineAtRandomMomentsThenResumeFinishesEveryDatabaseOnce) {
    constexpr int count = 12;
    make_tenants(count);
    write_migration("1_create_t.sql", k_create_t);
    // A step long enough to be caught in, and one whose second run would show (a second row).
    write_migration("2_fill.sql",
                    "-- +migrate Up\nINSERT INTO t(email) WITH RECURSIVE c(x) AS (SELECT 1 UNION "
                    "ALL SELECT x + 1 FROM c LIMIT 20000) SELECT 'user' || x FROM c;\n"
                    "CREATE TABLE runs(n INTEGER);\nINSERT INTO runs VALUES (1);\n");
    write_migration("3_index.sql", "-- +migrate Up\nCREATE INDEX t_email ON t(email);\n");
    const std::vector<std::string> start_args{"fleet",  "migrate", "--db",      pattern(),
                                              "--jobs", "2",       "--journal", "run.journal"};
    // How long a whole run takes here, on a copy of the tenants.
    fs::copy(tenants(), dir() / "timing", fs::copy_options::recursive);
    auto timing = run_raw(
        {"fleet", "migrate", "--db", "timing/*.db", "--jobs", "2", "--journal", "timing.journal"});
    ASSERT_EQ(timing.exit_code, 0) << describe(timing);
    const int duration_ms = std::max(50, static_cast<int>(timing.seconds * 1000));
    const auto seed = crash_seed();
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> delay_ms(0, duration_ms);
    std::vector<std::string> args = start_args;
    int killed = 0;
    for (int attempt = 0; attempt < crash_kills(4); ++attempt) {
        BackgroundRun run(args, in_dir());
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
        run.send_signal(SIGKILL);
        const auto result = run.wait();
        killed += result.term_signal == SIGKILL ? 1 : 0;
        if (!fs::exists(dir() / "run.journal")) {
            continue;  // killed before its journal: nothing was touched, start again
        }
        const auto contents = read_file(dir() / "run.journal");
        if (contents.find("\"selected\"") != std::string::npos &&
            std::count(contents.begin(), contents.end(), '\n') > count) {
            args = {"fleet", "resume", "run.journal"};
        } else {
            // Killed while writing its selection: nothing was touched. A new journal.
            fs::remove(dir() / "run.journal");
        }
    }
    const auto finished = run_raw(
        args == start_args ? start_args
                           : std::vector<std::string>{"fleet", "resume", "run.journal", "--json"});
    const auto context =
        fmt::format("seed {}, {} runs killed: {}", seed, killed, describe(finished));
    ASSERT_EQ(finished.exit_code, 0) << context;
    for (int i = 0; i < count; ++i) {
        EXPECT_EQ(versions(tenant(i)), "1,2,3") << tenant(i) << context;
        TestDb check(tenant(i), true);
        EXPECT_EQ(check.scalar("SELECT count(*) FROM runs"), "1") << tenant(i) << context;
        EXPECT_EQ(check.scalar("SELECT count(*) FROM t"), "20000") << tenant(i) << context;
        EXPECT_TRUE(check.has_object("t_email")) << tenant(i) << context;
        EXPECT_FALSE(backups_of(i).empty()) << tenant(i) << context;
    }
    const auto lines = journal_lines(dir() / "run.journal");
    EXPECT_TRUE(lines.back().contains("finished")) << context;
}

TEST_F(FleetTest, AResumeReportsADatabaseAKillLeftDirtyWithTheSnapshotTakenBeforeIt) {
    make_tenants(2);
    write_migration("1_create_t.sql", k_create_t);
    // Without a transaction, and endless on tenant 0 alone (it has two seed rows).
    write_migration("2_notx.sql",
                    "-- +migrate Up notransaction\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                    "SELECT x + 1 FROM c WHERE x < 10 OR (SELECT count(*) FROM seed) > 1) "
                    "SELECT count(*) FROM c;\n");
    {
        TestDb db(tenant(0));
        db.exec("INSERT INTO seed VALUES (2);");
    }
    BackgroundRun run({"fleet", "migrate", "--db", pattern(), "--jobs", "1", "--step-timeout",
                       "3600", "--journal", "run.journal", "--no-rehearsal"},
                      in_dir());
    // The dirty mark is committed before the step without a transaction starts.
    ASSERT_TRUE(run.wait_until(
        [&] {
            TestDb check(tenant(0), true);
            return check.scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'belay_dirty'") ==
                       "1" &&
                   check.scalar("SELECT count(*) FROM belay_dirty") == "1";
        },
        std::chrono::seconds(60)));
    run.send_signal(SIGKILL);
    EXPECT_EQ(run.wait().term_signal, SIGKILL);
    std::string snapshot;
    for (const auto& line : journal_lines(dir() / "run.journal")) {
        if (line.contains("snapshot") && line["snapshot"] == 0) {
            snapshot = line["path"].get<std::string>();
        }
    }
    ASSERT_FALSE(snapshot.empty());
    const auto resumed = fleet({"resume", "run.journal", "--json"});
    EXPECT_EQ(resumed.exit_code, 1) << describe(resumed);
    const auto json = resumed.json();
    EXPECT_EQ(json["counts"]["refused"], 1) << json.dump(1);
    EXPECT_EQ(json["counts"]["migrated"], 1) << json.dump(1);
    ASSERT_EQ(json["attention"].size(), 1u);
    EXPECT_EQ(json["attention"][0]["snapshot"], (dir() / snapshot).string());
    EXPECT_NE(json["attention"][0]["error"].get<std::string>().find("dirty"), std::string::npos)
        << json.dump(1);
    // Where it stands: step 1 committed by the killed run, counted from the snapshot.
    EXPECT_EQ(json["attention"][0]["version_before"], "0") << json.dump(1);
    EXPECT_EQ(json["attention"][0]["version_after"], "1") << json.dump(1);
    EXPECT_EQ(json["attention"][0]["steps"], 1) << json.dump(1);
    EXPECT_TRUE(fs::exists(dir() / snapshot));
    EXPECT_EQ(versions(tenant(1)), "1,2");
}

TEST_F(FleetTest, AProgressLineOnATerminalAndNoneOtherwise) {
    make_tenants(3);
    write_two_migrations();
    const auto command = "cd '" + dir().string() + "' && " + belay_binary().string() +
                         " fleet migrate --db \"tenants/*.db\" --journal ";
    const auto shown = on_a_terminal(command + "a.journal");
    EXPECT_CONTAINS(shown, "3/3 databases") << shown;
    EXPECT_CONTAINS(shown, "0 failed") << shown;
    EXPECT_CONTAINS(shown, "ETA") << shown;
    const auto quiet = on_a_terminal(command + "b.journal --json");
    EXPECT_NOT_CONTAINS(quiet, "ETA") << quiet;
    const auto piped = fleet({"status", "--db", pattern()});
    EXPECT_EQ(piped.exit_code, 0) << describe(piped);
    EXPECT_NOT_CONTAINS(piped.err, "ETA") << "stderr is not a terminal here";
}

TEST_F(FleetTest, StatusTellsEachDatabasesStandingAndExitCodeSaysWhetherAnyNeedsAttention) {
    make_tenants(5);
    write_migration("1_create_t.sql", k_create_t);
    ASSERT_EQ(run_raw({"db", "migrate", "--db", tenant(0).string()}).exit_code, 0);
    ASSERT_EQ(run_raw({"db", "migrate", "--db", tenant(1).string()}).exit_code, 0);
    write_file("tenants/t02.db", std::string(4096, 'x'));  // not a database
    {
        TestDb dbmate(tenant(3));  // another tool's history under belay's table name
        dbmate.exec(
            "CREATE TABLE schema_migrations(version VARCHAR(128) PRIMARY KEY);"
            "INSERT INTO schema_migrations VALUES ('20260101000000');");
    }
    write_migration("2_unique_email.sql", k_unique_email);
    // tenant 1: its applied file changed.
    const auto text = read_file(migrations() / "1_create_t.sql");
    auto clean = fleet({"status", "--db", "tenants/t00.db", "--exit-code"});
    EXPECT_EQ(clean.exit_code, 6) << describe(clean);  // 2 is pending there
    auto result = fleet({"status", "--db", pattern(), "--json", "--all"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto json = result.json();
    EXPECT_EQ(json["counts"]["behind"], 3) << json.dump(1);
    EXPECT_EQ(json["counts"]["unreadable"], 1);
    EXPECT_EQ(json["counts"]["refused"], 1);
    EXPECT_EQ(json["databases"].size(), 5u);
    EXPECT_EQ(json["databases"][0]["steps"], 1);
    EXPECT_EQ(json["databases"][4]["steps"], 2);
    ASSERT_EQ(run_raw({"db", "migrate", "--db", tenant(0).string()}).exit_code, 0);
    write_migration("1_create_t.sql", text + "-- edited\n");
    result = fleet({"status", "--db", "tenants/t00.db", "--db", "tenants/t01.db", "--json"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(result.json()["counts"]["findings"], 2) << result.out;
    EXPECT_NE(result.json()["attention"][0]["error"].get<std::string>().find("modified 1_create_t"),
              std::string::npos)
        << result.out;
    // Status opens nothing for writing: the files stay as they were.
    const auto before = read_file(tenant(4));
    EXPECT_EQ(fleet({"status", "--db", pattern()}).exit_code, 0);
    EXPECT_EQ(read_file(tenant(4)), before);
}

TEST_F(FleetTest, ShardsSpreadTheFleetAndStatusOverTheirJournalsGivesOneView) {
    make_tenants(10);
    write_two_migrations();
    std::set<std::string> seen;
    for (const char* shard : {"0/3", "1/3", "2/3"}) {
        const auto journal = fmt::format("shard-{}.journal", shard[0]);
        const auto result =
            fleet({"migrate", "--db", pattern(), "--shard", shard, "--journal", journal, "--json"});
        ASSERT_EQ(result.exit_code, 0) << describe(result);
        for (const auto& line : journal_lines(dir() / journal)) {
            if (line.contains("select")) {
                EXPECT_TRUE(seen.insert(line["select"].get<std::string>()).second) << line;
            }
        }
    }
    EXPECT_EQ(seen.size(), 10u);
    const auto view =
        fleet({"status", "--journal", "shard-0.journal", "--journal", "shard-1.journal",
               "--journal", "shard-2.journal", "--json", "--exit-code"});
    EXPECT_EQ(view.exit_code, 0) << describe(view);
    EXPECT_EQ(view.json()["counts"]["migrated"], 10);
    EXPECT_EQ(view.json()["selected"], 10);
    EXPECT_EQ(view.json()["journals"].size(), 3u);
}

TEST_F(FleetTest, StatusOverAJournalShowsWhatARunLeft) {
    make_tenants(3);
    write_two_migrations();
    TestDb holder(tenant(1));
    holder.exec("BEGIN IMMEDIATE; INSERT INTO seed VALUES (2);");
    const auto result = fleet({"migrate", "--db", pattern(), "--jobs", "1", "--lock-timeout", "0.1",
                               "--journal", "run.journal"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    holder.exec("ROLLBACK;");
    const auto view = fleet({"status", "--journal", "run.journal", "--json", "--exit-code"});
    EXPECT_EQ(view.exit_code, 6) << describe(view);
    EXPECT_EQ(view.json()["counts"]["migrated"], 2);
    EXPECT_EQ(view.json()["counts"]["busy"], 1);
    EXPECT_EQ(view.json()["attention"][0]["database"], (dir() / "tenants/t01.db").string());
    // A retry: its journal, named later, has the last word (whatever the clocks said).
    const auto retry = fleet({"migrate", "--db", pattern(), "--journal", "retry.journal"});
    ASSERT_EQ(retry.exit_code, 0) << describe(retry);
    const auto both = fleet(
        {"status", "--journal", "run.journal", "retry.journal", "--exit-code", "--json", "--all"});
    EXPECT_EQ(both.exit_code, 0) << describe(both);
    EXPECT_EQ(both.json()["databases"].size(), 3u) << both.out;
    const auto reversed =
        fleet({"status", "--journal", "retry.journal", "--journal", "run.journal", "--exit-code"});
    EXPECT_EQ(reversed.exit_code, 6) << describe(reversed);
    // A journal changed by hand is refused, naming the line.
    auto text = read_file(dir() / "run.journal");
    text.replace(text.find("tenants/t02.db"), 14, "tenants/t09.db");
    write_file("run.journal", text);
    const auto edited = fleet({"status", "--journal", "run.journal"});
    EXPECT_EQ(edited.exit_code, 2) << describe(edited);
    EXPECT_NE(edited.err.find("line 4"), std::string::npos) << edited.err;
}

TEST_F(FleetTest, BackupAndCheckRunOnEveryDatabase) {
    make_tenants(4);
    write_two_migrations();
    write_file("tenants/t03.db", std::string(4096, 'x'));
    const auto backup = fleet({"backup", "--db", pattern(), "--jobs", "2", "--json"});
    EXPECT_EQ(backup.exit_code, 1) << describe(backup);
    EXPECT_EQ(backup.json()["counts"]["backed_up"], 3);
    EXPECT_EQ(backup.json()["counts"]["unreadable"], 1);
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(backups_of(i).size(), 1u);
        EXPECT_TRUE(fs::exists(tenants() / (backups_of(i)[0] + ".json")));
    }
    fs::remove(tenant(3));
    const auto check = fleet({"check", "--db", pattern(), "--backups", "--json"});
    EXPECT_EQ(check.exit_code, 0) << describe(check);
    EXPECT_EQ(check.json()["counts"]["checked"], 3);
    {
        TestDb broken(tenant(2));  // a view that no longer compiles
        broken.exec("CREATE TABLE gone(x); CREATE VIEW v AS SELECT x FROM gone; DROP TABLE gone;");
    }
    const auto findings = fleet({"check", "--db", pattern(), "--json"});
    EXPECT_EQ(findings.exit_code, 6) << describe(findings);
    EXPECT_EQ(findings.json()["counts"]["findings"], 1);
}

TEST_F(FleetTest, ADirectoryThePatternCannotEnterIsReportedUnreadable) {
    make_tenants(1);
    write_two_migrations();
    fs::create_directories(dir() / "more" / "closed");
    fs::create_directories(dir() / "more" / "open");
    fs::copy_file(tenant(0), dir() / "more" / "open" / "a.db");
    hand_to_unprivileged_user();
    fs::permissions(dir() / "more" / "closed", fs::perms::none);
    auto options = unprivileged();
    options.cwd = dir();
    const auto result = run_raw({"fleet", "status", "--db", "more/*/a.db", "--json"}, options);
    fs::permissions(dir() / "more" / "closed", fs::perms::owner_all);
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto json = result.json();
    EXPECT_EQ(json["counts"]["unreadable"], 1) << json.dump(1);
    EXPECT_EQ(json["counts"]["behind"], 1) << json.dump(1);
    EXPECT_NE(json["attention"][0]["error"].get<std::string>().find("more/closed"),
              std::string::npos)
        << json.dump(1);
}

// The migrations are read once, linted and rehearsed: every database gets that set, also when the
// files change while the run waits at one of them.
TEST_F(FleetTest, EveryDatabaseGetsTheMigrationsTheRunReadEvenIfTheFilesChangeMeanwhile) {
    make_tenants(3);
    write_two_migrations();
    TestDb holder(tenant(1));
    const auto run = run_held_at(1, holder);
    write_migration("2_unique_email.sql",
                    "-- +migrate Up\nCREATE INDEX edited ON t(id);\n-- +migrate Down\nDROP INDEX "
                    "edited;\n");
    write_migration("3_added.sql", "-- +migrate Up\nCREATE TABLE added(x);\n");
    holder.exec("ROLLBACK;");
    const auto result = run->wait(std::chrono::seconds(300));
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(versions(tenant(i)), "1,2") << tenant(i);
        TestDb check(tenant(i), true);
        EXPECT_EQ(check.scalar("SELECT group_concat(name) FROM sqlite_schema WHERE type = 'index' "
                               "AND name IN ('t_email', 'edited')"),
                  "t_email")
            << tenant(i);
    }
}

// --keep prunes each database's own backups (the sidecar's source decides, not the name), read
// from the run's index of the shared directory; a resume prunes as the run would have.
TEST_F(FleetTest, KeepPrunesEachDatabasesOwnBackupsInASharedDirectory) {
    make_tenants(10);
    write_migration("1_create_t.sql", k_create_t);
    ASSERT_EQ(run_raw({"db", "backup", "--db", "tenants/t03.db", "--out", "tenants/chosen.bak"})
                  .exit_code,
              0);
    // Under the name belay gives t04's backups, a backup of t03 would be taken for t04's.
    const auto misnamed = run_raw(
        {"db", "backup", "--db", "tenants/t03.db", "--out", "tenants/t04-20200101-000000.bak"});
    EXPECT_EQ(misnamed.exit_code, 3) << describe(misnamed);
    EXPECT_NE(misnamed.err.find("the name belay gives t04's backups"), std::string::npos)
        << misnamed.err;
    ASSERT_EQ(run_raw({"db", "backup", "--db", "tenants/t04.db"}).exit_code, 0);
    const auto first = fleet(
        {"migrate", "--db", pattern(), "--jobs", "2", "--keep", "1", "--journal", "1.journal"});
    ASSERT_EQ(first.exit_code, 0) << describe(first);
    const auto backups = [&](int i) {
        const auto listed = run_raw({"db", "backups", "--db", tenant(i).string(), "--json"});
        EXPECT_EQ(listed.exit_code, 0) << describe(listed);
        return listed.json()["backups"].size();
    };
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(backups(i), 1u) << tenant(i);
    }
    EXPECT_FALSE(fs::exists(tenants() / "chosen.bak"));
    EXPECT_FALSE(fs::exists(tenants() / "t04-20200101-000000.bak"));
    // A run killed before its last database prunes nothing there; its resume does.
    write_two_migrations();
    TestDb holder(tenant(9));
    holder.exec("BEGIN IMMEDIATE; INSERT INTO seed VALUES (2);");
    BackgroundRun run({"fleet", "migrate", "--db", pattern(), "--jobs", "1", "--keep", "1",
                       "--lock-timeout", "600", "--journal", "2.journal"},
                      in_dir());
    ASSERT_TRUE(wait_for_start(run, "2.journal", 9));
    run.send_signal(SIGKILL);
    run.wait();
    holder.exec("ROLLBACK;");
    const auto resumed = fleet({"resume", "2.journal"});
    ASSERT_EQ(resumed.exit_code, 0) << describe(resumed);
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(versions(tenant(i)), "1,2") << tenant(i);
        EXPECT_EQ(backups(i), 1u) << tenant(i);
    }
}

// A retry run after the clock stepped back still gets a default journal name that sorts after
// the run it retries: status over the journals in name order shows the retry's outcome.
TEST_F(FleetTest, ARetryAfterTheClockSteppedBackIsNamedAfterTheRunItRetries) {
    make_tenants(3);
    write_two_migrations();
    {
        TestDb bad(tenant(1));  // the unique index fails here
        bad.exec(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, email TEXT);"
            "INSERT INTO t(email) VALUES ('a@x'), ('a@x');");
    }
    ASSERT_EQ(run_raw({"db", "baseline", "--db", tenant(1).string(), "--version", "1",
                       "--migrations", "migrations"})
                  .exit_code,
              0);
    const auto first = run_at("2026-12-07 10:00:00", {"fleet", "migrate", "--db", pattern()});
    EXPECT_EQ(first.exit_code, 1) << describe(first);
    TestDb(tenant(1)).exec("DELETE FROM t WHERE id = 2;");
    const auto retry = run_at("2026-12-06 10:00:00", {"fleet", "migrate", "--db", pattern()});
    EXPECT_EQ(retry.exit_code, 0) << describe(retry);
    std::vector<std::string> journals;
    for (const auto& name : list_dir(dir())) {
        if (name.ends_with(".journal")) {
            journals.push_back(name);
        }
    }
    ASSERT_EQ(journals, (std::vector<std::string>{"belay-fleet-20261207-100000.journal",
                                                  "belay-fleet-20261207-100001.journal"}));
    const auto status = fleet(
        {"status", "--journal", journals[0], "--journal", journals[1], "--exit-code", "--json"});
    EXPECT_EQ(status.exit_code, 0) << describe(status);
    // No default name sorts after the year 9999's last second: the run asks for a name.
    write_file("belay-fleet-99991231-235959.journal", "");
    const auto last = fleet({"migrate", "--db", pattern()});
    EXPECT_EQ(last.exit_code, 2) << describe(last);
    EXPECT_NE(last.err.find("--journal FILE"), std::string::npos) << last.err;
}

// Ten tenants in one directory: their snapshots are numbered from an index of the directory kept
// for the run (not a listing each), which must see every earlier backup and abandoned temporary.
TEST_F(FleetTest, SnapshotsInASharedDirectoryNumberAfterEveryEarlierBackupAndSweepLeftovers) {
    make_tenants(10);
    write_two_migrations();
    ASSERT_EQ(run_raw({"db", "backup", "--db", "tenants/t03.db"}).exit_code, 0);
    ASSERT_EQ(
        run_raw({"db", "backup", "--db", "tenants/t03.db", "--out", "tenants/keep.bak"}).exit_code,
        0);
    // What a belay killed mid-snapshot leaves: a temporary nobody holds, and its journal.
    write_file("tenants/t05-20261207-101500.bak.tmp-0123456789abcdef", "partial");
    write_file("tenants/t05-20261207-101500.bak.tmp-0123456789abcdef-journal", "partial");
    const auto sequences = [&](int i) {
        std::set<std::int64_t> found;
        for (const auto& name : backups_of(i)) {
            found.insert(nlohmann::json::parse(read_file(tenants() / (name + ".json")))["sequence"]
                             .get<std::int64_t>());
        }
        return found;
    };
    const auto migrate =
        fleet({"migrate", "--db", pattern(), "--jobs", "2", "--journal", "run.journal"});
    ASSERT_EQ(migrate.exit_code, 0) << describe(migrate);
    EXPECT_EQ(sequences(3), (std::set<std::int64_t>{1, 3}));  // after db backup's 1 and keep's 2
    EXPECT_EQ(sequences(5), (std::set<std::int64_t>{1}));
    for (const auto& name : list_dir(tenants())) {
        EXPECT_EQ(name.find(".tmp-"), std::string::npos) << name << " was left";
    }
    const auto backup = fleet({"backup", "--db", pattern(), "--jobs", "2"});
    ASSERT_EQ(backup.exit_code, 0) << describe(backup);
    EXPECT_EQ(sequences(3), (std::set<std::int64_t>{1, 3, 4}));
    EXPECT_EQ(sequences(9), (std::set<std::int64_t>{1, 2}));
}

}  // namespace
}  // namespace belay::testing
