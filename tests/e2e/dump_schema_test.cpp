// `db dump-schema`: a stable SQL dump ending with the history, and --check against the files.
#include <chrono>
#include <thread>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class DumpSchemaTest : public E2eTest {
  protected:
    void SetUp() override {
        write_migration("0001_users.sql", R"(-- +migrate Up
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
CREATE INDEX users_email ON users (email);
INSERT INTO users (email) VALUES ('rows are not part of the dump');
-- +migrate Down
DROP TABLE users;
)");
        write_migration("0002_view.sql", R"(-- +migrate Up
CREATE VIEW emails AS SELECT email FROM users;
CREATE TRIGGER users_no_blank BEFORE INSERT ON users WHEN NEW.email = ''
BEGIN SELECT RAISE(ABORT, 'blank email'); END;
)");
    }
    std::vector<std::vector<std::string>> user_schema(const fs::path& database) {
        return TestDb(database, true)
            .rows(
                "SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'belay_%' AND name <> 'schema_migrations' ORDER BY name");
    }
};

TEST_F(DumpSchemaTest, TheDumpIsStableAndLoadsIntoADatabaseAtTheSameVersion) {
    ASSERT_EQ(belay("migrate", {"-q"}).exit_code, 0);
    auto first = belay("dump-schema");
    ASSERT_EQ(first.exit_code, 0) << describe(first);
    EXPECT_EQ(belay("dump-schema").out, first.out) << "two dumps of one database differ";
    EXPECT_NOT_CONTAINS(first.out, "rows are not part") << "user rows are not dumped";

    const auto loaded = dir() / "loaded.db";
    TestDb(loaded).exec(first.out);
    EXPECT_EQ(user_schema(loaded), user_schema(db()));
    auto version = run_raw({"db", "version", "--db", loaded.string()});
    EXPECT_EQ(version.out, "0002\n") << describe(version);
    auto status = run_raw({"db", "status", "--exit-code", "--db", loaded.string(), "--migrations",
                           migrations().string()});
    EXPECT_EQ(status.exit_code, 0) << describe(status);
    auto check =
        run_raw({"db", "check", "--db", loaded.string(), "--migrations", migrations().string()});
    EXPECT_EQ(check.exit_code, 0) << "a loaded dump has no drift\n" << describe(check);
}

TEST_F(DumpSchemaTest, OutReplacesTheFileAndCheckComparesItWithTheMigrations) {
    ASSERT_EQ(belay("migrate", {"-q"}).exit_code, 0);
    write_file("schema.sql", "an old dump\n");
    auto written = belay("dump-schema", {"--out", (dir() / "schema.sql").string()});
    ASSERT_EQ(written.exit_code, 0) << describe(written);
    EXPECT_EQ(read_file(dir() / "schema.sql"), belay("dump-schema").out);
    auto fresh = run_raw(
        {"db", "dump-schema", "--check", "schema.sql", "--migrations", migrations().string()});
    EXPECT_EQ(fresh.exit_code, 0) << describe(fresh);
    EXPECT_CONTAINS(fresh.out, "matches the migrations") << fresh.out;

    write_migration("0003_posts.sql", "-- +migrate Up\nCREATE TABLE posts (id INTEGER);\n");
    auto stale = run_raw({"db", "dump-schema", "--check", "schema.sql", "--migrations",
                          migrations().string(), "--json"});
    EXPECT_EQ(stale.exit_code, 6) << describe(stale);
    const auto differences = stale.json().at("differences").dump();
    EXPECT_CONTAINS(differences, "missing schema line: CREATE TABLE posts (id INTEGER);")
        << differences;
    EXPECT_CONTAINS(differences, "missing history version: 0003") << differences;
}

TEST_F(DumpSchemaTest, AHandMadeChangeShowsUpInTheCheck) {
    ASSERT_EQ(belay("migrate", {"-q"}).exit_code, 0);
    TestDb(db()).exec("ALTER TABLE users ADD COLUMN nick TEXT;");
    ASSERT_EQ(belay("dump-schema", {"--out", (dir() / "schema.sql").string()}).exit_code, 0);
    auto check = run_raw(
        {"db", "dump-schema", "--check", "schema.sql", "--migrations", migrations().string()});
    EXPECT_EQ(check.exit_code, 6) << describe(check);
    EXPECT_CONTAINS(check.out, "extra schema line: CREATE TABLE users") << check.out;
}

