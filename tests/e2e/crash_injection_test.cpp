// Crash injection: `kill -9` at random moments during `db migrate` (twelve steps, three of them
// slow, one NoTransaction) and during `db prune`, then what an operator would check next:
//
// - the database opens and passes integrity_check;
// - every migration is applied with its history row or not at all: the schema and row counts
//   are exactly those after the last step the history records, or, when the NoTransaction
//   step was cut short, that step is marked dirty and nothing after it ran;
// - a step ran only after a complete, verified snapshot had its final `.bak` name, and every
//   file under a final `.bak` name is complete and verified (its sidecar's SHA-256 matches);
// - `db status` and `db check` tell that state truthfully;
// - recovery works: `db migrate` again (or, when dirty, `db restore --latest` then migrate)
//   ends at the same state as a run that was never killed.
//
// Each test kills $BELAY_CRASH_KILLS runs (scripts/soak raises it; default: a few per test) at
// moments drawn from $BELAY_CRASH_SEED (default: random, printed), and prints a tally of where
// the kills landed.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

// Twelve steps: three slow data steps (hundreds of thousands of rows), an index over them, a
// view, a trigger, a NoTransaction step and a rename.
const std::vector<std::pair<std::string, std::string>>& twelve_steps() {
    static const std::vector<std::pair<std::string, std::string>> steps{
        {"0001_users.sql", up_only("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT "
                                   "NULL);")},
        {"0002_seed_users.sql",
         up_only("INSERT INTO users (name) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + "
                 "1 FROM c WHERE x < 150000) SELECT 'user ' || x FROM c;")},
        {"0003_users_name.sql", up_only("CREATE INDEX users_name ON users (name);")},
        {"0004_orders.sql",
         up_only("CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL "
                 "REFERENCES users (id), total INTEGER NOT NULL);")},
        {"0005_seed_orders.sql",
         up_only("INSERT INTO orders (user_id, total) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                 "SELECT x + 1 FROM c WHERE x < 200000) SELECT 1 + x % 150000, x % 997 FROM c;")},
        {"0006_order_totals.sql",
         up_only("CREATE VIEW order_totals AS SELECT user_id, sum(total) AS total FROM orders "
                 "GROUP BY user_id;")},
        {"0007_users_email.sql", up_only("ALTER TABLE users ADD COLUMN email TEXT;")},
        {"0008_fill_email.sql",
         up_only("UPDATE users SET email = replace(name, ' ', '.') || '@example.org';\n"
                 "CREATE UNIQUE INDEX users_email ON users (email);",
                 "SELECT count(*) = 0 FROM users WHERE email IS NULL;")},
        {"0009_orders_trigger.sql",
         up_only("CREATE TRIGGER orders_total_check BEFORE INSERT ON orders WHEN NEW.total < 0 "
                 "BEGIN SELECT RAISE(ABORT, 'negative total'); END;")},
        {"0010_audit.sql",
         "-- +migrate NoTransaction\n-- +migrate Up\n"
         "CREATE TABLE audit (id INTEGER PRIMARY KEY, note TEXT NOT NULL);\n"
         "INSERT INTO audit (note) SELECT 'order ' || id FROM orders;\n"
         "CREATE INDEX audit_note ON audit (note);\n"},
        {"0011_settings.sql",
         up_only("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;\n"
                 "INSERT INTO settings VALUES ('schema', 'eleven');")},
        {"0012_rename_settings.sql", up_only("ALTER TABLE settings RENAME TO app_settings;")},
    };
    return steps;
}

constexpr std::size_t k_no_transaction_step = 10;  // 0010_audit, 1-based

std::string version_of(std::size_t step) {  // 1 -> "0001"
    return twelve_steps().at(step - 1).first.substr(0, 4);
}

// The user-visible state, history aside: every object's SQL and every table's row count.
std::vector<std::string> fingerprint(const fs::path& database) {
    TestDb db(database, true);
    const std::string own =
        "name NOT LIKE 'sqlite_%' AND tbl_name <> 'schema_migrations' AND tbl_name NOT LIKE "
        "'belay_%'";
    auto lines = db.column(
        "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM "
        "sqlite_schema WHERE " +
        own + " ORDER BY type, name");
    for (const auto& table :
         db.column("SELECT name FROM sqlite_schema WHERE type = 'table' AND " + own)) {
        lines.push_back("rows in " + table + ": " + std::to_string(db.count(table)));
    }
    return lines;
}

// The fingerprint without the NoTransaction step's objects: what a dirty 0010 may leave is
// the state after 0009 plus any part of 0010.
std::vector<std::string> without_audit(std::vector<std::string> lines) {
    std::erase_if(lines,
                  [](const std::string& line) { return line.find("audit") != std::string::npos; });
    return lines;
}

class MigrateCrashTest : public E2eTest, public ::testing::WithParamInterface<const char*> {
  protected:
    void SetUp() override {
        for (const auto& [file, text] : twelve_steps()) {
            write_migration(file, text);
        }
        // An existing database with data, so every run takes a real snapshot first.
        m_template = dir() / "template.db";
        add_filler(m_template, 12);
        TestDb(m_template).exec(std::string("PRAGMA journal_mode = ") + GetParam());
    }

    std::vector<std::string> args(const fs::path& database, const std::string& command,
                                  std::vector<std::string> extra = {}) const {
        std::vector<std::string> all{
            "db", command, "--db", database.string(), "--migrations", migrations().string()};
        all.insert(all.end(), extra.begin(), extra.end());
        return all;
    }

    // A fresh directory holding a copy of the template database as app.db.
    fs::path fresh_copy(const std::string& name) const {
        const auto directory = dir() / name;
        fs::create_directories(directory);
        fs::copy_file(m_template, directory / "app.db");
        return directory / "app.db";
    }

    // The fingerprint after each number of steps, 0 to 12, from a run that is never killed.
    void record_reference_states() {
        const auto database = fresh_copy("reference");
        m_reference.push_back(fingerprint(database));
        for (std::size_t step = 1; step <= twelve_steps().size(); ++step) {
            auto run = run_belay(args(database, "migrate", {"--to", version_of(step), "-q"}));
            ASSERT_EQ(run.exit_code, 0) << describe(run);
            m_reference.push_back(fingerprint(database));
        }
        ASSERT_NE(m_reference[9], m_reference[10]);
    }

    // Checks one killed run's directory; returns where the kill landed, for the tally.
    std::string check_after_kill(const fs::path& database, const std::string& context);
    // Recovers as the docs say and checks the end state equals a run never killed.
    void recover(const fs::path& database, bool dirty, const std::string& context);

    fs::path m_template;
    std::vector<std::vector<std::string>> m_reference;  // index: steps applied
};

std::string MigrateCrashTest::check_after_kill(const fs::path& database,
                                               const std::string& context) {
    const auto directory = database.parent_path();
    // First what an operator runs first: status, before anything else opens the database.
    auto status = run_belay(args(database, "status", {"--json"}));
    EXPECT_EQ(status.exit_code, 0) << describe(status) << context;
    if (status.exit_code != 0) {
        return "status failed";
    }
    std::vector<std::string> status_applied;
    std::vector<std::string> status_dirty;
    const auto report = status.json();
    for (const auto& migration : report.at("migrations")) {
        const auto state = migration.at("status").get<std::string>();
        const auto version = migration.at("version").get<std::string>();
        if (state == "applied") {
            status_applied.push_back(version);
        } else if (state == "dirty") {
            status_dirty.push_back(version);
        } else {
            EXPECT_EQ(state, "pending") << version << "; " << context;
        }
    }

    // The database itself.
    std::vector<std::string> history;
    {
        TestDb db(database);  // read-write: rolls back a hot journal as any user's open would
        EXPECT_EQ(db.scalar("PRAGMA integrity_check"), "ok") << context;
        if (db.has_object("schema_migrations")) {
            history = db.column("SELECT version FROM schema_migrations ORDER BY version");
        }
    }
    const auto applied = history.size();
    std::vector<std::string> prefix;
    for (std::size_t step = 1; step <= applied; ++step) {
        prefix.push_back(version_of(step));
    }
    EXPECT_EQ(history, prefix) << "the history is not a prefix of the steps; " << context;
    EXPECT_EQ(status_applied, history) << "db status disagrees with the history; " << context;

    const bool dirty = !status_dirty.empty();
    const auto state = fingerprint(database);
    if (dirty) {
        EXPECT_EQ(status_dirty, std::vector<std::string>{version_of(k_no_transaction_step)})
            << context;
        EXPECT_EQ(applied, k_no_transaction_step - 1) << context;
        EXPECT_EQ(without_audit(state), m_reference.at(k_no_transaction_step - 1))
            << "a dirty 0010 left more than the state after 0009 and part of 0010; " << context;
    } else {
        EXPECT_EQ(state, m_reference.at(applied)) << "the schema does not match the " << applied
                                                  << " steps the history records; " << context;
    }

    // Backups: a step ran only after the verified snapshot had its final name.
    const auto files = classify_backup_directory(directory);
    EXPECT_TRUE(files.unexpected.empty())
        << "unexpected files: " << ::testing::PrintToString(files.unexpected) << "; " << context;
    EXPECT_LE(files.backups.size(), 1U) << context;
    if (applied > 0 || dirty) {
        EXPECT_EQ(files.backups.size(), 1U) << "a step ran without a snapshot; " << context;
    }
    expect_every_backup_verified(directory, context);
    if (!files.backups.empty()) {
        EXPECT_EQ(fingerprint(directory / files.backups.front()), m_reference.at(0))
            << "the snapshot is not the state before the run; " << context;
    }

    // db check agrees: clean unless dirty, and then it says so.
    auto check = run_belay(args(database, "check", {"--json"}));
    if (dirty) {
        EXPECT_EQ(check.exit_code, 6) << describe(check) << context;
        EXPECT_CONTAINS(check.out, "0010") << check.out << context;
    } else {
        EXPECT_EQ(check.exit_code, 0) << describe(check) << context;
    }

    if (dirty) {
        return "dirty in 0010";
    }
    if (applied == twelve_steps().size()) {
        return "all 12 applied";
    }
    if (applied == 0) {
        return files.backups.empty() ? "before the snapshot's final name" : "snapshot, no step";
    }
    return std::to_string(applied) + " applied";
}

void MigrateCrashTest::recover(const fs::path& database, bool dirty, const std::string& context) {
    if (dirty) {
        // A dirty database: every run refuses until it is restored (or repaired by hand).
        auto refused = run_belay(args(database, "migrate"));
        EXPECT_EQ(refused.exit_code, 5) << describe(refused) << context;
        auto restored = run_belay(args(database, "restore", {"--latest", "--yes"}));
        ASSERT_EQ(restored.exit_code, 0) << describe(restored) << context;
        EXPECT_EQ(fingerprint(database), m_reference.at(0)) << context;
    }
    auto again = run_belay(args(database, "migrate"));
    ASSERT_EQ(again.exit_code, 0) << describe(again) << context;
    EXPECT_EQ(fingerprint(database), m_reference.back()) << context;
    TestDb db(database, true);
    EXPECT_EQ(db.scalar("PRAGMA integrity_check"), "ok") << context;
    EXPECT_EQ(db.count("schema_migrations"), static_cast<std::int64_t>(twelve_steps().size()))
        << context;
    const auto files = classify_backup_directory(database.parent_path());
    EXPECT_TRUE(files.temporaries.empty())
        << "the next run did not clear the killed run's temporaries: "
        << ::testing::PrintToString(files.temporaries) << "; " << context;
    expect_every_backup_verified(database.parent_path(), context);
}

TEST_P(MigrateCrashTest, KillAtRandomMomentsLeavesAConsistentRecoverableDatabase) {
    record_reference_states();
    if (HasFatalFailure()) {
        return;
    }
    // One whole run, to know how long one takes here.
    const auto whole_db = fresh_copy("whole");
    auto whole = run_belay(args(whole_db, "migrate"));
    ASSERT_EQ(whole.exit_code, 0) << describe(whole);
    ASSERT_EQ(fingerprint(whole_db), m_reference.back());
    fs::remove_all(whole_db.parent_path());
    const auto duration_ms = std::max(50, static_cast<int>(whole.seconds * 1000));

    const auto seed = crash_seed();
    std::mt19937 random(seed);
    // Past the end now and then, to see a finished run's state checked the same way.
    std::uniform_int_distribution<int> delay_ms(0, duration_ms * 11 / 10);
    std::uniform_int_distribution<int> early_ms(0, duration_ms / 5);
    std::map<std::string, int> tally;
    int killed = 0;
    const int kills = crash_kills(6);
    for (int attempt = 0; attempt < kills; ++attempt) {
        const auto database = fresh_copy("kill-" + std::to_string(attempt));
        BackgroundRun run(args(database, "migrate"), {});
        // Every third kill early in the run, where the snapshot is taken and named.
        const int delay = attempt % 3 == 2 ? early_ms(random) : delay_ms(random);
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        run.send_signal(SIGKILL);
        const auto result = run.wait(std::chrono::seconds(120));
        const bool was_killed = result.term_signal == SIGKILL;
        killed += was_killed ? 1 : 0;
        const auto context = std::string("\n[") + GetParam() + "] seed " + std::to_string(seed) +
                             ", attempt " + std::to_string(attempt) + ", killed after " +
                             std::to_string(delay) + " ms of a " + std::to_string(duration_ms) +
                             " ms run" +
                             (was_killed ? "" : " (it had ended: " + describe(result) + ")");
        if (!was_killed) {
            EXPECT_EQ(result.exit_code, 0) << context;
        }
        // As the kill left it, to keep for a look if a check fails.
        const auto as_killed = dir() / ("kill-" + std::to_string(attempt) + "-as-killed");
        fs::copy(database.parent_path(), as_killed);
        const auto landed = check_after_kill(database, context);
        ++tally[landed];
        recover(database, landed == "dirty in 0010", context);
        if (HasFailure()) {
            const auto kept =
                fs::temp_directory_path() / ("belay-crash-" + std::string(GetParam()) + "-" +
                                             std::to_string(seed) + "-" + std::to_string(attempt));
            fs::remove_all(kept);
            fs::copy(as_killed, kept);
            fs::copy(migrations(), kept / "migrations");
            std::cout << "[ kept ] " << kept << ": the directory as the kill left it\n";
            break;
        }
        fs::remove_all(database.parent_path());
        fs::remove_all(as_killed);
    }
    std::string summary;
    for (const auto& [landed, count] : tally) {
        summary += (summary.empty() ? "" : ", ") + landed + ": " + std::to_string(count);
    }
    std::cout << "[ tally ] migrate " << GetParam() << ": " << killed << " of " << kills
              << " runs killed (a run takes " << duration_ms << " ms; seed " << seed << "); "
              << summary << "\n";
    RecordProperty("tally", summary);
    EXPECT_GE(killed, 1) << "no run was killed before it ended";
}

// kill -9 during `db prune --keep 5` of forty backups: a kept backup is never lost, every file
// left under a final `.bak` name is still complete and verified (its sidecar beside it), the
// listing agrees, and the next prune finishes the job and clears what the kill left.
class PruneCrashTest : public E2eTest {};

TEST_F(PruneCrashTest, KillDuringPruneNeverLosesAKeptBackupOrLeavesAnUnverifiedOne) {
    add_filler(db(), 1);
    const auto source_sha = sha256_of(db());
    const auto originals = dir() / "original-backups";
    fs::create_directories(originals);
    for (int i = 0; i < 40; ++i) {
        auto made = run_raw(
            {"db", "backup", "--db", db().string(), "--backup-dir", originals.string(), "-q"});
        ASSERT_EQ(made.exit_code, 0) << describe(made);
    }
    const auto all = names_ending_with(originals, ".bak");
    ASSERT_EQ(all.size(), 40U);
    const auto prune_args = [&](const fs::path& backups) {
        return std::vector<std::string>{"db",           "prune",          "--db",   db().string(),
                                        "--backup-dir", backups.string(), "--keep", "5"};
    };

    // One whole prune, to know which five stay and how long it takes.
    const auto whole_dir = dir() / "whole";
    fs::copy(originals, whole_dir);
    auto whole = run_raw(prune_args(whole_dir));
    ASSERT_EQ(whole.exit_code, 0) << describe(whole);
    const auto kept = names_ending_with(whole_dir, ".bak");
    ASSERT_EQ(kept.size(), 5U);
    const auto duration_ms = std::max(20, static_cast<int>(whole.seconds * 1000));

    const auto seed = crash_seed();
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> delay_ms(0, duration_ms);
    std::map<std::string, int> tally;
    int killed = 0;
    const int kills = crash_kills(8);
    for (int attempt = 0; attempt < kills; ++attempt) {
        const auto backups = dir() / ("kill-" + std::to_string(attempt));
        fs::copy(originals, backups);
        BackgroundRun run(prune_args(backups), {});
        const int delay = delay_ms(random);
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        run.send_signal(SIGKILL);
        const auto result = run.wait(std::chrono::seconds(60));
        const bool was_killed = result.term_signal == SIGKILL;
        killed += was_killed ? 1 : 0;
        const auto context = "\nseed " + std::to_string(seed) + ", attempt " +
                             std::to_string(attempt) + ", killed after " + std::to_string(delay) +
                             " ms of a " + std::to_string(duration_ms) + " ms prune" +
                             (was_killed ? "" : " (it had ended: " + describe(result) + ")");

        const auto left = names_ending_with(backups, ".bak");
        for (const auto& name : kept) {
            EXPECT_TRUE(std::ranges::binary_search(left, name))
                << "kept backup " << name << " was removed; " << context;
        }
        expect_every_backup_verified(backups, context);
        const auto files = classify_backup_directory(backups);
        EXPECT_TRUE(files.unexpected.empty() && files.temporaries.empty())
            << ::testing::PrintToString(files.unexpected) << " "
            << ::testing::PrintToString(files.temporaries) << context;
        auto listed = run_raw(
            {"db", "backups", "--db", db().string(), "--backup-dir", backups.string(), "--json"});
        ASSERT_EQ(listed.exit_code, 0) << describe(listed) << context;
        const auto report = listed.json();
        EXPECT_EQ(report.at("backups").size(), left.size()) << listed.out << context;
        for (const auto& entry : report.at("backups")) {
            EXPECT_TRUE(entry.at("intact").get<bool>()) << entry.dump(2) << context;
        }
        const auto removed = all.size() - left.size();
        ++tally[removed == 0                          ? "none removed"
                : removed == all.size() - kept.size() ? "all 35 removed"
                                                      : "some removed"];
        if (!files.orphans.empty()) {
            ++tally["a sidecar left without its backup"];
        }

        // The next prune finishes the job and leaves nothing of the killed one.
        auto again = run_raw(prune_args(backups));
        ASSERT_EQ(again.exit_code, 0) << describe(again) << context;
        EXPECT_EQ(names_ending_with(backups, ".bak"), kept) << context;
        EXPECT_EQ(list_dir(backups).size(), 2 * kept.size())
            << ::testing::PrintToString(list_dir(backups)) << context;
        expect_every_backup_verified(backups, context);
        if (HasFailure()) {
            break;
        }
        fs::remove_all(backups);
    }
    EXPECT_EQ(sha256_of(db()), source_sha) << "prune changed the database";
    std::string summary;
    for (const auto& [landed, count] : tally) {
        summary += (summary.empty() ? "" : ", ") + landed + ": " + std::to_string(count);
    }
    std::cout << "[ tally ] prune: " << killed << " of " << kills << " runs killed (a prune takes "
              << duration_ms << " ms; seed " << seed << "); " << summary << "\n";
    RecordProperty("tally", summary);
    EXPECT_GE(killed, 1) << "no prune was killed before it ended";
}

INSTANTIATE_TEST_SUITE_P(JournalModes, MigrateCrashTest, ::testing::Values("delete", "wal"),
                         [](const auto& param_info) { return std::string(param_info.param); });

}  // namespace
}  // namespace belay::testing
