// What a migration may not do to belay's guarantees: switch off the rollback, edit the schema
// table, write or hook belay's history, outlast its timeout or a signal with a long run of short
// statements, or leave a table no integrity check (and so no backup) can read. Each test is a
// way a hostile or careless migration broke a promise before.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <csignal>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class MigrationGuaranteesTest : public E2eTest {
  protected:
    void write_base() const {
        write_migration("0001_t.sql",
                        "-- +migrate Up\nCREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB);\n"
                        "-- +migrate Down\nDROP TABLE t;\n");
    }

    // A step of `count` one-line INSERTs into t.
    void write_many_inserts(const std::string& file_name, int count) const {
        std::string sql = "-- +migrate Up\n";
        sql.reserve(static_cast<std::size_t>(count) * 40);
        for (int i = 0; i < count; ++i) {
            sql += "INSERT INTO t (v) VALUES (" + std::to_string(i) + ");\n";
        }
        write_migration(file_name, sql);
    }

    void expect_refused_before_the_run(const RunResult& result, const std::string& where,
                                       const std::string& why) {
        EXPECT_EQ(result.exit_code, 2) << describe(result);
        EXPECT_CONTAINS(result.err, where) << result.err;
        EXPECT_CONTAINS(result.err, why) << result.err;
    }
};

// journal_mode=OFF in a NoTransaction step used to stay in force: a later step that failed
// after updating 5,000 rows reported "failed" and kept the rows.
TEST_F(MigrationGuaranteesTest, JournalModeOffInANoTransactionStepIsRefusedBeforeTheRun) {
    write_base();
    write_migration("0002_rows.sql",
                    up_only("WITH RECURSIVE s (x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s "
                            "WHERE x < 5000) INSERT INTO t (v) SELECT x FROM s;"));
    write_migration("0003_off.sql", "-- +migrate Up notransaction\nPRAGMA journal_mode = OFF;\n");
    write_migration("0004_fails.sql",
                    up_only("UPDATE t SET v = 'changed';\nINSERT INTO no_such_table VALUES (1);"));
    auto result = belay("migrate");
    expect_refused_before_the_run(result, "0003_off.sql:2", "journal_mode=off");
    EXPECT_CONTAINS(result.err, "could no longer be rolled back") << result.err;
    EXPECT_FALSE(fs::exists(db())) << "nothing may run when a file is refused";
}

// db lint --strict used to say nothing about it.
TEST_F(MigrationGuaranteesTest, LintStrictReportsARefusedStatement) {
    write_base();
    write_migration("0002_off.sql", "-- +migrate Up notransaction\nPRAGMA journal_mode = OFF;\n");
    auto result = belay("lint", {"--strict"});
    EXPECT_EQ(result.exit_code, 6) << describe(result);
    EXPECT_CONTAINS(result.out, "0002_off.sql:2") << result.out;
    EXPECT_CONTAINS(result.out, "refused-statement") << result.out;
}

TEST_F(MigrationGuaranteesTest, EveryFormOfTheSubvertingPragmasIsRefusedInAnySection) {
    write_base();
    const std::pair<std::string, std::string> cases[] = {
        {"PRAGMA main.journal_mode = 'memory';", "journal_mode=memory"},
        {"PRAGMA writable_schema = ON;", "writable_schema"},
        {"PRAGMA writable_schema(1);", "writable_schema"},
        {"PRAGMA schema_version = 42;", "schema_version"},
        {"PRAGMA synchronous = OFF;", "synchronous=OFF"},
        {"PRAGMA synchronous = 8;", "synchronous=OFF"},  // 8 is OFF to SQLite; it got through
        {"PRAGMA temp.synchronous = 64;", "synchronous=OFF"},
        {"PRAGMA ignore_check_constraints = 1;", "ignore_check_constraints"},
        {"PRAGMA hard_heap_limit = 1;", "hard_heap_limit"},
    };
    for (const auto& [statement, named] : cases) {
        write_migration(
            "0002_pragma.sql",
            "-- +migrate Up notransaction\nSELECT 1;\n-- +migrate Down notransaction\n" +
                statement + "\n");
        auto result = belay("migrate");
        expect_refused_before_the_run(result, "0002_pragma.sql:4", named);
    }
    EXPECT_FALSE(fs::exists(db()));
}