// Whatever a hand could add to the file changes what `sqlite3 new.db < schema.sql` builds, so
// the check sees it: after COMMIT, in the history part, and behind a history row on its line.
TEST_F(DumpSchemaTest, StatementsAddedAnywhereInTheFileAreDifferences) {
    ASSERT_EQ(belay("migrate", {"-q"}).exit_code, 0);
    const auto dump = belay("dump-schema");
    ASSERT_EQ(dump.exit_code, 0) << describe(dump);
    const auto check = [&](const std::string& text) {
        write_file("schema.sql", text);
        return run_raw(
            {"db", "dump-schema", "--check", "schema.sql", "--migrations", migrations().string()});
    };
    // The comments above the script say who wrote it: another writer is no difference.
    auto rewritten = dump.out;
    rewritten.replace(0, rewritten.find('\n'), "-- Schema written by hand, once");
    auto same = check(rewritten);
    EXPECT_EQ(same.exit_code, 0) << describe(same);

    auto after_commit = check(dump.out + "DROP TABLE users; CREATE TABLE evil (a);\n");
    EXPECT_EQ(after_commit.exit_code, 6) << describe(after_commit);
    EXPECT_CONTAINS(after_commit.out, "extra line: DROP TABLE users; CREATE TABLE evil (a);")
        << after_commit.out;

    const auto marker = dump.out.find("-- belay's history");
    ASSERT_NE(marker, std::string::npos) << dump.out;
    const auto after_marker = dump.out.find('\n', marker) + 1;
    auto in_history = dump.out;
    in_history.insert(after_marker, "DROP VIEW emails;\n");
    auto history_part = check(in_history);
    EXPECT_EQ(history_part.exit_code, 6) << describe(history_part);
    EXPECT_CONTAINS(history_part.out, "extra line: DROP VIEW emails;") << history_part.out;

    auto behind_a_row = dump.out;
    const auto row_end =
        behind_a_row.find(");\n", behind_a_row.find("INSERT INTO \"schema_migrations\""));
    ASSERT_NE(row_end, std::string::npos) << dump.out;
    behind_a_row.insert(row_end + 2, " DROP TABLE users;");
    auto hidden = check(behind_a_row);
    EXPECT_EQ(hidden.exit_code, 6) << describe(hidden);
    EXPECT_CONTAINS(hidden.out, "DROP TABLE users;") << hidden.out;
    EXPECT_CONTAINS(hidden.out, "missing history version: 0001") << hidden.out;
}

// Every value of the history and of belay_schema is the same wherever the files were applied, and
// `db status` and `db check` read them: a changed one is a difference. So are a blank line taken
// out of a multi-line string, and line endings a checkout turned into CRLF (said once).
TEST_F(DumpSchemaTest, HistoryValuesBlankLinesAndLineEndingsAreCompared) {
    write_migration("0003_notes.sql",
                    "-- +migrate Up\nCREATE TABLE notes (body TEXT DEFAULT 'one\n\nthree');\n");
    ASSERT_EQ(belay("migrate", {"-q"}).exit_code, 0);
    const auto dump = belay("dump-schema").out;
    const auto check = [&](std::string text) {
        write_file("schema.sql", text);
        return run_raw(
            {"db", "dump-schema", "--check", "schema.sql", "--migrations", migrations().string()});
    };
    const auto replaced = [&](const std::string& from, const std::string& to) {
        auto text = dump;
        const auto at = text.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        return at == std::string::npos ? text : text.replace(at, from.size(), to);
    };
    auto renamed = check(replaced("VALUES ('0001', 'users'", "VALUES ('0001', 'people'"));
    EXPECT_EQ(renamed.exit_code, 6) << describe(renamed);
    EXPECT_CONTAINS(renamed.out, "changed history row: INSERT INTO \"schema_migrations\"")
        << renamed.out;
    EXPECT_NOT_CONTAINS(renamed.out, "history version") << renamed.out;

    auto same = check(dump);
    EXPECT_EQ(same.exit_code, 0) << "a multi-line string dumps as it loads\n" << describe(same);
    auto drifted = dump;
    const auto row = drifted.find("'table', 'users', 'users', 'CREATE TABLE users (");
    ASSERT_NE(row, std::string::npos) << dump;
    drifted.insert(drifted.find(");\n", row), ", evil TEXT");
    auto changed_record = check(drifted);
    EXPECT_EQ(changed_record.exit_code, 6) << describe(changed_record);
    EXPECT_CONTAINS(changed_record.out, "extra line: INSERT INTO belay_schema")
        << changed_record.out;

    auto blank = check(replaced("'one\n\nthree'", "'one\nthree'"));
    EXPECT_EQ(blank.exit_code, 6) << describe(blank);
    EXPECT_CONTAINS(blank.out, "missing schema line: (a blank line)") << blank.out;

    std::string crlf;
    for (const char c : dump) {
        crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    }
    auto converted = check(crlf);
    EXPECT_EQ(converted.exit_code, 6) << describe(converted);
    EXPECT_CONTAINS(converted.out, "the file has CRLF line endings, belay writes LF")
        << converted.out;
    EXPECT_NOT_CONTAINS(converted.out, "schema line") << "only the line endings differ\n"
                                                      << converted.out;
}

