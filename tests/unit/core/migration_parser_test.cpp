#include "core/migration_parser.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/checksum.hpp"
#include "support/expect.hpp"

namespace belay {
namespace {

using namespace std::chrono_literals;
using namespace std::string_view_literals;

// Returns line `n` (0-based) of `text`, without its newline.
std::string line_of(const std::string& text, std::size_t n) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < n; ++i) {
        start = text.find('\n', start);
        if (start == std::string::npos) {
            return "<no such line>";
        }
        ++start;
    }
    return text.substr(start, text.find('\n', start) - start);
}

Migration parse_ok(std::string_view contents, std::string_view file = "0001_test.sql") {
    auto migration = parse_migration(std::filesystem::path("db") / file, contents);
    if (!migration) {
        ADD_FAILURE() << migration.error().message;
        return *parse_migration("0_failed.sql", "-- +migrate Up\n");
    }
    return std::move(*migration);
}

std::string parse_error(std::string_view contents, std::string_view file = "0001_test.sql") {
    auto migration = parse_migration(std::filesystem::path("db") / file, contents);
    if (migration) {
        ADD_FAILURE() << "expected a parse error for:\n" << contents;
        return {};
    }
    EXPECT_EQ(migration.error().code, ErrorCode::invalid_input);
    return migration.error().message;
}

TEST(ParseMigrationFileName, SplitsVersionAndName) {
    const auto parsed = parse_migration_file_name("0001_create_users.sql");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->first.text(), "0001");
    EXPECT_EQ(parsed->second, "create_users");

    const auto long_version = parse_migration_file_name("20150100000001000000_add.index.sql");
    ASSERT_TRUE(long_version.has_value());
    EXPECT_EQ(long_version->first.text(), "20150100000001000000");
    EXPECT_EQ(long_version->second, "add.index");
}

TEST(ParseMigrationFileName, RejectsEverythingElse) {
    for (const std::string_view bad : {"0001_create_users.SQL", "0001_create_users", "0001.sql",
                                       "0001_.sql", "_users.sql", "v1_users.sql", "1a_users.sql",
                                       "0001_users.sql.bak", "README.md", ".sql", "0001-x.sql"}) {
        EXPECT_FALSE(parse_migration_file_name(bad).has_value()) << bad;
    }
}

TEST(ParseMigration, FillsEveryField) {
    const std::string text =
        "-- Creates the users table.\n"       // 1
        "-- +migrate Up\n"                    // 2
        "CREATE TABLE users (id INTEGER);\n"  // 3
        "\n"                                  // 4
        "-- +migrate Down\n"                  // 5
        "DROP TABLE users;\n"                 // 6
        "-- +migrate Verify\n"                // 7
        "SELECT count(*) FROM users;\n";      // 8
    const Migration m = parse_ok(text, "0042_create_users.sql");
    EXPECT_EQ(m.version.text(), "0042");
    EXPECT_EQ(m.name, "create_users");
    EXPECT_EQ(m.path, std::filesystem::path("db/0042_create_users.sql"));
    EXPECT_TRUE(m.up.present);
    EXPECT_EQ(m.up.first_line, 3);
    EXPECT_EQ(m.up.sql, "CREATE TABLE users (id INTEGER);\n\n");
    EXPECT_TRUE(m.down.present);
    EXPECT_EQ(m.down.first_line, 6);
    EXPECT_EQ(m.down.sql, "DROP TABLE users;\n");
    EXPECT_TRUE(m.verify.present);
    EXPECT_EQ(m.verify.first_line, 8);
    EXPECT_EQ(m.verify.sql, "SELECT count(*) FROM users;\n");
    EXPECT_FALSE(m.up_no_transaction);
    EXPECT_FALSE(m.down_no_transaction);
    EXPECT_FALSE(m.timeout.has_value());
    EXPECT_EQ(m.checksum, sha256_hex(text));
}

TEST(ParseMigration, OnlyUpIsRequired) {
    const Migration m = parse_ok("-- +migrate Up\nCREATE TABLE t (id INTEGER);");
    EXPECT_EQ(m.up.sql, "CREATE TABLE t (id INTEGER);\n");
    EXPECT_FALSE(m.down.present);
    EXPECT_EQ(m.down.first_line, 0);
    EXPECT_FALSE(m.verify.present);
}

TEST(ParseMigration, SectionsMayComeInAnyOrder) {
    const Migration m =
        parse_ok("-- +migrate Down\nDROP TABLE t;\n-- +migrate Up\nCREATE TABLE t (a);\n");
    EXPECT_EQ(m.down.first_line, 2);
    EXPECT_EQ(m.up.first_line, 4);
    EXPECT_EQ(m.up.sql, "CREATE TABLE t (a);\n");
}