// query_only, which a migration may set, refused belay's own history write after the step's
// statements had all run: "attempt to write a readonly database", and a NoTransaction step was
// left dirty. belay turns it off before it records anything.
TEST_F(MigrationGuaranteesTest, QueryOnlySetByAStepDoesNotStopBelayRecordingIt) {
    write_base();
    write_migration("0002_q.sql", up_only("INSERT INTO t (v) VALUES (2);\nPRAGMA query_only = 1;"));
    write_migration("0003_q.sql",
                    "-- +migrate Up notransaction\nINSERT INTO t (v) VALUES (3);\n"
                    "PRAGMA query_only = ON;\n");
    write_migration("0004_after.sql", up_only("INSERT INTO t (v) VALUES (4);"));
    auto result = belay("migrate", {"--no-backup"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002", "0003", "0004"}));
    TestDb check(db(), true);
    EXPECT_EQ(check.column("SELECT v FROM t ORDER BY id"),
              (std::vector<std::string>{"2", "3", "4"}));
    EXPECT_EQ(check.scalar("SELECT count(*) FROM belay_dirty"), "0");
}

// A NoTransaction section that ran BEGIN and never COMMIT: belay's own bookkeeping then failed
// with "cannot start a transaction within a transaction", naming neither the file nor the cause.
// Now the open transaction is rolled back and the step fails saying so, with the usual dirty
// mark (the statements before the BEGIN stay) and a recorded failure.
TEST_F(MigrationGuaranteesTest, NoTransactionStepThatLeavesATransactionOpenFailsNamingIt) {
    write_base();
    write_migration("0002_open.sql",
                    "-- +migrate Up notransaction\nINSERT INTO t (v) VALUES ('kept');\nBEGIN;\n"
                    "INSERT INTO t (v) VALUES ('inside');\n");
    auto result = belay("migrate", {"--no-backup"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err,
                    "0002_open.sql: the section began a transaction (BEGIN or SAVEPOINT) "
                    "and did not end it")
        << result.err;
    EXPECT_NOT_CONTAINS(result.err, "within a transaction") << result.err;
    TestDb check(db(), true);
    EXPECT_EQ(check.column("SELECT v FROM t"), std::vector<std::string>{"kept"});
    EXPECT_EQ(check.column("SELECT version FROM belay_dirty"), std::vector<std::string>{"0002"});
    EXPECT_EQ(check.column("SELECT version FROM belay_failures"), std::vector<std::string>{"0002"});

    // A statement that fails inside the open transaction: that statement is the error, and the
    // transaction is rolled back as well.
    TestDb(db()).exec("DELETE FROM belay_dirty; DELETE FROM belay_failures;");
    write_migration("0002_open.sql",
                    "-- +migrate Up notransaction\nSAVEPOINT s;\nINSERT INTO t (v) VALUES ('in');\n"
                    "INSERT INTO no_such_table VALUES (1);\n");
    auto failing = belay("migrate", {"--no-backup"});
    EXPECT_EQ(failing.exit_code, 1) << describe(failing);
    EXPECT_CONTAINS(failing.err, "no_such_table") << failing.err;
    EXPECT_CONTAINS(failing.err, "was still open; belay rolled back what it held") << failing.err;
    EXPECT_EQ(TestDb(db(), true).column("SELECT v FROM t"), std::vector<std::string>{"kept"});
}

// writable_schema + DELETE FROM sqlite_master committed with exit 0; the next status said
// "malformed database schema".
TEST_F(MigrationGuaranteesTest, WritableSchemaEditIsRefusedAndTheDatabaseStaysReadable) {
    write_base();
    ASSERT_EQ(belay("migrate").exit_code, 0);
    write_migration("0002_edit.sql",
                    "-- +migrate Up\nPRAGMA writable_schema=ON;\n"
                    "DELETE FROM sqlite_master WHERE name = 't';\n");
    auto result = belay("migrate");
    expect_refused_before_the_run(result, "0002_edit.sql:2", "writable_schema");
    fs::remove(migrations() / "0002_edit.sql");
    auto status = belay("status");
    EXPECT_EQ(status.exit_code, 0) << describe(status);
    TestDb check(db(), true);
    EXPECT_EQ(check.scalar("PRAGMA integrity_check"), "ok");
    EXPECT_TRUE(check.has_object("t"));
}

// A trigger on the history table fired on belay's own history insert, after validation, and
// committed the foreign-key violations it made.
TEST_F(MigrationGuaranteesTest, TriggerOnTheHistoryTableIsRefusedAndRolledBack) {
    write_base();
    write_migration("0002_parent.sql",
                    up_only("CREATE TABLE p (id INTEGER PRIMARY KEY);\n"
                            "CREATE TABLE c (p_id INTEGER REFERENCES p (id));\n"
                            "INSERT INTO p VALUES (1); INSERT INTO c VALUES (1);"));
    ASSERT_EQ(belay("migrate").exit_code, 0);
    write_migration("0003_hook.sql",
                    up_only("CREATE TABLE marker (x);\n"
                            "CREATE TRIGGER hook AFTER INSERT ON schema_migrations\n"
                            "BEGIN DELETE FROM p; END;"));
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "0003_hook.sql:3") << result.err;
    EXPECT_CONTAINS(result.err, "a trigger on belay's own table schema_migrations") << result.err;
    TestDb check(db(), true);
    EXPECT_FALSE(check.has_object("hook"));
    EXPECT_FALSE(check.has_object("marker")) << "the refused step was not rolled back";
    EXPECT_EQ(check.count("p"), 1);
    EXPECT_EQ(check.column("SELECT version FROM schema_migrations ORDER BY version"),
              (std::vector<std::string>{"0001", "0002"}));
}

TEST_F(MigrationGuaranteesTest, WritesToTheHistoryAreRefusedDirectlyAndThroughATrigger) {
    write_base();
    ASSERT_EQ(belay("migrate").exit_code, 0);
    const std::pair<std::string, std::string> cases[] = {
        {"DELETE FROM schema_migrations;", "DELETE from belay's own table schema_migrations"},
        {"INSERT INTO schema_migrations (version) VALUES ('0099');",
         "INSERT into belay's own table schema_migrations"},
        {"DROP TABLE belay_failures;", "DROP TABLE of belay's own table belay_failures"},
        // breakit13c: DROP COLUMN passes the column's name where the database's usually is.
        {"ALTER TABLE belay_failures DROP COLUMN error;",
         "ALTER TABLE of belay's own table belay_failures"},
        {"ALTER TABLE main.schema_migrations DROP COLUMN schema_fingerprint;",
         "ALTER TABLE of belay's own table schema_migrations"},
        {"ALTER TABLE belay_dirty ADD COLUMN x;", "ALTER TABLE of belay's own table belay_dirty"},
        {"CREATE INDEX forged ON schema_migrations (version);", "an index on belay's own table"},
        // Created on the user's table, but its body writes the history: it fails the step as
        // soon as anything compiles it (belay's trigger check does, before COMMIT).
        {"CREATE TRIGGER sneaky AFTER INSERT ON t BEGIN DELETE FROM schema_migrations; END;",
         "in the body of trigger sneaky"},
    };
    for (const auto& [statement, named] : cases) {
        write_migration("0002_forge.sql", up_only("CREATE TABLE marker (x);\n" + statement));
        auto result = belay("migrate");
        EXPECT_EQ(result.exit_code, 1) << statement << ": " << describe(result);
        EXPECT_CONTAINS(result.err, named) << statement << ": " << result.err;
        TestDb check(db(), true);
        EXPECT_FALSE(check.has_object("marker")) << statement;
        EXPECT_EQ(check.column("SELECT version FROM schema_migrations"),
                  std::vector<std::string>{"0001"})
            << statement;
    }
}

// A TEMP table named like the history received belay's own history row: the step ran again on
// every run, and each run said "applied".
TEST_F(MigrationGuaranteesTest, TemporaryTableNamedLikeTheHistoryCannotForgeIt) {
    write_migration("0001_base.sql", up_only("CREATE TABLE acct (id INTEGER PRIMARY KEY, b INT);\n"
                                             "INSERT INTO acct (b) VALUES (100);"));
    write_migration("0002_double.sql",
                    up_only("CREATE TEMP TABLE schema_migrations (version, name, checksum, "
                            "applied_at, execution_ms, schema_fingerprint);\n"
                            "UPDATE acct SET b = b * 2;"));
    for (int run = 0; run < 3; ++run) {
        auto result = belay("migrate");
        EXPECT_EQ(result.exit_code, 0) << describe(result);
    }
    TestDb check(db(), true);
    EXPECT_EQ(check.scalar("SELECT b FROM acct"), "200") << "0002 ran more than once";
    EXPECT_EQ(check.column("SELECT version FROM schema_migrations ORDER BY version"),
              (std::vector<std::string>{"0001", "0002"}));
}

// A TEMP belay_dirty swallowed the dirty mark of a later NoTransaction step that failed; the
// next run ran it again.
TEST_F(MigrationGuaranteesTest, TemporaryTableNamedLikeTheDirtyMarksCannotHideOne) {
    write_migration("0001_base.sql", up_only("CREATE TABLE acct (id INTEGER PRIMARY KEY, b INT);\n"
                                             "INSERT INTO acct (b) VALUES (100);"));
    write_migration("0002_shadow.sql",
                    up_only("CREATE TEMP TABLE belay_dirty (history_table, version, name, "
                            "started_at, error);"));
    write_migration("0003_notx.sql",
                    "-- +migrate Up notransaction\nUPDATE acct SET b = b + 1;\n"
                    "SELECT no_such_function();\n");
    auto first = belay("migrate");
    EXPECT_EQ(first.exit_code, 1) << describe(first);
    auto second = belay("migrate");
    EXPECT_EQ(second.exit_code, 5) << "the dirty mark was lost: " << describe(second);
    EXPECT_EQ(TestDb(db(), true).scalar("SELECT b FROM acct"), "101");
}

// A TEMP view or table named like one the step broke hid the break from the checks.
TEST_F(MigrationGuaranteesTest, TemporaryObjectsCannotHideABrokenViewOrForeignKey) {
    write_migration("0001_base.sql",
                    up_only("CREATE TABLE t (id INTEGER PRIMARY KEY, v);\n"
                            "CREATE VIEW tv AS SELECT id, v FROM t;\n"
                            "CREATE TABLE parent (id INTEGER PRIMARY KEY);\n"
                            "CREATE TABLE child (id INTEGER PRIMARY KEY, p INTEGER REFERENCES "
                            "parent (id));"));
    ASSERT_EQ(belay("migrate").exit_code, 0);
    write_migration("0002_masked_view.sql", up_only("DROP TABLE t;\nCREATE TEMP TABLE t (id, v);"));
    auto view = belay("migrate");
    EXPECT_EQ(view.exit_code, 1) << describe(view);
    EXPECT_CONTAINS(view.err, "view tv no longer works") << view.err;
    fs::remove(migrations() / "0002_masked_view.sql");
    write_migration("0002_masked_key.sql",
                    up_only("INSERT INTO child VALUES (1, 42);\nCREATE TEMP TABLE child (id, p);"));
    auto key = belay("migrate");
    EXPECT_EQ(key.exit_code, 1) << describe(key);
    EXPECT_CONTAINS(key.err, "foreign key violation") << key.err;
    TestDb check(db(), true);
    EXPECT_TRUE(check.has_object("t"));
    EXPECT_EQ(check.count("child"), 0);
}

// Writes to an R-Tree's shadow tables corrupt it, and no integrity check notices.
TEST_F(MigrationGuaranteesTest, WritesToAVirtualTablesShadowTablesAreRefused) {
    write_migration("0001_r.sql", up_only("CREATE VIRTUAL TABLE r USING rtree (id, x0, x1);\n"
                                          "INSERT INTO r VALUES (1, 0, 1);"));
    ASSERT_EQ(belay("migrate").exit_code, 0);
    write_migration("0002_shadow.sql", up_only("UPDATE r_node SET data = x'00';"));
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_EQ(TestDb(db(), true).scalar("SELECT count(*) FROM r WHERE x0 = 0"), "1");
}

TEST_F(MigrationGuaranteesTest, AttachIsRefusedBeforeTheRunEvenWithoutATransaction) {
    write_base();
    write_migration("0002_attach.sql",
                    "-- +migrate Up notransaction\nATTACH 'other.db' AS other;\n"
                    "CREATE TABLE other.copy (x);\n");
    auto result = belay("migrate");
    expect_refused_before_the_run(result, "0002_attach.sql:2", "ATTACH");
    EXPECT_FALSE(fs::exists(dir() / "other.db"));
}

// Reading belay's tables stays allowed: a Verify check may look at the history.
TEST_F(MigrationGuaranteesTest, ReadingTheHistoryIsAllowed) {
    write_base();
    write_migration("0002_reads.sql",
                    up_only("CREATE TABLE copy AS SELECT version FROM schema_migrations;",
                            "SELECT count(*) = 1 FROM schema_migrations;"));
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(TestDb(db(), true).count("copy"), 1);
}

// 40,000 short statements took 22 s (the runner copied the rest of the section for every one),
// --step-timeout 2 let the step run to its end, and SIGTERM came too late to stop the COMMIT.
TEST_F(MigrationGuaranteesTest, StepTimeoutStopsALongRunOfShortStatements) {
    write_base();
    ASSERT_EQ(belay("migrate").exit_code, 0);
    write_many_inserts("0002_many.sql", 300000);
    auto result = belay("migrate", {"--step-timeout", "0.1"});
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "ran past its timeout") << result.err;
    TestDb check(db(), true);
    EXPECT_EQ(check.count("t"), 0) << "the timed-out step was not rolled back";
    EXPECT_EQ(check.column("SELECT version FROM schema_migrations"),
              std::vector<std::string>{"0001"});
}

TEST_F(MigrationGuaranteesTest, SigtermDuringALongRunOfShortStatementsNeverCommits) {
    write_base();
    ASSERT_EQ(belay("migrate").exit_code, 0);
    write_many_inserts("0002_many.sql", 400000);
    auto run = start("migrate", {"--log-level", "info"});
    ASSERT_TRUE(run->wait_for_stderr("applying 0002", std::chrono::seconds(120)))
        << "belay never logged that it started 0002";
    run->send_signal(SIGTERM);
    auto result = run->wait(std::chrono::seconds(120));
    EXPECT_EQ(result.exit_code, 143) << describe(result);
    TestDb check(db(), true);
    EXPECT_EQ(check.count("t"), 0) << "the interrupted step committed";
    EXPECT_EQ(check.column("SELECT version FROM schema_migrations"),
              std::vector<std::string>{"0001"});
}

TEST_F(MigrationGuaranteesTest, AHundredThousandStatementsApply) {
    write_base();
    write_many_inserts("0002_many.sql", 100000);
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(TestDb(db(), true).count("t"), 100000);
}

// SQLite accepts a generated column calling a function it lacks; every later integrity check
// and so every snapshot then failed ("cannot verify the copy"), blocking backup, down and
// migrate. The step that adds it must fail instead.
TEST_F(MigrationGuaranteesTest, GeneratedColumnCallingAMissingFunctionFailsItsStep) {
    write_base();
    ASSERT_EQ(belay("migrate").exit_code, 0);
    TestDb(db()).exec("INSERT INTO t (v) VALUES ('kept');");
    write_migration("0002_generated.sql",
                    up_only("ALTER TABLE t ADD COLUMN b TEXT GENERATED ALWAYS AS "
                            "(no_such_fn(v)) VIRTUAL;"));
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "table t can no longer be read") << result.err;
    EXPECT_CONTAINS(result.err, "no_such_fn") << result.err;
    EXPECT_EQ(TestDb(db(), true).columns("t"), (std::vector<std::string>{"id", "v"}));

    // Everything that needs a snapshot still works.
    fs::remove(migrations() / "0002_generated.sql");
    auto backup = belay("backup");
    EXPECT_EQ(backup.exit_code, 0) << describe(backup);
    auto down = belay("down");
    EXPECT_EQ(down.exit_code, 0) << describe(down);
}

