// run_exec through the public API, as a program that wraps its own migration step uses it: the
// report's facts (the command's end, the schema's changes, the snapshot, the restore) and the
// errors before anything runs.
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <belay/belay.hpp>

#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay {
namespace {

namespace fs = std::filesystem;

class ExecApiTest : public ::testing::Test {
  protected:
    void SetUp() override { sql("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"); }

    fs::path db() const { return m_dir / "app.db"; }

    void sql(const std::string& statements) const {
        sqlite3* handle = nullptr;
        ASSERT_EQ(sqlite3_open(db().c_str(), &handle), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(handle, statements.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(handle);
    }

    bool has_table(const std::string& name) const {
        sqlite3* handle = nullptr;
        sqlite3_open_v2(db().c_str(), &handle, SQLITE_OPEN_READONLY, nullptr);
        sqlite3_stmt* statement = nullptr;
        sqlite3_prepare_v2(handle, "SELECT 1 FROM sqlite_schema WHERE name = ?", -1, &statement,
                           nullptr);
        sqlite3_bind_text(statement, 1, name.c_str(), -1, SQLITE_TRANSIENT);
        const bool found = sqlite3_step(statement) == SQLITE_ROW;
        sqlite3_finalize(statement);
        sqlite3_close(handle);
        return found;
    }

    ExecOptions options(std::vector<std::string> command) const {
        ExecOptions options;
        options.db.database = db();
        options.command = std::move(command);
        return options;
    }

    testing::TempDir m_dir;
};

TEST_F(ExecApiTest, ReportsTheCommandsEndTheChangesAndTheSnapshot) {
    auto report = run_exec(options({"sqlite3", "{db}", "CREATE TABLE tags (name TEXT)"}));
    ASSERT_TRUE(report.has_value()) << report.error().message;
    EXPECT_TRUE(report->succeeded());
    EXPECT_EQ(report->command.exit_status, 0);
    ASSERT_EQ(report->schema_changes.size(), 1u);
    EXPECT_EQ(report->schema_changes[0].kind, SchemaChange::Kind::added);
    EXPECT_EQ(report->schema_changes[0].name, "tags");
    ASSERT_TRUE(report->snapshot.has_value());
    EXPECT_TRUE(fs::exists(*report->snapshot));
    EXPECT_TRUE(has_table("tags"));
}

TEST_F(ExecApiTest, AFailedCommandAdvisesTheRestoreCall) {
    auto report =
        run_exec(options({"sh", "-c", "sqlite3 \"$BELAY_DB\" 'CREATE TABLE t (x)'; exit 4"}));
    ASSERT_TRUE(report.has_value()) << report.error().message;
    ASSERT_TRUE(report->error.has_value());
    EXPECT_EQ(report->error->code, ErrorCode::step_failed);
    EXPECT_EQ(report->command.exit_status, 4);
    ASSERT_TRUE(report->undo.has_value());
    EXPECT_EQ(report->undo->command, Command::restore);
    EXPECT_EQ(report->error->advised_call(), report->undo);
    EXPECT_TRUE(has_table("t"));
}

TEST_F(ExecApiTest, RestoreOnFailurePutsTheSnapshotBack) {
    auto wrapped = options({"sh", "-c", "sqlite3 \"$BELAY_DB\" 'CREATE TABLE t (x)'; exit 4"});
    wrapped.restore_on_failure = true;
    auto report = run_exec(wrapped);
    ASSERT_TRUE(report.has_value()) << report.error().message;
    ASSERT_TRUE(report->restored.has_value());
    EXPECT_FALSE(report->undo.has_value());
    EXPECT_FALSE(has_table("t"));
    EXPECT_TRUE(has_table("items"));
}

TEST_F(ExecApiTest, RefusesBeforeAnythingRuns) {
    auto missing = run_exec(options({"belay-test-no-such-program"}));
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, ErrorCode::invalid_input);
    EXPECT_CONTAINS(missing.error().message, "belay-test-no-such-program");

    auto empty = run_exec(options({}));
    ASSERT_FALSE(empty.has_value());
    EXPECT_EQ(empty.error().option(), Option::command);

    auto bad_timeout = options({"true"});
    bad_timeout.timeout = std::chrono::milliseconds(0);
    auto refused = run_exec(bad_timeout);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().option(), Option::timeout);

    auto bad_variable = options({"true"});
    bad_variable.environment = {{"A=B", "c"}};
    auto variable = run_exec(bad_variable);
    ASSERT_FALSE(variable.has_value());
    EXPECT_EQ(variable.error().option(), Option::environment);
    for (const auto& entry : fs::directory_iterator(m_dir.path())) {
        EXPECT_NE(entry.path().extension(), ".bak") << "a refused call took a snapshot";
    }
}

}  // namespace
}  // namespace belay