TEST(ParseMigration, DirectiveLinesKeepTheirLinesSoLineNumbersStayRight) {
    const std::string text =
        "-- +migrate Up\n"                            // 1
        "CREATE TABLE a (id INTEGER);\n"              // 2
        "-- +migrate StatementBegin\n"                // 3
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n"  // 4
        "  UPDATE a SET id = id WHERE 0;\n"           // 5
        "END;\n"                                      // 6
        "-- +migrate StatementEnd\n"                  // 7
        "  -- +migrate Timeout 3\n"                   // 8
        "CREATE TABLE b (id INTEGER);\n"              // 9
        "-- +migrate Down\n";                         // 10
    const Migration m = parse_ok(text);
    EXPECT_EQ(m.up.first_line, 2);
    EXPECT_EQ(line_of(m.up.sql, 0), "CREATE TABLE a (id INTEGER);");
    EXPECT_EQ(line_of(m.up.sql, 1), "");  // StatementBegin
    EXPECT_EQ(line_of(m.up.sql, 4 - 2), "CREATE TRIGGER t AFTER INSERT ON a BEGIN");
    // StatementEnd ends the statement, as in sql-migrate, even after a bare END.
    EXPECT_EQ(line_of(m.up.sql, 7 - 2), ";");
    EXPECT_EQ(line_of(m.up.sql, 9 - 2), "CREATE TABLE b (id INTEGER);");
    EXPECT_EQ(std::ranges::count(m.up.sql, '\n'), 8) << "the Down marker is not in the Up text";
    EXPECT_TRUE(m.down.present);
    EXPECT_EQ(m.down.first_line, 11);
    EXPECT_EQ(m.down.sql, "");
    EXPECT_EQ(m.timeout, 3000ms);
}

TEST(ParseMigration, KeepsTriggerBodiesAndSemicolonsInStringsIntact) {
    const std::string body =
        "CREATE TRIGGER audit AFTER UPDATE ON users BEGIN\n"
        "  INSERT INTO log (msg) VALUES ('changed; see -- +migrate docs');\n"
        "  SELECT RAISE(ROLLBACK, 'no; never');\n"
        "END;\n"
        "INSERT INTO t VALUES ('a;b', \"c;d\");\n";
    const Migration m = parse_ok("-- +migrate Up\n" + body);
    EXPECT_EQ(m.up.sql, body);
}

TEST(ParseMigration, CrlfFileParsesLikeLfAndHasTheSameChecksum) {
    const std::string lf = "-- +migrate Up notransaction\nVACUUM;\n-- +migrate Down\nSELECT 1;\n";
    std::string crlf;
    for (const char c : lf) {
        crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    }
    const Migration from_lf = parse_ok(lf);
    const Migration from_crlf = parse_ok(crlf);
    EXPECT_EQ(from_crlf.up.sql, "VACUUM;\n");
    EXPECT_EQ(from_crlf.down.sql, "SELECT 1;\n");
    EXPECT_EQ(from_crlf.down.first_line, 4);
    EXPECT_TRUE(from_crlf.up_no_transaction);
    EXPECT_EQ(from_crlf.checksum, from_lf.checksum);
}

TEST(ParseMigration, StripsAUtf8ByteOrderMark) {
    const Migration m = parse_ok("\xEF\xBB\xBF-- +migrate Up\nSELECT 1;\n");
    EXPECT_EQ(m.up.first_line, 2);
    EXPECT_EQ(m.up.sql, "SELECT 1;\n");
}

TEST(ParseMigration, AcceptsLenientDirectiveSpellings) {
    const Migration m =
        parse_ok("--+migrate up\nSELECT 1;\n\t--   +MIGRATE   DOWN   -- the reverse\nSELECT 2;\n");
    EXPECT_EQ(m.up.sql, "SELECT 1;\n");
    EXPECT_EQ(m.down.sql, "SELECT 2;\n");
}

TEST(ParseMigration, EveryBlankMayStandBetweenTheDashesAndTheMarker) {
    const Migration m = parse_ok("-- \t\f\v+MiGrAtE Up\nSELECT 1;\n--\r+migrate Down\nSELECT 2;\n");
    EXPECT_EQ(m.up.sql, "SELECT 1;\n");
    EXPECT_EQ(m.down.sql, "SELECT 2;\n");
}

