#include "engine/migrate.hpp"

#include <time.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "belay/cancellation.hpp"
#include "belay/log.hpp"
#include "core/checksum.hpp"
#include "engine/run_lock.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"
#include "unit/engine/raw_database.hpp"

namespace belay::engine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::RawDatabase;

constexpr std::string_view k_runaway =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;\n";

// A project directory: migrations/ and app.db side by side, as a user would have them.
class Project {
  public:
    fs::path db() const { return m_dir / "app.db"; }
    fs::path migrations() const { return m_dir / "migrations"; }
    const fs::path& root() const { return m_dir.path(); }

    fs::path add(std::string_view file_name, std::string_view contents) const {
        return m_dir.write("migrations/" + std::string(file_name), contents);
    }

    MigrateOptions options() const {
        MigrateOptions options;
        options.db.database = db();
        options.db.migrations_dir = migrations();
        options.db.lock_timeout = 2s;
        return options;
    }

    // The run's report; fails the test if the run stopped before its first step.
    RunReport migrate(const MigrateOptions& options) const {
        auto report = run_migrate(options);
        if (!report) {
            ADD_FAILURE() << "run_migrate failed before any step: " << report.error().message;
            return {};
        }
        return *report;
    }
    RunReport migrate() const { return migrate(options()); }

    // The error that stopped a run before any step; fails the test if the run went ahead.
    Error refusal(const MigrateOptions& options) const {
        auto report = run_migrate(options);
        if (report) {
            ADD_FAILURE() << "expected run_migrate to stop before any step";
            return {};
        }
        return report.error();
    }
    Error refusal() const { return refusal(options()); }

    std::set<std::string> files_beside_db() const {
        std::set<std::string> names;
        for (const auto& entry : fs::directory_iterator(root())) {
            names.insert(entry.path().filename().string());
        }
        return names;
    }

  private:
    testing::TempDir m_dir;
};

std::vector<std::string> results_of(const RunReport& report) {
    std::vector<std::string> results;
    for (const auto& step : report.steps) {
        results.push_back(step.version + ":" + std::string(to_string(step.result)));
    }
    return results;
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Sets an environment variable for the test's duration (TZ takes POSIX strings, no tzdata).
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const std::string& value) : m_name(name) {
        if (const char* old = std::getenv(name)) {
            m_old = old;
        }
        ::setenv(name, value.c_str(), 1);
        ::tzset();
    }
    ~ScopedEnv() {
        if (m_old) {
            ::setenv(m_name, m_old->c_str(), 1);
        } else {
            ::unsetenv(m_name);
        }
        ::tzset();
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    const char* m_name;
    std::optional<std::string> m_old;
};

const std::string k_users =
    "-- +migrate Up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n";
const std::string k_posts =
    "-- +migrate Up\n"
    "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id),\n"
    "                    body TEXT DEFAULT 'a;b');\n"
    "-- +migrate Down\nDROP TABLE posts;\n";
const std::string k_trigger =
    "-- +migrate Up\n"
    "/* a comment; with a semicolon */\n"
    "CREATE TRIGGER users_named AFTER INSERT ON users BEGIN\n"
    "  UPDATE users SET name = 'anon;ymous' WHERE id = new.id AND new.name IS NULL;\n"
    "END;\n"
    "INSERT INTO users (id) VALUES (1);\n";