TEST_F(DumpSchemaTest, TwoDatabasesMigratedFromTheSameFilesDumpTheSame) {
    ASSERT_EQ(belay("migrate", {"-q"}).exit_code, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // other applied_at times
    const auto other = dir() / "other.db";
    ASSERT_EQ(
        run_raw({"db", "migrate", "--db", other.string(), "--migrations", migrations().string()})
            .exit_code,
        0);
    auto mine = belay("dump-schema");
    auto theirs = run_raw(
        {"db", "dump-schema", "--db", other.string(), "--migrations", migrations().string()});
    ASSERT_EQ(theirs.exit_code, 0) << describe(theirs);
    EXPECT_EQ(mine.out, theirs.out) << "a committed schema.sql would churn between machines";
}

TEST_F(DumpSchemaTest, FullTextSearchTablesLoadWithoutTheirShadowTables) {
    write_migration("0003_search.sql",
                    "-- +migrate Up\nCREATE VIRTUAL TABLE search USING fts5(body);\n");
    ASSERT_EQ(belay("migrate", {"-q"}).exit_code, 0);
    auto dump = belay("dump-schema");
    ASSERT_EQ(dump.exit_code, 0) << describe(dump);
    EXPECT_NOT_CONTAINS(dump.out, "\nCREATE TABLE 'search_config'")
        << "FTS5 makes its shadow tables itself\n"
        << dump.out;
    const auto loaded = dir() / "loaded.db";
    TestDb(loaded).exec(dump.out);
    EXPECT_EQ(user_schema(loaded), user_schema(db()));
}

TEST_F(DumpSchemaTest, AMissingDatabaseIsAUsageError) {
    auto result = belay("dump-schema");
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_FALSE(fs::exists(db()));
}

// --check of a file that is not there says so (not "check its permissions") and how to write
// it; --out into a directory that does not exist names the path given, not belay's temporary.
TEST_F(DumpSchemaTest, AMissingCheckFileOrOutDirectoryIsNamedAsGiven) {
    auto check = run_raw(
        {"db", "dump-schema", "--check", "nope.sql", "--migrations", migrations().string()});
    EXPECT_EQ(check.exit_code, 2) << describe(check);
    EXPECT_CONTAINS(check.err,
                    "nope.sql does not exist, so there is no schema file to check; write it with "
                    "`belay db dump-schema --out nope.sql` (and commit it), or check the path")
        << check.err;
    EXPECT_NOT_CONTAINS(check.err, "permissions") << check.err;

    ASSERT_EQ(belay("migrate", {"-q"}).exit_code, 0);
    auto out = belay("dump-schema", {"--out", "missing-dir/s.sql"});
    EXPECT_EQ(out.exit_code, 2) << describe(out);
    EXPECT_CONTAINS(out.err, "missing-dir/s.sql: No such file or directory") << out.err;
    EXPECT_NOT_CONTAINS(out.err, ".tmp-") << out.err;
    EXPECT_FALSE(fs::exists(dir() / "missing-dir"));
}

// breakit: `db dump-schema --json` printed the SQL, not JSON, though commands.md lists --json
// for it. It prints one document: the dump in `sql`, or with --out the file in `out`.
TEST_F(DumpSchemaTest, JsonIsOneDocumentHoldingTheDumpOrTheFileWritten) {
    ASSERT_EQ(belay("migrate", {"-q"}).exit_code, 0);
    const auto text = belay("dump-schema").out;
    auto printed = belay("dump-schema", {"--json"});
    ASSERT_EQ(printed.exit_code, 0) << describe(printed);
    const auto document = printed.json();
    EXPECT_EQ(document.at("sql"), text);
    EXPECT_TRUE(document.at("out").is_null()) << document.dump();
    EXPECT_EQ(document.at("notes"), nlohmann::json::array());

    auto written = belay("dump-schema", {"--json", "--out", "schema.sql"});
    ASSERT_EQ(written.exit_code, 0) << describe(written);
    const auto file = written.json();
    EXPECT_EQ(file.at("out"), "schema.sql");
    EXPECT_TRUE(file.at("sql").is_null()) << file.dump();
    EXPECT_EQ(file.at("notes"), nlohmann::json::array({"wrote schema.sql"}));
    EXPECT_EQ(read_file(dir() / "schema.sql"), text);
}

}  // namespace
}  // namespace belay::testing