// A database that already has such a table (made by another tool) is reported by db check.
TEST_F(MigrationGuaranteesTest, CheckNamesATableNoIntegrityCheckCanRead) {
    TestDb(db()).exec(
        "CREATE TABLE t (a); INSERT INTO t VALUES (1);"
        "ALTER TABLE t ADD COLUMN b TEXT GENERATED ALWAYS AS (no_such_fn(a)) "
        "VIRTUAL;");
    write_base();
    auto result = belay("check");
    EXPECT_EQ(result.exit_code, 6) << describe(result);
    EXPECT_CONTAINS(result.out, "table t cannot be read") << result.out;
}

// kill -9 during a dry run left its full-size scratch copy in $TMPDIR for ever.
TEST_F(MigrationGuaranteesTest, ScratchCopyOfAKilledDryRunIsRemovedByTheNextDryRun) {
    const auto tmp = dir() / "tmp";
    fs::create_directory(tmp);
    write_base();
    ASSERT_EQ(belay("migrate").exit_code, 0);
    write_migration("0002_slow.sql",
                    "-- +migrate Timeout 600\n-- +migrate Up\n" + std::string(k_runaway) + "\n");
    RunOptions options = with_env({{"TMPDIR", tmp.string()}});
    auto run = start("migrate", {"--dry-run", "--log-level", "info"}, options);
    ASSERT_TRUE(run->wait_for_stderr("applying 0002", std::chrono::seconds(60)));
    ASSERT_EQ(list_dir(tmp).empty(), false) << "the dry run made no scratch copy";
    run->send_signal(SIGKILL);
    run->wait();
    EXPECT_FALSE(list_dir(tmp).empty()) << "nothing was left to clean up";

    // A directory that is not belay's, or whose owner lives, is left alone; one without an owner
    // file that is older than any run's start (killed between making it and its owner file)
    // goes.
    fs::create_directory(tmp / "belay-dry-run-notours");
    fs::create_directory(tmp / "belay-dry-run-killedearly");
    fs::last_write_time(tmp / "belay-dry-run-killedearly",
                        fs::file_time_type::clock::now() - std::chrono::hours(1));
    // breakit13c: the sweep removed a dead run's directory with everything in it. belay puts only
    // files there; a subdirectory is not belay's, and it stays (with the directory holding it).
    write_file("tmp/belay-dry-run-withmine/.belay-owner", "");
    write_file("tmp/belay-dry-run-withmine/mine/keep.txt", "not belay's");
    write_migration("0002_slow.sql", up_only("CREATE TABLE quick (x);"));
    auto again = belay("migrate", {"--dry-run"}, options);
    EXPECT_EQ(again.exit_code, 0) << describe(again);
    EXPECT_EQ(list_dir(tmp),
              (std::vector<std::string>{"belay-dry-run-notours", "belay-dry-run-withmine",
                                        "belay-dry-run-withmine/mine",
                                        "belay-dry-run-withmine/mine/keep.txt"}));
}

