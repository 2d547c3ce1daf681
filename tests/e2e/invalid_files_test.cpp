// Invalid migration files: every problem is reported together, naming file and line, with exit
// status 2, before any database is opened or created.
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class InvalidFilesTest : public E2eTest {
  protected:
    void SetUp() override { write_migration("0001_ok.sql", up_only("CREATE TABLE ok (x);")); }

    // Runs migrate, status and a dry run; each must exit 2 naming every `expected` text.
    void expect_rejected(const std::vector<std::string>& expected) {
        for (const auto& extra : std::vector<std::vector<std::string>>{{}, {"--dry-run"}}) {
            auto result = belay("migrate", extra);
            EXPECT_EQ(result.exit_code, 2) << describe(result);
            for (const auto& text : expected) {
                EXPECT_CONTAINS(result.err, text) << text << "\n" << result.err;
            }
        }
        EXPECT_EQ(belay("status").exit_code, 2);
        EXPECT_FALSE(fs::exists(db())) << "the database was created for invalid files";
        EXPECT_FALSE(fs::exists(dir() / "app.db.belay-lock"));
    }
};

TEST_F(InvalidFilesTest, MisnamedFilesAreNamedAndDocumentationIsIgnored) {
    write_migration("0002-oops.sql", up_only("SELECT 1;"));
    write_migration("0003_shouting.SQL", up_only("SELECT 1;"));
    write_migration("README.md", "# not a migration; 0004_x.sql\n");
    write_migration("notes.txt", "scratch\n");
    write_migration(".gitkeep", "");
    fs::create_directories(migrations() / "archive");
    expect_rejected({"0002-oops.sql", "0003_shouting.SQL"});
    auto result = belay("migrate");
    EXPECT_NOT_CONTAINS(result.err, "README.md") << result.err;
    EXPECT_NOT_CONTAINS(result.err, "notes.txt") << result.err;
}

// A refusal quoting a line of a file that is not UTF-8 (Latin-1, say) escapes the bad byte, so
// the message itself stays UTF-8 for terminals and log shippers.
TEST_F(InvalidFilesTest, AQuotedLineThatIsNotUtf8IsEscapedInTheMessage) {
    write_migration("0002_a.sql", "-- +migrate Up\nSELECT 1;\n-- +migrate D\xe9wn\n");
    auto result = belay("status");
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "-- +migrate D\\xe9wn") << result.err;
    EXPECT_EQ(result.err.find('\xe9'), std::string::npos) << "no raw byte";
}

// Two files each saved with a byte-order mark, joined into one: the file starts with a mark, and
// another stands before its Down. The file is still its layout's (not sqlx's, run whole), and the
// hidden Down is refused: nothing runs, in a folder of that layout or alone.
TEST_F(InvalidFilesTest, AJoinedFileWithAMarkBeforeItsDownIsRefusedNotRunWhole) {
    const std::string bom = "\xEF\xBB\xBF";
    write_migration("0002_users.sql", bom + "-- +migrate Up\nCREATE TABLE users (id);\n" + bom +
                                          "-- +migrate Down\nDROP TABLE users;\n");
    expect_rejected({"0002_users.sql:3: '-- +migrate Down' holds an invisible character (U+FEFF)"});
    fs::remove(migrations() / "0001_ok.sql");
    expect_rejected({"0002_users.sql:3: '-- +migrate Down' holds an invisible character (U+FEFF)"});
}

TEST_F(InvalidFilesTest, SameNumericVersionTwiceNamesBothFiles) {
    write_migration("0007_a.sql", up_only("CREATE TABLE a (x);"));
    write_migration("7_b.sql", up_only("CREATE TABLE b (x);"));
    expect_rejected({"0007_a.sql", "7_b.sql"});
}

TEST_F(InvalidFilesTest, MissingUpSection) {
    write_migration("0002_no_up.sql", "CREATE TABLE a (x);\n");
    expect_rejected({"0002_no_up.sql", "Up"});
}

TEST_F(InvalidFilesTest, EveryProblemOfEveryFileIsReportedTogether) {
    write_migration("0002_unknown.sql",
                    "-- +migrate Up\nCREATE TABLE b (x);\n-- +migrate Sideways\n");
    write_migration("0003_sql_first.sql", "SELECT 1;\n-- +migrate Up\nCREATE TABLE c (x);\n");
    write_migration("0004_unpaired.sql",
                    "-- +migrate Up\n-- +migrate StatementBegin\nCREATE TABLE d (x);\n");
    write_migration("0005_timeout.sql", "-- +migrate Timeout soon\n-- +migrate Up\nSELECT 1;\n");
    write_migration("0006_cut_statement.sql",
                    "-- +migrate Up\nSELECT 1;\n-- +migrate Down\nSELECT 2\n-- +migrate Down\n");
    expect_rejected({"0002_unknown.sql:3", "Sideways", "0003_sql_first.sql:1",
                     "0004_unpaired.sql:2", "StatementEnd", "0005_timeout.sql:1",
                     "0006_cut_statement.sql:4"});
}

TEST_F(InvalidFilesTest, MigrationsPathThatIsAFile) {
    write_file("not_a_dir", "x");
    auto result = run_raw({"db", "migrate", "--db", db().string(), "--migrations", "not_a_dir"});
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "not_a_dir") << result.err;
    EXPECT_FALSE(fs::exists(db()));
}

TEST_F(InvalidFilesTest, DirectiveSpellingsOfSqlMigrateAreAccepted) {
    write_migration("0002_spelling.sql", R"(--+migrate up
CREATE TABLE spelled (x);
  --   +migrate   StatementBegin
CREATE TRIGGER spelled_t AFTER INSERT ON spelled BEGIN SELECT 1; END;
-- +migrate statementend
--  +Migrate DOWN
DROP TABLE spelled;
)");
    auto result = belay("migrate");
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_TRUE(TestDb(db(), true).has_object("spelled_t"));
}

}  // namespace
}  // namespace belay::testing
