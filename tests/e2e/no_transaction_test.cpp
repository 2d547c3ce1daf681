// Statements that cannot run inside a transaction: refused before anything is touched in a
// transactional migration, run as written under `-- +migrate NoTransaction`.
#include <cctype>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

// A statement, and the word the refusal message must use for it.
using RefusedCase = std::pair<std::string, std::string>;

class NoTransactionTest : public E2eTest, public ::testing::WithParamInterface<RefusedCase> {};

TEST_P(NoTransactionTest, RefusedInATransactionalMigrationBeforeTheDatabaseIsTouched) {
    const auto& [statement, named] = GetParam();
    write_migration("0001_fine.sql", up_only("CREATE TABLE fine (x);"));
    write_migration("0002_refused.sql",
                    "-- +migrate Up\nCREATE TABLE t (x);\n\n" + statement + "\n");
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "0002_refused.sql:4") << result.err;
    EXPECT_CONTAINS(result.err, named) << result.err;
    EXPECT_CONTAINS(result.err, "NoTransaction") << result.err;
    EXPECT_FALSE(fs::exists(db())) << "the database was created although the files are invalid";
    EXPECT_FALSE(fs::exists(dir() / "app.db.belay-lock"));

    auto dry = belay("migrate", {"--dry-run"});
    EXPECT_EQ(dry.exit_code, 2) << describe(dry);
    auto status = belay("status");
    EXPECT_EQ(status.exit_code, 2) << describe(status);
    EXPECT_FALSE(fs::exists(db()));
}

INSTANTIATE_TEST_SUITE_P(
    Statements, NoTransactionTest,
    ::testing::Values(RefusedCase{"VACUUM;", "VACUUM"},
                      RefusedCase{"VACUUM INTO 'copy.db';", "VACUUM INTO"},
                      RefusedCase{"PRAGMA journal_mode = WAL;", "journal_mode"},
                      RefusedCase{"DETACH other;", "DETACH"}, RefusedCase{"BEGIN;", "BEGIN"},
                      RefusedCase{"begin transaction;", "BEGIN"}, RefusedCase{"COMMIT;", "COMMIT"},
                      RefusedCase{"END TRANSACTION;", "END"}, RefusedCase{"ROLLBACK;", "ROLLBACK"},
                      RefusedCase{"SAVEPOINT sp;", "SAVEPOINT"},
                      RefusedCase{"RELEASE sp;", "RELEASE"}),
    [](const auto& param_info) {
        std::string name;
        for (const char c : param_info.param.first) {
            if (std::isalnum(static_cast<unsigned char>(c))) {
                name += c;
            }
        }
        return name + "_" + std::to_string(param_info.index);
    });

class NoTransactionRunTest : public E2eTest {};

TEST_F(NoTransactionRunTest, RefusedStatementInVerifyIsAlsoCaught) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);", "VACUUM;"));
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "0001_a.sql:5") << result.err;
    EXPECT_FALSE(fs::exists(db()));
}

TEST_F(NoTransactionRunTest, JournalModeRunsUnderNoTransaction) {
    write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
    write_migration("0002_wal.sql",
                    "-- +migrate NoTransaction\n-- +migrate Up\n"
                    "PRAGMA journal_mode = WAL;\n");
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(TestDb(db(), true).scalar("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
    auto status = belay("status", {"--json"});
    EXPECT_EQ(status.json()["migrations"][1]["status"], "applied") << status.out;
}

TEST_F(NoTransactionRunTest, VacuumRunsUnderSqlMigratesSpelling) {
    write_migration(
        "0001_fill.sql",
        up_only("CREATE TABLE blobs (b BLOB);\n"
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200)\n"
                "INSERT INTO blobs SELECT randomblob(4000) FROM c;\n"
                "DELETE FROM blobs;"));
    ASSERT_EQ(belay("migrate").exit_code, 0);
    ASSERT_GT(std::stoll(TestDb(db(), true).scalar("PRAGMA freelist_count")), 100);
    write_migration("0002_vacuum.sql", "-- +migrate Up notransaction\nVACUUM;\n");
    auto result = belay("migrate");
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(TestDb(db(), true).scalar("PRAGMA freelist_count"), "0") << "VACUUM did not run";
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
}

// A Down without a transaction, then the Up of the same version in the same run (redo, and
// refresh): the Up runs. It was taken for applied by another run meanwhile and skipped, leaving
// the database a version behind with exit 0.
TEST_F(NoTransactionRunTest, RedoAndRefreshApplyAgainWhatADownWithoutATransactionReverted) {
    write_migration("0001_t.sql",
                    "-- +migrate Up\nCREATE TABLE t (x);\n"
                    "-- +migrate Down notransaction\nDROP TABLE t;\n");
    ASSERT_EQ(belay("migrate", {"--no-backup"}).exit_code, 0);
    for (const std::string command : {"redo", "refresh"}) {
        auto run = command == "redo" ? belay(command, {"--no-backup"})
                                     : belay(command, {"--no-backup", "--yes"});
        ASSERT_EQ(run.exit_code, 0) << describe(run);
        EXPECT_CONTAINS(run.out, "  applied      0001_t  ") << command << "\n" << run.out;
        EXPECT_NOT_CONTAINS(run.out + run.err, "skipped") << command;
        EXPECT_TRUE(TestDb(db(), true).has_object("t")) << command;
        EXPECT_EQ(applied_versions(), std::vector<std::string>{"0001"}) << command;
    }
}

TEST_F(NoTransactionRunTest, ForeignKeysPragmaIsNotRefused) {
    write_migration("0001_a.sql", up_only("PRAGMA foreign_keys = OFF;\nCREATE TABLE a (x);\n"
                                          "PRAGMA foreign_keys = ON;"));
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_TRUE(TestDb(db(), true).has_object("a"));
}

TEST_F(NoTransactionRunTest, KeywordsInsideStringsAndCommentsAreNotRefused) {
    write_migration("0001_a.sql", R"(-- +migrate Up
/* We used to run VACUUM; here. BEGIN; COMMIT; */
CREATE TABLE words (w TEXT);
INSERT INTO words VALUES ('VACUUM; BEGIN; PRAGMA journal_mode = WAL;');
CREATE TABLE "begin" (x);
)");
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(TestDb(db(), true).scalar("SELECT w FROM words"),
              "VACUUM; BEGIN; PRAGMA journal_mode = WAL;");
}

}  // namespace
}  // namespace belay::testing