// A FIFO at app.db-journal made every command that opens the database block for ever.
TEST_F(MigrationGuaranteesTest, FifoBesideTheDatabaseIsRefusedWithoutBlocking) {
    write_base();
    ASSERT_EQ(belay("migrate").exit_code, 0);
    const auto before = sha256_of(db());
    for (const char* suffix : {"-journal", "-wal", "-shm"}) {
        const auto companion = fs::path(db().string() + suffix);
        ASSERT_EQ(::mkfifo(companion.c_str(), 0600), 0);
        for (const auto& command :
             {std::vector<std::string>{"status"}, std::vector<std::string>{"backup"},
              std::vector<std::string>{"check"},
              std::vector<std::string>{"migrate", "--dry-run"}}) {
            RunOptions options;
            options.timeout = std::chrono::seconds(60);
            auto result =
                belay(command.front(), std::vector<std::string>(command.begin() + 1, command.end()),
                      options);
            EXPECT_FALSE(result.timed_out) << command.front() << " blocked on " << companion;
            EXPECT_EQ(result.exit_code, 2) << command.front() << ": " << describe(result);
            EXPECT_CONTAINS(result.err, companion.filename().string() + " is not a regular file")
                << result.err;
        }
        fs::remove(companion);
    }
    EXPECT_EQ(sha256_of(db()), before);
    EXPECT_TRUE(names_ending_with(dir(), ".bak").empty());
}