TEST(ParseTranslatedMigration, ParsesTheTranslationAndChecksumsTheFileAsWritten) {
    const std::string written = "-- migrate:up\r\nCREATE TABLE t (id INTEGER);\r\n";
    const std::string translated = "-- +migrate Up\r\nCREATE TABLE t (id INTEGER);\r\n";
    auto m = parse_translated_migration("db/0007_t.sql", translated, written);
    ASSERT_TRUE(m.has_value()) << m.error().message;
    EXPECT_EQ(m->version.text(), "0007");
    EXPECT_EQ(m->name, "t");
    EXPECT_EQ(m->up.sql, "CREATE TABLE t (id INTEGER);\n");
    EXPECT_EQ(m->up.first_line, 2);
    EXPECT_EQ(m->checksum, migration_checksum(written));
    EXPECT_NE(m->checksum, migration_checksum(translated));
}

TEST(ParseTranslatedMigration, ReportsProblemsOfTheTranslationWithItsLines) {
    auto m = parse_translated_migration("db/0007_t.sql", "SELECT 1;\n-- +migrate Up\n",
                                        "SELECT 1;\n-- migrate:up\n");
    ASSERT_FALSE(m.has_value());
    EXPECT_CONTAINS(m.error().message, "db/0007_t.sql:1: SQL before the first");
    // The file and line are facts of the error too, not only words of its message.
    EXPECT_EQ(m.error().subject.path, std::filesystem::path("db/0007_t.sql"));
    EXPECT_EQ(m.error().subject.line, 1);
}

TEST(ParseMigration, NoTransactionSpellings) {
    const Migration up_only = parse_ok("-- +migrate Up notransaction\nVACUUM;\n-- +migrate Down\n");
    EXPECT_TRUE(up_only.up_no_transaction);
    EXPECT_FALSE(up_only.down_no_transaction);

    const Migration down_only = parse_ok("-- +migrate Up\n-- +migrate Down NoTransaction\n");
    EXPECT_FALSE(down_only.up_no_transaction);
    EXPECT_TRUE(down_only.down_no_transaction);

    const Migration both =
        parse_ok("-- header\n-- +migrate NoTransaction\n-- +migrate Up\nVACUUM;\n");
    EXPECT_TRUE(both.up_no_transaction);
    EXPECT_TRUE(both.down_no_transaction);

    const Migration at_the_end = parse_ok("-- +migrate Up\nVACUUM;\n-- +migrate notransaction\n");
    EXPECT_TRUE(at_the_end.up_no_transaction);
    EXPECT_EQ(at_the_end.up.sql, "VACUUM;\n\n");
}

TEST(ParseMigration, Timeout) {
    EXPECT_EQ(parse_ok("-- +migrate Timeout 30\n-- +migrate Up\n").timeout, 30000ms);
    EXPECT_EQ(parse_ok("-- +migrate Up\n-- +migrate timeout 2.5\n").timeout, 2500ms);
    EXPECT_EQ(parse_ok("-- +migrate Up\n-- +migrate Timeout .25\n").timeout, 250ms);
    for (const std::string_view bad :
         {"0", "-1", "abc", "1e3", "2.5s", "1.2.3", "0.0001", "", "1 2", "99999999999"}) {
        const std::string message = parse_error("-- +migrate Up\nSELECT 1;\n-- +migrate Timeout " +
                                                std::string(bad) + "\n");
        EXPECT_CONTAINS(message, "db/0001_test.sql:3: ");
        EXPECT_CONTAINS(message, "positive number of seconds");
    }
    EXPECT_CONTAINS(parse_error("-- +migrate Timeout 1\n-- +migrate Up\n-- +migrate Timeout 2\n"),
                    "db/0001_test.sql:3: a second Timeout (the first is on line 1)");
}

TEST(ParseMigration, EmptyOrCommentOnlyUpIsADeliberateNoOp) {
    const Migration empty = parse_ok("-- +migrate Up\n");
    EXPECT_TRUE(empty.up.present);
    EXPECT_EQ(empty.up.sql, "");
    EXPECT_EQ(empty.up.first_line, 2);

    const Migration commented = parse_ok("-- +migrate Up\n-- nothing to do here\n/* really */\n");
    EXPECT_TRUE(commented.up.present);
    EXPECT_EQ(commented.up.sql, "-- nothing to do here\n/* really */\n");
}

TEST(ParseMigration, MissingUpIsAnError) {
    const std::string expected =
        "db/0001_test.sql: no '-- +migrate Up' section; every migration needs one (it may be "
        "empty for a deliberate no-op)";
    EXPECT_EQ(parse_error(""), expected);
    EXPECT_EQ(parse_error("-- +migrate Down\nDROP TABLE t;\n"), expected);
    EXPECT_EQ(parse_error("CREATE TABLE t (id INTEGER);\n"), expected);
    EXPECT_EQ(parse_error("-- +goose Up\nCREATE TABLE t (id INTEGER);\n"), expected);
}