TEST(RunMigrate, AppliesPendingStepsInOrderAndRecordsHistory) {
    Project project;
    project.add("0001_users.sql", k_users);
    project.add("0002_posts.sql", k_posts);
    project.add("0003_trigger.sql", k_trigger);

    const auto report = project.migrate();

    EXPECT_TRUE(report.succeeded()) << report.error->message;
    EXPECT_TRUE(report.created_database);
    EXPECT_FALSE(report.dry_run);
    EXPECT_EQ(results_of(report),
              (std::vector<std::string>{"0001:applied", "0002:applied", "0003:applied"}));
    EXPECT_EQ(report.version_before, "0");
    EXPECT_EQ(report.version_after, "0003");

    RawDatabase db(project.db());
    EXPECT_EQ(db.text("SELECT name FROM users WHERE id = 1"), "anon;ymous");
    const auto rows = db.rows(
        "SELECT version, name, checksum, applied_at, execution_ms, schema_fingerprint "
        "FROM schema_migrations ORDER BY version");
    ASSERT_EQ(rows.size(), 3U);
    EXPECT_EQ(rows[0][0], "0001");
    EXPECT_EQ(rows[0][1], "users");
    EXPECT_EQ(rows[0][2], migration_checksum(k_users));
    EXPECT_EQ(rows[1][2], migration_checksum(k_posts));
    const std::regex iso8601(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");
    const std::regex sha256("[0-9a-f]{64}");
    for (const auto& row : rows) {
        EXPECT_TRUE(std::regex_match(row[3], iso8601)) << row[3];
        EXPECT_GE(std::stoll(row[4]), 0);
        EXPECT_TRUE(std::regex_match(row[5], sha256)) << row[5];
    }
    EXPECT_NE(rows[0][5], rows[1][5]) << "a new table must change the schema fingerprint";
    EXPECT_NE(rows[1][5], rows[2][5]) << "a new trigger must change the schema fingerprint";
}

TEST(RunMigrate, SecondRunAppliesNothing) {
    Project project;
    project.add("0001_users.sql", k_users);
    ASSERT_TRUE(project.migrate().succeeded());
    const auto again = project.migrate();
    EXPECT_TRUE(again.succeeded());
    EXPECT_TRUE(again.steps.empty());
    EXPECT_FALSE(again.created_database);
    EXPECT_EQ(again.version_before, "0001");
    EXPECT_EQ(again.version_after, "0001");
    RawDatabase db(project.db());
    EXPECT_EQ(db.integer("SELECT count(*) FROM schema_migrations"), 1);
}

TEST(RunMigrate, DataOnlyStepKeepsTheSchemaFingerprint) {
    Project project;
    project.add("0001_users.sql", k_users);
    project.add("0002_seed.sql", "-- +migrate Up\nINSERT INTO users (name) VALUES ('x');\n");
    ASSERT_TRUE(project.migrate().succeeded());
    RawDatabase db(project.db());
    const auto fingerprints =
        db.column("SELECT schema_fingerprint FROM schema_migrations ORDER BY version");
    ASSERT_EQ(fingerprints.size(), 2U);
    EXPECT_EQ(fingerprints[0], fingerprints[1]);
}

TEST(RunMigrate, CommentOnlyUpIsAppliedAndRecorded) {
    Project project;
    project.add("0001_noop.sql", "-- +migrate Up\n-- nothing to do yet\n-- +migrate Down\n");
    const auto report = project.migrate();
    EXPECT_TRUE(report.succeeded());
    EXPECT_EQ(results_of(report), std::vector<std::string>{"0001:applied"});
    RawDatabase db(project.db());
    EXPECT_EQ(db.column("SELECT version FROM schema_migrations"), std::vector<std::string>{"0001"});
}

TEST(RunMigrate, TwentyDigitVersionIsRecordedAsWritten) {
    Project project;
    project.add("9_small.sql", k_users);
    project.add("20240101000000000001_huge.sql",
                "-- +migrate Up\nCREATE TABLE huge (id INTEGER);\n");
    const auto report = project.migrate();
    EXPECT_TRUE(report.succeeded());
    EXPECT_EQ(results_of(report),
              (std::vector<std::string>{"9:applied", "20240101000000000001:applied"}));
    EXPECT_EQ(report.version_after, "20240101000000000001");
    RawDatabase db(project.db());
    EXPECT_EQ(db.integer("SELECT count(*) FROM schema_migrations "
                         "WHERE version = '20240101000000000001' AND typeof(version) = 'text'"),
              1);
}

// Regression: fmt 9 formats a system_clock time point in local time, so applied_at carried
// the local clock with a "Z" suffix whenever TZ was not UTC.
TEST(RunMigrate, AppliedAtIsUtcWhateverTheLocalTimeZone) {
    ScopedEnv zone("TZ", "EST5");  // UTC-5, no daylight saving
    Project project;
    project.add("0001_users.sql", k_users);
    ASSERT_TRUE(project.migrate().succeeded());
    RawDatabase db(project.db());
    const auto applied_at = db.text("SELECT applied_at FROM schema_migrations");
    std::tm parts{};
    ASSERT_NE(::strptime(applied_at.c_str(), "%Y-%m-%dT%H:%M:%SZ", &parts), nullptr) << applied_at;
    const auto recorded = ::timegm(&parts);
    const auto now = std::time(nullptr);
    EXPECT_LT(std::abs(static_cast<long long>(now - recorded)), 120LL)
        << "applied_at " << applied_at << " is not the current UTC time";
}

TEST(RunMigrate, FailingStepRollsBackOnlyItselfAndIsRecorded) {
    Project project;
    project.add("0001_users.sql", k_users);
    const auto broken = project.add("0002_broken.sql",
                                    "-- +migrate Up\n"
                                    "CREATE TABLE half (id INTEGER);\n"
                                    "INSERT INTO half VALUES (1);\n"
                                    "INSERT INTO nowhere VALUES (1);\n");
    project.add("0003_later.sql", "-- +migrate Up\nCREATE TABLE later (id INTEGER);\n");

    const auto report = project.migrate();

    ASSERT_TRUE(report.error.has_value());
    EXPECT_EQ(report.error->code, ErrorCode::step_failed);
    EXPECT_CONTAINS(report.error->message, broken.string() + ":4");
    EXPECT_CONTAINS(report.error->message, "no such table: nowhere");
    EXPECT_CONTAINS(report.error->message, "INSERT INTO nowhere");
    EXPECT_EQ(results_of(report),
              (std::vector<std::string>{"0001:applied", "0002:failed", "0003:not run"}));
    EXPECT_CONTAINS(report.steps[1].error, "no such table: nowhere");
    EXPECT_EQ(report.version_after, "0001");

    RawDatabase db(project.db());
    EXPECT_TRUE(db.has_table("users"));
    EXPECT_FALSE(db.has_table("half"));
    EXPECT_FALSE(db.has_table("later"));
    EXPECT_EQ(db.column("SELECT version FROM schema_migrations"), std::vector<std::string>{"0001"});
    const auto failures = db.rows("SELECT version, name, failed_at, error FROM belay_failures");
    ASSERT_EQ(failures.size(), 1U);
    EXPECT_EQ(failures[0][0], "0002");
    EXPECT_EQ(failures[0][1], "broken");
    EXPECT_CONTAINS(failures[0][3], "no such table: nowhere");
}

TEST(RunMigrate, FixedFailedStepIsRetriedAndItsFailureCleared) {
    Project project;
    project.add("0001_users.sql", k_users);
    project.add("0002_broken.sql", "-- +migrate Up\nINSERT INTO nowhere VALUES (1);\n");
    ASSERT_FALSE(project.migrate().succeeded());

    project.add("0002_broken.sql", "-- +migrate Up\nCREATE TABLE nowhere (id INTEGER);\n");
    const auto report = project.migrate();
    EXPECT_TRUE(report.succeeded()) << report.error->message;
    EXPECT_EQ(results_of(report), std::vector<std::string>{"0002:applied"});
    RawDatabase db(project.db());
    EXPECT_EQ(db.integer("SELECT count(*) FROM belay_failures"), 0);
    EXPECT_EQ(db.integer("SELECT count(*) FROM schema_migrations"), 2);
}

TEST(RunMigrate, StepThatBreaksAViewIsRolledBack) {
    Project project;
    project.add("0001_users.sql", k_users + "CREATE VIEW user_names AS SELECT name FROM users;\n");
    project.add("0002_drop.sql", "-- +migrate Up\nDROP TABLE users;\n");
    const auto report = project.migrate();
    ASSERT_TRUE(report.error.has_value());
    EXPECT_EQ(report.error->code, ErrorCode::step_failed);
    EXPECT_CONTAINS(report.error->message, "user_names");
    EXPECT_EQ(results_of(report), (std::vector<std::string>{"0001:applied", "0002:failed"}));
    RawDatabase db(project.db());
    EXPECT_TRUE(db.has_table("users"));
    EXPECT_EQ(db.integer("SELECT count(*) FROM schema_migrations"), 1);
}

TEST(RunMigrate, DatabaseWithAnAlreadyBrokenViewIsStillMigratable) {
    Project project;
    {
        RawDatabase db(project.db());
        db.exec(
            "CREATE TABLE gone (id INTEGER); CREATE VIEW stale AS SELECT id FROM gone;"
            "DROP TABLE gone;");
    }
    project.add("0001_users.sql", k_users);
    const auto report = project.migrate();
    EXPECT_TRUE(report.succeeded()) << report.error->message;
    EXPECT_FALSE(report.created_database);
    EXPECT_EQ(results_of(report), std::vector<std::string>{"0001:applied"});
}

TEST(RunMigrate, FailingVerifySectionRollsTheStepBack) {
    Project project;
    const auto path =
        project.add("0001_users.sql", k_users +
                                          "INSERT INTO users (name) VALUES (NULL);\n"
                                          "-- +migrate Verify\n"
                                          "SELECT count(*) = 0 FROM users WHERE name IS NULL;\n");
    const auto report = project.migrate();
    ASSERT_TRUE(report.error.has_value());
    EXPECT_EQ(report.error->code, ErrorCode::step_failed);
    EXPECT_CONTAINS(report.error->message, path.string() + ":5");
    RawDatabase db(project.db());
    EXPECT_FALSE(db.has_table("users"));
    EXPECT_EQ(db.integer("SELECT count(*) FROM schema_migrations"), 0);
    EXPECT_EQ(db.integer("SELECT count(*) FROM belay_failures"), 1);
}

TEST(RunMigrate, NoTransactionFailureLeavesADirtyMarkAndTheNextRunIsRefused) {
    Project project;
    project.add("0001_users.sql", k_users);
    project.add("0002_manual.sql",
                "-- +migrate NoTransaction\n"
                "-- +migrate Up\n"
                "CREATE TABLE stays (id INTEGER);\n"
                "INSERT INTO nowhere VALUES (1);\n");
    const auto report = project.migrate();
    ASSERT_TRUE(report.error.has_value());
    EXPECT_EQ(report.error->code, ErrorCode::step_failed);
    EXPECT_CONTAINS(report.error->message, "dirty");
    ASSERT_EQ(report.steps.size(), 2U);
    EXPECT_TRUE(report.steps[1].no_transaction);
    EXPECT_EQ(report.steps[1].result, StepResult::failed);
    {
        RawDatabase db(project.db());
        // Not rolled back: that is what NoTransaction means, and why the mark exists.
        EXPECT_TRUE(db.has_table("stays"));
        EXPECT_EQ(db.column("SELECT version FROM belay_dirty"), std::vector<std::string>{"0002"});
        EXPECT_EQ(db.integer("SELECT count(*) FROM schema_migrations"), 1);
    }

    project.add("0003_next.sql", "-- +migrate Up\nCREATE TABLE next (id INTEGER);\n");
    const auto refused = project.refusal();
    EXPECT_EQ(refused.code, ErrorCode::refused);
    EXPECT_CONTAINS(refused.message, "0002_manual is dirty");
    RawDatabase db(project.db());
    EXPECT_FALSE(db.has_table("next"));
}

TEST(RunMigrate, SuccessfulNoTransactionStepLeavesNoMark) {
    Project project;
    project.add("0001_users.sql", k_users);
    project.add("0002_vacuum.sql", "-- +migrate NoTransaction\n-- +migrate Up\nVACUUM;\n");
    const auto report = project.migrate();
    EXPECT_TRUE(report.succeeded()) << report.error->message;
    EXPECT_EQ(results_of(report), (std::vector<std::string>{"0001:applied", "0002:applied"}));
    RawDatabase db(project.db());
    EXPECT_EQ(db.integer("SELECT count(*) FROM belay_dirty"), 0);
    EXPECT_EQ(db.integer("SELECT count(*) FROM schema_migrations"), 2);
}

TEST(RunMigrate, DryRunLeavesTheDatabaseByteIdenticalAndReportsEachStep) {
    Project project;
    project.add("0001_users.sql", k_users);
    ASSERT_TRUE(project.migrate().succeeded());
    project.add("0002_posts.sql", k_posts);
    project.add("0003_broken.sql", "-- +migrate Up\nINSERT INTO nowhere VALUES (1);\n");
    project.add("0004_after.sql", "-- +migrate Up\nCREATE TABLE after_ (id INTEGER);\n");
    const auto bytes_before = testing::read_file(project.db());
    const auto files_before = project.files_beside_db();
    testing::TempDir scratch;
    ScopedEnv tmpdir("TMPDIR", scratch.path().string());

    auto options = project.options();
    options.dry_run = true;
    const auto report = project.migrate(options);

    EXPECT_TRUE(report.dry_run);
    ASSERT_TRUE(report.error.has_value());
    EXPECT_EQ(report.error->code, ErrorCode::step_failed);
    EXPECT_CONTAINS(report.error->message, "no such table: nowhere");
    EXPECT_EQ(results_of(report),
              (std::vector<std::string>{"0002:would apply", "0003:would fail", "0004:not run"}));
    EXPECT_EQ(report.version_before, "0001");
    EXPECT_EQ(testing::read_file(project.db()), bytes_before);
    EXPECT_EQ(project.files_beside_db(), files_before);
    EXPECT_TRUE(fs::is_empty(scratch.path())) << "the rehearsal copy was left behind";
    RawDatabase db(project.db());
    EXPECT_FALSE(db.has_table("posts"));
    EXPECT_EQ(db.integer("SELECT count(*) FROM belay_failures"), 0);
}

TEST(RunMigrate, DryRunThatSucceedsReportsTheVersionItWouldReach) {
    Project project;
    project.add("0001_users.sql", k_users);
    project.add("0002_posts.sql", k_posts);
    auto options = project.options();
    options.dry_run = true;
    const auto report = project.migrate(options);
    EXPECT_TRUE(report.succeeded()) << report.error->message;
    EXPECT_EQ(results_of(report),
              (std::vector<std::string>{"0001:would apply", "0002:would apply"}));
    EXPECT_EQ(report.version_after, "0002");
    EXPECT_FALSE(report.notes.empty()) << "a note should say the database does not exist yet";
    // Nothing is created for a database that does not exist: not the file, not the lock.
    EXPECT_FALSE(fs::exists(project.db()));
    EXPECT_EQ(project.files_beside_db(), std::set<std::string>{"migrations"});
}

TEST(RunMigrate, TargetStopsAfterThatVersion) {
    Project project;
    project.add("0001_users.sql", k_users);
    project.add("0002_posts.sql", k_posts);
    project.add("0003_trigger.sql", k_trigger);
    auto options = project.options();
    options.target = Version::parse("2");
    const auto report = project.migrate(options);
    EXPECT_TRUE(report.succeeded());
    EXPECT_EQ(results_of(report), (std::vector<std::string>{"0001:applied", "0002:applied"}));
    EXPECT_EQ(report.version_after, "0002");
}

// Regression: an unknown --to is a usage error (exit 2, "nothing touched"), yet the database
// file was created before the target was checked.
TEST(RunMigrate, UnknownTargetTouchesNothing) {
    Project project;
    project.add("0001_users.sql", k_users);
    auto options = project.options();
    options.target = Version::parse("0007");
    const auto error = project.refusal(options);
    EXPECT_EQ(error.code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(error.message, "0007");
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(RunMigrate, InvalidFilesStopTheRunBeforeTheDatabaseIsCreated) {
    Project project;
    project.add("0001_users.sql", k_users);
    project.add("0002_vacuum.sql", "-- +migrate Up\nVACUUM;\n");
    const auto error = project.refusal();
    EXPECT_EQ(error.code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(error.message, "0002_vacuum.sql:2");
    EXPECT_EQ(project.files_beside_db(), std::set<std::string>{"migrations"});
}

TEST(RunMigrate, EmptyMigrationsDirectoryIsInvalidInput) {
    Project project;
    fs::create_directories(project.migrations());
    const auto error = project.refusal();
    EXPECT_EQ(error.code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(error.message, "create one with `create_migration(NAME)`");
    EXPECT_EQ(error.option(), Option::migrations_dir);
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(RunMigrate, NonSqliteFileIsRefusedUntouched) {
    Project project;
    project.add("0001_users.sql", k_users);
    const std::string text = "these are my notes, not a database\n";
    std::ofstream(project.db(), std::ios::binary) << text;
    const auto error = project.refusal();
    EXPECT_EQ(error.code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(error.message, project.db().string());
    EXPECT_EQ(testing::read_file(project.db()), text);
}

TEST(RunMigrate, AnotherToolsHistoryTableIsRefusedUntouched) {
    Project project;
    project.add("0001_users.sql", k_users);
    {
        RawDatabase db(project.db());
        db.exec(
            "CREATE TABLE schema_migrations (version VARCHAR(255) PRIMARY KEY);"
            "INSERT INTO schema_migrations VALUES ('20200101000000');");
    }
    const auto bytes_before = testing::read_file(project.db());
    const auto error = project.refusal();
    EXPECT_EQ(error.code, ErrorCode::refused);
    EXPECT_CONTAINS(error.message, "schema_migrations");
    EXPECT_EQ(testing::read_file(project.db()), bytes_before);
}

TEST(RunMigrate, CustomHistoryTableNameIsUsed) {
    Project project;
    project.add("0001_users.sql", k_users);
    auto options = project.options();
    options.db.history_table = "app_versions";
    EXPECT_TRUE(project.migrate(options).succeeded());
    RawDatabase db(project.db());
    EXPECT_TRUE(db.has_table("app_versions"));
    EXPECT_FALSE(db.has_table("schema_migrations"));
    // Nothing but the user's objects, the history table and belay_* tables.
    for (const auto& name : db.column("SELECT name FROM sqlite_schema")) {
        EXPECT_TRUE(name == "users" || name == "app_versions" || name.starts_with("belay_") ||
                    name.starts_with("sqlite_autoindex_"))
            << name;
    }
}

TEST(RunMigrate, OutOfOrderFileIsRefusedUnlessAllowed) {
    Project project;
    project.add("0001_users.sql", k_users);
    project.add("0003_posts.sql", k_posts);
    ASSERT_TRUE(project.migrate().succeeded());
    project.add("0002_late.sql", "-- +migrate Up\nCREATE TABLE late (id INTEGER);\n");

    const auto error = project.refusal();
    EXPECT_EQ(error.code, ErrorCode::refused);
    EXPECT_CONTAINS(error.message, "0002_late");
    EXPECT_FALSE(RawDatabase(project.db()).has_table("late"));

    auto options = project.options();
    options.allow_out_of_order = true;
    const auto report = project.migrate(options);
    EXPECT_TRUE(report.succeeded());
    EXPECT_EQ(results_of(report), std::vector<std::string>{"0002:applied"});
    EXPECT_TRUE(RawDatabase(project.db()).has_table("late"));
}

TEST(RunMigrate, ModifiedOrDeletedAppliedFileStopsEverything) {
    Project project;
    const auto users = project.add("0001_users.sql", k_users);
    ASSERT_TRUE(project.migrate().succeeded());
    project.add("0002_posts.sql", k_posts);

    project.add("0001_users.sql", k_users + "-- edited later\n");
    auto error = project.refusal();
    EXPECT_EQ(error.code, ErrorCode::refused);
    EXPECT_CONTAINS(error.message, "0001_users was changed");

    fs::remove(users);
    error = project.refusal();
    EXPECT_EQ(error.code, ErrorCode::refused);
    EXPECT_CONTAINS(error.message, "0001_users is applied but its file is gone");
    EXPECT_FALSE(RawDatabase(project.db()).has_table("posts"));
}

TEST(RunMigrate, CrlfCheckoutOfAnAppliedFileIsNotModified) {
    Project project;
    project.add("0001_users.sql", k_users);
    ASSERT_TRUE(project.migrate().succeeded());
    project.add("0001_users.sql",
                "-- +migrate Up\r\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\r\n");
    const auto report = project.migrate();
    EXPECT_TRUE(report.succeeded()) << report.error->message;
    EXPECT_TRUE(report.steps.empty());
}

TEST(RunMigrate, TimeoutDirectiveStopsARunawayStepNearItsDeadline) {
    Project project;
    project.add("0001_users.sql", k_users);
    const auto path = project.add("0002_runaway.sql",
                                  "-- +migrate Timeout 0.3\n-- +migrate Up\n"
                                  "CREATE TABLE half (id INTEGER);\n" +
                                      std::string(k_runaway));
    const auto start = Clock::now();
    const auto report = project.migrate();
    const double took = seconds_since(start);

    ASSERT_TRUE(report.error.has_value());
    EXPECT_EQ(report.error->code, ErrorCode::step_failed);
    EXPECT_CONTAINS(report.error->message, "timeout");
    EXPECT_CONTAINS(report.error->message, path.string() + ":4");
    EXPECT_LT(took, 10.0) << "the 0.3 s timeout did not stop the step";
    EXPECT_EQ(results_of(report), (std::vector<std::string>{"0001:applied", "0002:failed"}));
    RawDatabase db(project.db());
    EXPECT_FALSE(db.has_table("half"));
    EXPECT_EQ(db.column("SELECT version FROM belay_failures"), std::vector<std::string>{"0002"});
}

TEST(RunMigrate, AFailureIsRecordedInTheWordsTheCallerChoosesAndTheNoBackupWarningReachesIt) {
    Project project;
    project.add("0001_runaway.sql", "-- +migrate Up\n" + std::string(k_runaway));
    auto options = project.options();
    options.step_timeout = std::chrono::milliseconds(300);
    options.backup = false;
    std::vector<Message> warnings;
    options.on_warning = [&](const Message& warning) { warnings.push_back(warning); };
    options.record_words = [](const Message& message) {
        std::string words;
        for (const auto& part : message.parts()) {
            words += std::holds_alternative<std::string>(part) ? std::get<std::string>(part)
                                                               : std::string("<term>");
        }
        return words;
    };
    const auto report = run_migrate(options);
    ASSERT_TRUE(report.has_value()) << report.error().message;
    ASSERT_TRUE(report->error.has_value());
    // The report speaks the library's words; the record, the caller's.
    EXPECT_CONTAINS(report->error->message, "or step_timeout)");
    EXPECT_EQ(report->error->option(), Option::step_timeout);
    RawDatabase db(project.db());
    const auto recorded = db.column("SELECT error FROM belay_failures");
    ASSERT_EQ(recorded.size(), 1U);
    EXPECT_CONTAINS(recorded[0], "or <term>)");
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_EQ(warnings[0].option(), Option::no_backup);
    EXPECT_CONTAINS(warnings[0], "NO SNAPSHOT is taken");
}

TEST(RunMigrate, StepTimeoutOptionAppliesWithoutADirective) {
    Project project;
    project.add("0001_runaway.sql", "-- +migrate Up\n" + std::string(k_runaway));
    auto options = project.options();
    options.step_timeout = 300ms;
    const auto start = Clock::now();
    const auto report = project.migrate(options);
    ASSERT_TRUE(report.error.has_value());
    EXPECT_EQ(report.error->code, ErrorCode::step_failed);
    EXPECT_CONTAINS(report.error->message, "timeout");
    EXPECT_LT(seconds_since(start), 10.0);
}

TEST(RunMigrate, DryRunObeysTimeoutsToo) {
    Project project;
    project.add("0001_runaway.sql",
                "-- +migrate Timeout 0.3\n-- +migrate Up\n" + std::string(k_runaway));
    auto options = project.options();
    options.dry_run = true;
    const auto start = Clock::now();
    const auto report = project.migrate(options);
    ASSERT_TRUE(report.error.has_value());
    EXPECT_EQ(results_of(report), std::vector<std::string>{"0001:would fail"});
    EXPECT_LT(seconds_since(start), 10.0);
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(RunMigrate, CancellationDuringAStepRollsItBackWithoutRecordingAFailure) {
    Project project;
    project.add("0001_users.sql", k_users);
    project.add("0002_slow.sql",
                "-- +migrate Up\nCREATE TABLE half (id INTEGER);\n" + std::string(k_runaway));
    reset_cancellation();
    // Cancels (as the SIGTERM handler would) once 0002's CREATE TABLE has run: belay logs each
    // statement at debug level just before it runs it, on the thread that runs it.
    set_log(LogLevel::debug, [](LogLevel, std::string_view message) {
        if (message.find("0002_slow.sql:3: WITH RECURSIVE") != std::string_view::npos) {
            request_cancellation(SIGTERM);
        }
    });
    const auto start = Clock::now();
    const auto report = project.migrate();
    const double took = seconds_since(start);
    set_log(LogLevel::warning);
    const bool cancelled = cancellation_requested();
    reset_cancellation();

    ASSERT_TRUE(cancelled) << "belay never logged that it runs 0002's endless statement";

    ASSERT_TRUE(report.error.has_value());
    EXPECT_EQ(report.error->code, ErrorCode::interrupted);
    EXPECT_LT(took, 20.0) << "cancellation did not stop the 30 s step";
    EXPECT_EQ(results_of(report), (std::vector<std::string>{"0001:applied", "0002:failed"}));
    RawDatabase db(project.db());
    EXPECT_FALSE(db.has_table("half"));
    EXPECT_EQ(db.integer("SELECT count(*) FROM schema_migrations"), 1);
    EXPECT_EQ(db.integer("SELECT count(*) FROM belay_failures"), 0);
}

TEST(RunMigrate, CancellationBeforeTheFirstStepRunsNothing) {
    Project project;
    project.add("0001_users.sql", k_users);
    reset_cancellation();
    request_cancellation(SIGINT);
    auto report = run_migrate(project.options());
    reset_cancellation();
    const auto* error = report ? (report->error ? &*report->error : nullptr) : &report.error();
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->code, ErrorCode::interrupted);
    if (fs::exists(project.db())) {
        EXPECT_FALSE(RawDatabase(project.db()).has_table("users"));
    }
}

TEST(RunMigrate, RunLockHeldByAnotherRunGivesBusy) {
    Project project;
    project.add("0001_users.sql", k_users);
    auto held = RunLock::acquire(project.db(), 100ms);
    ASSERT_TRUE(held.has_value()) << held.error().message;
    auto options = project.options();
    options.db.lock_timeout = 200ms;
    const auto error = project.refusal(options);
    EXPECT_EQ(error.code, ErrorCode::busy);
    EXPECT_FALSE(fs::exists(project.db()));
}

TEST(RunMigrate, WriterHoldingTheDatabaseGivesBusyNearTheLockTimeout) {
    Project project;
    project.add("0001_users.sql", k_users);
    RawDatabase other(project.db());
    other.exec("CREATE TABLE mine (id INTEGER); BEGIN IMMEDIATE; INSERT INTO mine VALUES (1);");
    auto options = project.options();
    options.db.lock_timeout = 300ms;

    const auto start = Clock::now();
    auto report = run_migrate(options);
    const double took = seconds_since(start);
    other.exec("COMMIT");

    const auto* error = report ? (report->error ? &*report->error : nullptr) : &report.error();
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->code, ErrorCode::busy) << error->message;
    EXPECT_LT(took, 10.0);
    EXPECT_FALSE(other.has_table("users"));
}

// Regression: after the step's own wait for the write lock ran out, recording the failure waited
// a second full lock timeout, so a busy database was reported only after twice --lock-timeout.
TEST(RunMigrate, BusyDatabaseIsReportedWithinTheLockTimeout) {
    Project project;
    project.add("0001_users.sql", k_users);
    RawDatabase other(project.db());
    other.exec("CREATE TABLE mine (id INTEGER); BEGIN IMMEDIATE; INSERT INTO mine VALUES (1);");
    auto options = project.options();
    options.db.lock_timeout = 2s;

    const auto start = Clock::now();
    auto report = run_migrate(options);
    const double took = seconds_since(start);
    other.exec("COMMIT");

    const auto* error = report ? (report->error ? &*report->error : nullptr) : &report.error();
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->code, ErrorCode::busy) << error->message;
    // Not a window around the expected 2 s, but the two ways it could go wrong: a second wait
    // would end the run no sooner than 4 s after it started (belay's own work here takes
    // milliseconds), and nothing but giving up early can end it before its 2 s wait is over.
    EXPECT_GE(took, 1.9) << "gave up before the lock timeout";
    EXPECT_LT(took, 3.8) << "a 2 s lock timeout took " << took << " s to report: it waited twice";
}

// PRAGMA quick_check sees a NOT NULL column holding NULL; such a database can only be made by
// writing the schema by hand, which stands in here for real corruption.
void make_quick_check_fail(const fs::path& path) {
    RawDatabase db(path);
    db.exec(
        "CREATE TABLE t (a); INSERT INTO t VALUES (NULL); PRAGMA writable_schema = ON;"
        "UPDATE sqlite_schema SET sql = 'CREATE TABLE t (a NOT NULL)' WHERE name = 't';");
}

TEST(RunMigrate, QuickCheckRunsAfterTheLastStep) {
    Project project;
    make_quick_check_fail(project.db());
    project.add("0001_users.sql", k_users);
    auto options = project.options();
    options.backup = false;  // the snapshot's own verification would refuse this database
    const auto report = project.migrate(options);
    ASSERT_TRUE(report.error.has_value());
    EXPECT_EQ(report.error->code, ErrorCode::step_failed);
    EXPECT_CONTAINS(report.error->message, "quick_check");
    EXPECT_CONTAINS(report.error->message, "NULL value in t.a");
    // With --validate normal the check comes after the run: the step itself committed.
    EXPECT_EQ(results_of(report), std::vector<std::string>{"0001:applied"});
}

TEST(RunMigrate, FullValidationRunsQuickCheckInsideEachStep) {
    Project project;
    make_quick_check_fail(project.db());
    project.add("0001_users.sql", k_users);
    auto options = project.options();
    options.validation = ValidationLevel::full;
    options.backup = false;
    const auto report = project.migrate(options);
    ASSERT_TRUE(report.error.has_value());
    EXPECT_CONTAINS(report.error->message, "quick_check");
    EXPECT_EQ(results_of(report), std::vector<std::string>{"0001:failed"});
    EXPECT_FALSE(RawDatabase(project.db()).has_table("users"));
}

TEST(RunMigrate, DanglingForeignKeyWarnsNormallyAndFailsWhenStrict) {
    const std::string dangling =
        "-- +migrate Up\nCREATE TABLE orders (id INTEGER, customer_id INTEGER "
        "REFERENCES customers (id));\n";
    {
        Project project;
        project.add("0001_orders.sql", dangling);
        const auto report = project.migrate();
        EXPECT_TRUE(report.succeeded()) << report.error->message;
        ASSERT_EQ(report.steps.size(), 1U);
        ASSERT_EQ(report.steps[0].warnings.size(), 1U);
        EXPECT_CONTAINS(report.steps[0].warnings[0], "customers");
    }
    {
        Project project;
        project.add("0001_orders.sql", dangling);
        auto options = project.options();
        options.validation = ValidationLevel::strict;
        const auto report = project.migrate(options);
        ASSERT_TRUE(report.error.has_value());
        EXPECT_EQ(report.error->code, ErrorCode::step_failed);
        EXPECT_CONTAINS(report.error->message, "customers");
        EXPECT_FALSE(RawDatabase(project.db()).has_table("orders"));
    }
}

}  // namespace
}  // namespace belay::engine

namespace belay::engine {
namespace {

TEST(RunMigrate, ResetAsksItsQuestionAndANoChangesNothing) {
    Project project;
    project.add("0001_a.sql",
                "-- +migrate Up\nCREATE TABLE a (x);\n-- +migrate Down\nDROP TABLE a;\n");
    project.migrate(project.options());
    const auto before = sha256_file_hex(project.db());
    ASSERT_TRUE(before.has_value());

    auto options = project.options();
    options.operation = Operation::reset;
    std::string asked;
    options.confirm = [&](const Message& question) {
        asked = question.text();
        return false;
    };
    auto declined = run_migrate(options);
    ASSERT_FALSE(declined.has_value());
    EXPECT_EQ(declined.error().code, ErrorCode::refused);
    EXPECT_CONTAINS(asked, "run_migrate(reset) reverts all 1 applied migration(s)");
    EXPECT_EQ(sha256_file_hex(project.db()).value_or(""), *before)
        << "a declined reset changed the database";

    options.confirm = [](const Message&) { return true; };
    auto confirmed = run_migrate(options);
    ASSERT_TRUE(confirmed.has_value()) << confirmed.error().message;
    EXPECT_FALSE(confirmed->error.has_value());
    EXPECT_EQ(confirmed->version_after, "0");
}

}  // namespace
}  // namespace belay::engine