// SQLite opens the companions of the file a symlinked --db points at; belay looked beside the
// link, so a FIFO at the target's -journal hung every command (and took the first SIGTERM), and
// a FIFO beside the link, which SQLite never opens, was refused.
TEST_F(MigrationGuaranteesTest, FifoBesideASymlinkedDatabasesTargetIsRefusedWithoutBlocking) {
    write_base();
    ASSERT_EQ(belay("migrate").exit_code, 0);
    const auto link = dir() / "link.db";
    fs::create_symlink(db().filename(), link);
    const auto target_journal = fs::path(db().string() + "-journal");
    ASSERT_EQ(::mkfifo(target_journal.c_str(), 0600), 0);
    const auto before = sha256_of(db());
    for (const char* command : {"status", "check", "backup", "migrate"}) {
        RunOptions options;
        options.timeout = std::chrono::seconds(60);
        auto result = run_raw(
            {"db", command, "--db", link.string(), "--migrations", migrations().string()}, options);
        EXPECT_FALSE(result.timed_out) << command << " blocked on " << target_journal;
        EXPECT_EQ(result.exit_code, 2) << command << ": " << describe(result);
        EXPECT_CONTAINS(result.err, target_journal.string() + " is not a regular file")
            << result.err;
    }
    fs::remove(target_journal);
    const auto link_journal = fs::path(link.string() + "-journal");
    ASSERT_EQ(::mkfifo(link_journal.c_str(), 0600), 0);
    auto status =
        run_raw({"db", "status", "--db", link.string(), "--migrations", migrations().string()});
    EXPECT_EQ(status.exit_code, 0) << describe(status);
    EXPECT_EQ(sha256_of(db()), before);
}