TEST(ParseMigration, SqlBeforeTheFirstMarkerIsAnErrorNamingItsLine) {
    const std::string message = parse_error(
        "-- header\n/* license;\n text */\n\nCREATE TABLE t (id INTEGER);\n-- +migrate Up\n");
    EXPECT_CONTAINS(message, "db/0001_test.sql:5: SQL before the first '-- +migrate' section");
    EXPECT_EQ(std::ranges::count(message, '\n'), 0) << message;
}

TEST(ParseMigration, SeveralUpAndDownBlocksRunInFileOrderKeepingTheirLines) {
    const Migration m = parse_ok(
        "-- +migrate Up\nCREATE TABLE a (id);\n-- +migrate Down\nDROP TABLE a;\n"
        "-- +migrate Up notransaction\nCREATE TABLE b (id);\n-- +migrate Down\nDROP TABLE b;\n");
    EXPECT_EQ(m.up.first_line, 2);
    EXPECT_EQ(m.up.sql, "CREATE TABLE a (id);\n\n\n\nCREATE TABLE b (id);\n");
    EXPECT_EQ(line_of(m.up.sql, 6 - 2), "CREATE TABLE b (id);") << "line 6 of the file";
    EXPECT_EQ(m.down.first_line, 4);
    EXPECT_EQ(m.down.sql, "DROP TABLE a;\n\n\n\nDROP TABLE b;\n");
    EXPECT_TRUE(m.up_no_transaction) << "one Up block without a transaction: the whole Up";
    EXPECT_FALSE(m.down_no_transaction);
}

TEST(ParseMigration, AStatementMayNotRunOnIntoTheNextBlock) {
    EXPECT_EQ(parse_error("-- +migrate Up\nCREATE TABLE a (id)\n-- +migrate Down\n"
                          "-- +migrate Up\nCREATE TABLE b (id);\n"),
              "db/0001_test.sql:2: the statement that starts here is still open where this Up "
              "block ends (the marker on line 3), and the Up block on line 4 continues the Up "
              "section: end it with ';' (sql-migrate requires that too)");
    EXPECT_EQ(parse_error("-- +migrate Up\nSELECT 1;\n-- +migrate Down\nSELECT 2\n"
                          "-- +migrate Down\n"),
              "db/0001_test.sql:4: the statement that starts here is still open where the next "
              "Down marker (line 5) continues the Down section: end it with ';' (sql-migrate "
              "requires that too)");
    EXPECT_CONTAINS(parse_error("-- +migrate Up\nSELECT 1; /* a note\n-- +migrate Down\n"
                                "-- +migrate Up\nSELECT 2; -- */\n"),
                    "db/0001_test.sql:2: the /* comment that starts here is still open");
    EXPECT_CONTAINS(parse_error("-- +migrate Up\nSELECT 'a;\n-- +migrate Down\n"
                                "-- +migrate Up\nSELECT 2;\n"),
                    "db/0001_test.sql:2: the quoted string or name that starts here");
    EXPECT_EQ(parse_ok("-- +migrate Up\nSELECT 1;\n-- +migrate Down\n").up.sql, "SELECT 1;\n")
        << "the last block of a section still needs no ';'";
}

TEST(ParseMigration, ASecondVerifySectionIsAnError) {
    EXPECT_CONTAINS(parse_error("-- +migrate Verify\n-- +migrate Up\n-- +migrate Verify\n"),
                    "db/0001_test.sql:3: a second '-- +migrate Verify' section (the first is on "
                    "line 1); a file may have only one Verify section: merge them");
}

TEST(ParseMigration, StatementBeginAndEndMustBalance) {
    EXPECT_CONTAINS(parse_error("-- +migrate Up\n-- +migrate StatementBegin\nSELECT 1;\n"),
                    "db/0001_test.sql:2: '-- +migrate StatementBegin' has no matching '-- +migrate "
                    "StatementEnd' before the end of the file");
    EXPECT_CONTAINS(parse_error("-- +migrate Up\n-- +migrate StatementBegin\nSELECT 1;\n"
                                "-- +migrate Down\n-- +migrate StatementEnd\n"),
                    "db/0001_test.sql:2: '-- +migrate StatementBegin' has no matching '-- +migrate "
                    "StatementEnd' before the section marker on line 4");
    EXPECT_CONTAINS(parse_error("-- +migrate Up\nSELECT 1;\n-- +migrate StatementEnd\n"),
                    "db/0001_test.sql:3: '-- +migrate StatementEnd' without");
    EXPECT_CONTAINS(parse_error("-- +migrate Up\n-- +migrate StatementBegin\n"
                                "-- +migrate StatementBegin\n-- +migrate StatementEnd\n"),
                    "db/0001_test.sql:3: '-- +migrate StatementBegin' inside the one on line 2");
    EXPECT_CONTAINS(parse_error("-- +migrate StatementBegin\n-- +migrate Up\n"),
                    "db/0001_test.sql:1: '-- +migrate StatementBegin' before the first section");
}

