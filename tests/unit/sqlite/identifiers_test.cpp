#include "sqlite/identifiers.hpp"

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "sqlite/database.hpp"
#include "support/temp_dir.hpp"

namespace belay::sqlite {
namespace {

TEST(QuoteIdentifier, WrapsInDoubleQuotesAndDoublesEmbeddedOnes) {
    EXPECT_EQ(quote_identifier("users"), "\"users\"");
    EXPECT_EQ(quote_identifier(""), "\"\"");
    EXPECT_EQ(quote_identifier("my \"odd\" table"), "\"my \"\"odd\"\" table\"");
    EXPECT_EQ(quote_identifier("\""), "\"\"\"\"");
    EXPECT_EQ(quote_identifier("it's"), "\"it's\"") << "single quotes need nothing";
}

TEST(QuoteLiteral, WrapsInSingleQuotesAndDoublesEmbeddedOnes) {
    EXPECT_EQ(quote_literal("abc"), "'abc'");
    EXPECT_EQ(quote_literal(""), "''");
    EXPECT_EQ(quote_literal("it's"), "'it''s'");
    EXPECT_EQ(quote_literal("''"), "''''''");
    EXPECT_EQ(quote_literal("say \"hi\""), "'say \"hi\"'");
}

// What SQLite makes of the quoted text is what counts: the same name and value come back.
TEST(Quoting, SqliteReadsBackExactlyTheQuotedNameAndValue) {
    testing::TempDir dir;
    auto db = Database::open(dir / "q.db", OpenMode::read_write_create);
    ASSERT_TRUE(db.has_value());
    for (const std::string name :
         {"plain", "with space", "a\"b", "\"\"", "semi;colon", "it's", "[x]", "drop table x--"}) {
        SCOPED_TRACE(name);
        const auto table = quote_identifier(name);
        ASSERT_TRUE(
            db->exec("CREATE TABLE " + table + " (" + quote_identifier(name + " col") + " TEXT)")
                .has_value());
        ASSERT_TRUE(
            db->exec("INSERT INTO " + table + " VALUES (" + quote_literal(name + "'s value") + ")")
                .has_value());
        EXPECT_EQ(
            db->query_text("SELECT name FROM sqlite_schema WHERE name = " + quote_literal(name))
                .value_or("<missing>"),
            name);
        EXPECT_EQ(db->query_text("SELECT " + quote_identifier(name + " col") + " FROM " + table)
                      .value_or("<missing>"),
                  name + "'s value");
    }
    EXPECT_EQ(db->query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").value(), 8);
}

}  // namespace
}  // namespace belay::sqlite