// A database with two names (a hard link): SQLite keeps its journal beside the name it opened,
// and belay's run lock is beside the name too, so two runs through two names both ran a
// NoTransaction step. Every command that writes the database refuses it (exit 5) before any
// snapshot; reading it, and backing it up, still work.
TEST_F(MigrationGuaranteesTest, DatabaseWithTwoNamesIsNotWritten) {
    write_base();
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    auto backup = belay("backup");
    ASSERT_EQ(backup.exit_code, 0) << describe(backup);
    write_migration("0002_u.sql", up_only("CREATE TABLE u (x);"));
    const auto other = dir() / "other.db";
    ASSERT_EQ(::link(db().c_str(), other.c_str()), 0) << std::strerror(errno);
    const auto before = sha256_of(db());
    const auto files = list_dir(dir());
    for (const auto& args :
         {std::vector<std::string>{"db", "migrate", "--db", other.string()},
          std::vector<std::string>{"db", "migrate", "--db", db().string()},
          std::vector<std::string>{"db", "down", "--db", db().string()},
          std::vector<std::string>{"db", "restore", "--db", db().string(), "--latest", "--yes"}}) {
        auto command = args;
        command.insert(command.end(), {"--migrations", migrations().string()});
        auto result = run_raw(command);
        EXPECT_EQ(result.exit_code, 5) << describe(result);
        EXPECT_CONTAINS(result.err, "has 2 names (hard links to one file)") << result.err;
    }
    EXPECT_EQ(sha256_of(db()), before);
    auto after = list_dir(dir());
    std::erase(after, "other.db.belay-lock");  // the run lock comes first
    EXPECT_EQ(after, files) << "no snapshot taken";
    EXPECT_EQ(belay("status").exit_code, 0);
    fs::remove(other);
    EXPECT_EQ(belay("migrate").exit_code, 0);
    EXPECT_TRUE(TestDb(db(), true).has_object("u"));
}