TEST(ParseMigration, UnknownDirectivesAndOptionsAreErrorsListingTheValidOnes) {
    const std::string message = parse_error("-- +migrate Up\n-- +migrate Upp\n");
    EXPECT_CONTAINS(message, "db/0001_test.sql:2: unknown directive '-- +migrate Upp'");
    EXPECT_CONTAINS(message,
                    "Up, Down, Verify, NoTransaction, Timeout <seconds>, StatementBegin, "
                    "StatementEnd");
    EXPECT_CONTAINS(parse_error("-- +migrateUp\n"),
                    "db/0001_test.sql:1: unknown directive '-- +migrateUp'");
    EXPECT_CONTAINS(parse_error("-- +migrate Up\n-- +migrate\n"),
                    "db/0001_test.sql:2: unknown directive '-- +migrate'");
    EXPECT_CONTAINS(parse_error("-- +migrate Up notransactions\n"),
                    "db/0001_test.sql:1: unknown option 'notransactions'");
    EXPECT_CONTAINS(parse_error("-- +migrate Up\n-- +migrate Verify notransaction\n"),
                    "db/0001_test.sql:2: unknown option 'notransaction' in '-- +migrate Verify "
                    "notransaction'; Verify takes no options");
    EXPECT_CONTAINS(
        parse_error("-- +migrate Up\n-- +migrate StatementEnd now\n"),
        "db/0001_test.sql:2: '-- +migrate StatementEnd now': StatementEnd takes no options");
}

TEST(ParseMigration, OrdinaryCommentsThatMentionMigrateAreNotDirectives) {
    const Migration m = parse_ok("-- +migrate Up\n-- see +migrate docs\n-- migrate Down later\n");
    EXPECT_FALSE(m.down.present);
}

TEST(ParseMigration, ReportsEveryProblemInLineOrder) {
    const std::string message = parse_error(
        "SELECT 0;\n-- +migrate Bogus\n-- +migrate Up\n-- +migrate Timeout x\n"
        "-- +migrate StatementEnd\n",
        "bad-name.sql");
    std::vector<std::string> lines;
    for (std::size_t i = 0; i <= static_cast<std::size_t>(std::ranges::count(message, '\n')); ++i) {
        lines.push_back(line_of(message, i));
    }
    ASSERT_EQ(lines.size(), 5u) << message;
    EXPECT_TRUE(lines[0].starts_with("db/bad-name.sql: the file name does not look like"))
        << lines[0];
    EXPECT_TRUE(lines[1].starts_with("db/bad-name.sql:1: SQL before")) << lines[1];
    EXPECT_TRUE(lines[2].starts_with("db/bad-name.sql:2: unknown directive")) << lines[2];
    EXPECT_TRUE(lines[3].starts_with("db/bad-name.sql:4: ")) << lines[3];
    EXPECT_TRUE(lines[4].starts_with("db/bad-name.sql:5: ")) << lines[4];
}

// Regression (found by tests/fuzz): SQLite reads SQL only up to a NUL byte, so what follows one
// never ran, and the runner looped for ever on it. Such a file is refused before anything runs.
TEST(ParseMigration, NulByteIsAnErrorNamingItsLine) {
    const std::string message =
        parse_error("-- +migrate Up\nCREATE TABLE a (x);\nSELECT 1;\0DROP TABLE a;\n"sv);
    EXPECT_CONTAINS(message, "db/0001_test.sql:3: a NUL byte; SQLite stops reading SQL there");
    EXPECT_EQ(std::ranges::count(message, '\n'), 0) << "one problem: " << message;
}

TEST(ParseMigration, Utf16FileIsRefusedAsNotUtf8Text) {
    std::string utf16 = "\xFF\xFE";
    for (const char c : "-- +migrate Up\nSELECT 1;\n"sv) {
        utf16 += c;
        utf16 += '\0';
    }
    const std::string message = parse_error(utf16);
    EXPECT_CONTAINS(message, "db/0001_test.sql:1: a NUL byte");
    EXPECT_CONTAINS(message, "save the file as UTF-8 text");
}

}  // namespace
}  // namespace belay
