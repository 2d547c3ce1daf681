// goose's and dbmate's files as parse_migration reads them: their own directives, their rules,
// and problems worded with what the file says.
#include <tuple>

#include <gtest/gtest.h>

#include "core/migration_parser.hpp"
#include "support/expect.hpp"

namespace belay {
namespace {

const EnvironmentLookup k_environment = [](const std::string& name) -> std::optional<std::string> {
    if (name == "TWO_LINES") {
        return "a\nb";
    }
    return name == "PREFIX" ? std::optional<std::string>("app_") : std::nullopt;
};

Result<Migration> parse(std::string_view text, Layout layout) {
    return parse_migration("db/0001_x.sql", text, layout, k_environment);
}

std::string error_of(std::string_view text, Layout layout) {
    auto parsed = parse(text, layout);
    if (parsed) {
        ADD_FAILURE() << "expected a refusal of:\n" << text;
        return {};
    }
    return parsed.error().message;
}

TEST(GooseFiles, ProblemsQuoteGoosesOwnAnnotations) {
    EXPECT_EQ(error_of("-- +goose Down\n", Layout::goose),
              "db/0001_x.sql: no '-- +goose Up' section; every migration needs one (it may be "
              "empty for a deliberate no-op)\n"
              "db/0001_x.sql:1: '-- +goose Down' comes before '-- +goose Up'; goose needs the Up "
              "section first: move the Down section after it");
    EXPECT_CONTAINS(error_of("SELECT 1;\n-- +goose Up\n", Layout::goose),
                    "db/0001_x.sql:1: SQL before the first '-- +goose' section marker would never "
                    "run; move it into a section (usually after '-- +goose Up')");
    EXPECT_CONTAINS(error_of("-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n", Layout::goose),
                    "db/0001_x.sql:2: '-- +goose StatementBegin' has no matching '-- +goose "
                    "StatementEnd' before the end of the file");
    EXPECT_CONTAINS(error_of("-- +goose Up\n-- +goose StatementEnd\n", Layout::goose),
                    "'-- +goose StatementEnd' without a '-- +goose StatementBegin'");
    EXPECT_CONTAINS(error_of("-- +goose Up\n  -- +goose StatementBegin\n", Layout::goose),
                    "db/0001_x.sql:2: '-- +goose StatementBegin': goose reads an annotation only "
                    "at the very start of a line; remove the blanks before '--'");
    EXPECT_CONTAINS(error_of("-- +goose Up\n-- TODO drop the +goose annotations\n", Layout::goose),
                    "db/0001_x.sql:2: unknown goose annotation '-- TODO drop the +goose "
                    "annotations'");
    EXPECT_CONTAINS(error_of("-- +goose Up\n-- +goose +goose Down\n", Layout::goose),
                    "holds '+goose' twice");
    EXPECT_CONTAINS(error_of("-- +goose Up\n-- +goose\n", Layout::goose),
                    "unknown goose annotation '-- +goose'");
}

TEST(GooseFiles, BelaysVerifyAndTimeoutAreReadAndNoOtherMigrateDirective) {
    auto parsed = parse(
        "-- +migrate Timeout 5\n-- +goose Up\nCREATE TABLE t (x);\n"
        "-- +migrate Verify\nSELECT count(*) = 0 FROM t\n",
        Layout::goose);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    EXPECT_EQ(parsed->verify.sql, "SELECT count(*) = 0 FROM t\n");
    EXPECT_EQ(parsed->timeout, std::chrono::milliseconds(5000));
    EXPECT_EQ(parsed->layout, Layout::goose);
    EXPECT_CONTAINS(error_of("-- +migrate Up\nSELECT 1;\n", Layout::goose),
                    "db/0001_x.sql:1: '-- +migrate Up' is not read in a goose file: write '-- "
                    "+goose Up' instead");
    EXPECT_CONTAINS(error_of("-- +goose Up\n-- +migrate NoTransaction\n", Layout::goose),
                    "write '-- +goose NO TRANSACTION' instead");
}

TEST(GooseFiles, SubstitutionRefusalsQuoteTheLineAndTheAnnotation) {
    EXPECT_EQ(error_of("-- +goose Up\n-- +goose ENVSUB ON\nINSERT INTO t VALUES ('costs $5');\n",
                       Layout::goose),
              "db/0001_x.sql:3: '$5' is not a variable: goose reads a name starting with a letter "
              "after '$' (or '${'); write $$ (or \\$) for a literal $, or put '-- +goose ENVSUB "
              "OFF' before this line (goose substitutes variables here because of '-- +goose "
              "ENVSUB ON' on line 2)");
    EXPECT_CONTAINS(
        error_of("-- +goose ENVSUB ON\n-- +goose Up\nSELECT '${TWO_LINES}';\n", Layout::goose),
        "db/0001_x.sql:3: 'SELECT '${TWO_LINES}';' a variable's value holds a line "
        "break");
    auto fine = parse(
        "-- +goose ENVSUB ON\n-- +goose Up\n-- costs $5, in a comment\n"
        "CREATE TABLE ${PREFIX}t (x);\n-- +goose ENVSUB OFF\nSELECT '$5';\n",
        Layout::goose);
    ASSERT_TRUE(fine.has_value()) << fine.error().message;
    EXPECT_EQ(fine->up.sql, "-- costs $5, in a comment\nCREATE TABLE app_t (x);\n\nSELECT '$5';\n");
}

// A file pasted into another keeps its byte-order mark: in front of a directive it is invisible,
// and the tools read the line as a comment, so the Down would run inside the Up. Refused, as is a
// directive any invisible character hides.
TEST(LayoutFiles, ADirectiveHiddenByAnInvisibleCharacterIsRefusedNamingIt) {
    const std::string bom = "\xEF\xBB\xBF";
    const std::string zero_width_space = "\xE2\x80\x8B";
    for (const auto& [layout, up, down] :
         {std::tuple{Layout::sql_migrate, "-- +migrate Up", "-- +migrate Down"},
          std::tuple{Layout::goose, "-- +goose Up", "-- +goose Down"},
          std::tuple{Layout::dbmate, "-- migrate:up", "-- migrate:down"}}) {
        const auto file = [&](const std::string& down_line) {
            return std::string(up) + "\nCREATE TABLE users (id);\n" + down_line +
                   "\nDROP TABLE users;\n";
        };
        EXPECT_CONTAINS(
            error_of(file(bom + down), layout),
            "db/0001_x.sql:3: '" + std::string(down) + "' holds an invisible character (U+FEFF)")
            << to_string(layout);
        EXPECT_CONTAINS(error_of(file("\t" + bom + " " + down), layout),
                        "invisible character (U+FEFF)")
            << "blanks around it too: " << to_string(layout);
        EXPECT_CONTAINS(error_of(file(std::string(down).insert(3, bom + zero_width_space)), layout),
                        "invisible characters (U+FEFF, U+200B)")
            << "between the dashes and the word: " << to_string(layout);
    }
    // At the start of the file it is the file's own mark, which every tool skips.
    const auto parsed = parse(bom + "-- +goose Up\nSELECT 1;\n", Layout::goose);
    ASSERT_TRUE(parsed) << parsed.error().message;
    // Before SQL it is white space, as SQLite reads it.
    EXPECT_TRUE(parse("-- +goose Up\n" + bom + "SELECT 1;\n", Layout::goose));
}

TEST(DbmateFiles, TransactionOptionsAndNothingElse) {
    auto parsed = parse(
        "-- migrate:up transaction:true -- a comment\nCREATE TABLE t (x);\n"
        "-- migrate:down transaction:false transaction:true\nDROP TABLE t;\n",
        Layout::dbmate);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    EXPECT_FALSE(parsed->up_no_transaction);
    EXPECT_FALSE(parsed->down_no_transaction) << "the last option wins, as in dbmate";
    EXPECT_EQ(error_of("-- migrate:up transaction:FALSE\n-- migrate:down\n", Layout::dbmate),
              "db/0001_x.sql:1: unknown option 'transaction:FALSE' in '-- migrate:up "
              "transaction:FALSE'; dbmate's only option is 'transaction:false' "
              "('transaction:true', the default, is accepted too)");
    EXPECT_CONTAINS(error_of("-- migrate:up notransaction\n-- migrate:down\n", Layout::dbmate),
                    "unknown option 'notransaction'");
}

TEST(DbmateFiles, LinesThatLookLikeDirectivesButAreNotAreRefused) {
    for (const std::string_view line :
         {"-- migrate:UP", "  -- migrate:up", "-- Migrate:up", "-- migrate:upper", "-- migrate:"}) {
        const std::string text = std::string(line) + "\n-- migrate:up\n-- migrate:down\n";
        EXPECT_CONTAINS(error_of(text, Layout::dbmate),
                        "db/0001_x.sql:1: '" + std::string(line.substr(line.find('-'))) +
                            "' is not a dbmate directive")
            << line;
    }
    EXPECT_CONTAINS(error_of("-- migrate:up\n-- +migrate Down\n", Layout::dbmate),
                    "write '-- migrate:down' instead");
    EXPECT_CONTAINS(
        error_of("-- migrate:up\n-- +migrate StatementBegin\n-- migrate:down\n", Layout::dbmate),
        "db/0001_x.sql:2: '-- +migrate StatementBegin' is not read in a dbmate file");
}

TEST(DbmateFiles, BlocksJoinAndAStatementLeftOpenIsEnded) {
    auto parsed = parse(
        "-- migrate:up\nCREATE TABLE a (x)\n-- migrate:down\nDROP TABLE a\n"
        "-- migrate:up transaction:false\nVACUUM\n-- migrate:down\n",
        Layout::dbmate);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    EXPECT_EQ(parsed->up.sql, "CREATE TABLE a (x)\n;\n\n\nVACUUM\n")
        << "dbmate runs each block on its own: the ';' goes on an empty line between them";
    EXPECT_TRUE(parsed->up_no_transaction);
    EXPECT_FALSE(parsed->down_no_transaction);
    EXPECT_CONTAINS(error_of("-- migrate:up\nSELECT 1; /* open\n-- migrate:down\n-- migrate:up\n"
                             "SELECT 2;\n-- migrate:down\n",
                             Layout::dbmate),
                    "db/0001_x.sql:2: the /* comment that starts here is still open");
}

}  // namespace
}  // namespace belay