// A FIFO among the migrations blocked every command in the layout detection; a symlink to
// /dev/zero read until memory ran out (exit 70).
TEST_F(MigrationGuaranteesTest, MigrationFileThatIsAFifoOrADeviceIsRefusedAtOnce) {
    write_base();
    const auto fifo = migrations() / "0002_fifo.sql";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto blocked = belay("status");
    EXPECT_FALSE(blocked.timed_out);
    EXPECT_EQ(blocked.exit_code, 2) << describe(blocked);
    EXPECT_CONTAINS(blocked.err, "0002_fifo.sql") << blocked.err;
    fs::remove(fifo);
    fs::create_symlink("/dev/zero", migrations() / "0002_zero.sql");
    auto endless = belay("migrate");
    EXPECT_FALSE(endless.timed_out);
    EXPECT_EQ(endless.exit_code, 2) << describe(endless);
    EXPECT_CONTAINS(endless.err, "0002_zero.sql") << endless.err;
    EXPECT_FALSE(fs::exists(db()));
}

// db migrate read the header of a FIFO given as --db and blocked for ever.
TEST_F(MigrationGuaranteesTest, DatabasePathThatIsAFifoIsRefusedByMigrateAtOnce) {
    write_base();
    ASSERT_EQ(::mkfifo(db().c_str(), 0600), 0);
    RunOptions options;
    options.timeout = std::chrono::seconds(60);
    auto result = belay("migrate", {}, options);
    EXPECT_FALSE(result.timed_out) << "db migrate blocked on a FIFO";
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "is not a regular file") << result.err;
    // The other commands name what it is and what to give instead (breakit13b: they said only
    // "is not a regular file").
    for (const char* command : {"status", "backup", "check"}) {
        auto other = belay(command, {}, options);
        EXPECT_EQ(other.exit_code, 2) << describe(other);
        EXPECT_CONTAINS(other.err, "database path " + db().string() +
                                       " is a FIFO, not a regular file; give the path of an SQLite "
                                       "database file")
            << command << ": " << other.err;
    }
}

TEST_F(MigrationGuaranteesTest, ConfigFileThatIsADeviceOrFifoIsRefusedAtOnce) {
    write_base();
    auto zero = belay("status", {}, with_env({{"BELAY_CONFIG", "/dev/zero"}}));
    EXPECT_EQ(zero.exit_code, 2) << describe(zero);
    EXPECT_CONTAINS(zero.err, "/dev/zero is not a regular file") << zero.err;
    const auto fifo = dir() / "belay.ini";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto implicit = belay("status");
    EXPECT_EQ(implicit.exit_code, 2) << describe(implicit);
    EXPECT_FALSE(implicit.timed_out);
    EXPECT_CONTAINS(implicit.err, "belay.ini is not a regular file") << implicit.err;
}

TEST_F(MigrationGuaranteesTest, TimeoutsBelowAMillisecondAreRefusedAndLockTimeoutZeroWorks) {
    write_base();
    for (const auto& [option, value] :
         {std::pair{"--lock-timeout", "1e-300"}, std::pair{"--lock-timeout", "0.0001"},
          std::pair{"--step-timeout", "0"}, std::pair{"--step-timeout", "1e-300"},
          std::pair{"--lock-timeout", "1e300"}}) {
        auto result = belay("migrate", {option, value});
        EXPECT_EQ(result.exit_code, 2) << option << " " << value << ": " << describe(result);
        EXPECT_CONTAINS(result.err, std::string(option) + " " + value) << result.err;
    }
    EXPECT_FALSE(fs::exists(db()));
    auto zero = belay("migrate", {"--lock-timeout", "0"});
    EXPECT_EQ(zero.exit_code, 0) << describe(zero);
}

// Validation compared foreign-key violations by count per child and parent: a step that
// deleted an old orphan and inserted a new one kept the count at 1 and was applied.
TEST_F(MigrationGuaranteesTest, ANewOrphanFailsItsStepWhenAnOldOneIsRemoved) {
    write_migration("0001_base.sql",
                    up_only("CREATE TABLE packages (id INTEGER PRIMARY KEY);\n"
                            "CREATE TABLE releases (id INTEGER PRIMARY KEY, package_id INTEGER "
                            "REFERENCES packages (id));"));
    ASSERT_EQ(belay("migrate").exit_code, 0);
    TestDb(db()).exec("INSERT INTO releases VALUES (900, 9999);");
    write_migration("0002_swap.sql", up_only("DELETE FROM releases WHERE id = 900;\n"
                                             "INSERT INTO releases VALUES (901, 8888);"));
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err,
                    "foreign key violation: 1 row(s) of releases point at no row in "
                    "packages that did not before the step (rowid 901; 1 row(s) in "
                    "all, 1 before the step)")
        << result.err;
    TestDb check(db(), true);
    EXPECT_EQ(check.column("SELECT id FROM releases"), std::vector<std::string>{"900"});
    EXPECT_EQ(check.column("SELECT version FROM schema_migrations"),
              std::vector<std::string>{"0001"});
}

// The trigger check prepared one INSERT, UPDATE and DELETE per table: once a table's INSERT
// triggers failed to compile, a second broken INSERT trigger on it went unseen, and so did
// dropping the broken one while creating another.
class BrokenTriggerTest : public E2eTest {
  protected:
    void with_broken_trigger() {
        write_migration("0001_base.sql", up_only("CREATE TABLE maintainers (id, name);"));
        ASSERT_EQ(belay("migrate").exit_code, 0);
        TestDb(db()).exec(
            "CREATE TABLE gone1 (a); CREATE TRIGGER t_old AFTER INSERT ON maintainers BEGIN "
            "INSERT INTO gone1 VALUES (1); END; DROP TABLE gone1;");
    }
    void expect_failed_naming(const RunResult& result, const std::string& trigger) {
        EXPECT_EQ(result.exit_code, 1) << describe(result);
        EXPECT_CONTAINS(result.err, "trigger " + trigger +
                                        " on maintainers (INSERT) no longer "
                                        "compiles: no such table: ")
            << result.err;
        TestDb check(db(), true);
        EXPECT_FALSE(check.has_object(trigger)) << "the failed step was not rolled back";
        EXPECT_TRUE(check.has_object("t_old"));
        EXPECT_EQ(check.column("SELECT version FROM schema_migrations"),
                  std::vector<std::string>{"0001"});
    }
};

TEST_F(BrokenTriggerTest, ASecondBrokenTriggerOnTheSameTableFailsItsStep) {
    with_broken_trigger();
    write_migration("0002_t3.sql",
                    up_only("CREATE TABLE gone3 (a);\nCREATE TRIGGER t_3 AFTER INSERT ON "
                            "maintainers BEGIN INSERT INTO gone3 VALUES (1); END;\n"
                            "DROP TABLE gone3;"));
    expect_failed_naming(belay("migrate"), "t_3");
}

TEST_F(BrokenTriggerTest, ReplacingABrokenTriggerWithAnotherFailsTheStep) {
    with_broken_trigger();
    write_migration("0002_swap.sql",
                    up_only("DROP TRIGGER t_old;\nCREATE TABLE gone2 (a);\nCREATE TRIGGER t_new "
                            "AFTER INSERT ON maintainers BEGIN INSERT INTO gone2 VALUES (1); "
                            "END;\nDROP TABLE gone2;"));
    expect_failed_naming(belay("migrate"), "t_new");
}

TEST_F(BrokenTriggerTest, CheckNamesTheBrokenTrigger) {
    with_broken_trigger();
    auto before = list_dir(dir());
    auto result = belay("check");
    EXPECT_EQ(result.exit_code, 6) << describe(result);
    EXPECT_CONTAINS(result.out,
                    "triggers     trigger t_old on maintainers (INSERT) does not "
                    "compile: no such table: gone1\n")
        << result.out;
    EXPECT_EQ(list_dir(dir()), before);
    EXPECT_EQ(
        TestDb(db(), true).scalar("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"),
        "1");
}

}  // namespace
}  // namespace belay::testing
