#include "sqlite/sqlite_hints.hpp"

#include <sqlite3.h>

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "sqlite/database.hpp"
#include "support/expect.hpp"

namespace belay::sqlite {
namespace {

using Connection = std::unique_ptr<sqlite3, decltype(&sqlite3_close)>;

Connection in_memory() {
    sqlite3* raw = nullptr;
    EXPECT_EQ(sqlite3_open(":memory:", &raw), SQLITE_OK);
    return Connection(raw, &sqlite3_close);
}

bool has_function(sqlite3* db, std::string_view name) {
    sqlite3_stmt* raw = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM pragma_function_list WHERE name = ?1",
                                 -1, &raw, nullptr),
              SQLITE_OK);
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(raw, &sqlite3_finalize);
    sqlite3_bind_text(raw, 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(raw), SQLITE_ROW);
    return sqlite3_column_int(raw, 0) > 0;
}

// The table's claims hold against the SQLite linked: the bundled one (3.52.0) has every
// function; Debian's 3.40.1 has those before 3.40 and none after. CI runs both builds.
TEST(SqliteHints, EachNewerFunctionIsBuiltInFromItsReleaseOn) {
    const auto db = in_memory();
    for (const auto& function : newer_functions()) {
        const bool present = has_function(db.get(), function.name);
        EXPECT_EQ(present, sqlite3_libversion_number() >= function.since)
            << function.name << " in SQLite " << sqlite3_libversion();
        const auto hint = newer_sqlite_hint("no such function: " + std::string(function.name));
        EXPECT_EQ(hint.empty(), present) << function.name << ": " << hint;
    }
}

TEST(SqliteHints, TheHintNamesTheReleaseThisSqliteAndWhatToDo) {
    if (sqlite3_libversion_number() >= 3048000) {
        GTEST_SKIP() << "SQLite " << sqlite3_libversion() << " has if()";
    }
    const auto hint = newer_sqlite_hint("app.db: cannot prepare statement: unknown function: if()");
    EXPECT_CONTAINS(hint, "if() is a built-in function of SQLite 3.48.0 and later");
    EXPECT_CONTAINS(hint, std::string("this belay runs on SQLite ") + sqlite3_libversion());
    EXPECT_CONTAINS(hint, library_is_bundled() ? "its bundled copy" : "the system's library");
    EXPECT_CONTAINS(hint, library_is_bundled() ? "use a belay release that bundles SQLite 3.48.0"
                                               : "use a belay built with its bundled SQLite");
    EXPECT_EQ(with_newer_sqlite_hint("no such function: if"),
              "no such function: if (" + newer_sqlite_hint("no such function: if") + ")");
}

TEST(SqliteHints, TheMissingFunctionIsReadFromEitherWording) {
    EXPECT_EQ(missing_function("no such function: unistr"), "unistr");
    EXPECT_EQ(missing_function("x.db: cannot prepare statement: unknown function: if()"), "if");
    EXPECT_EQ(missing_function("no such function: json_pretty (at offset 7)"), "json_pretty");
    EXPECT_EQ(missing_function("no such table: t"), "");
    // A function belay does not know of (the program that made the database defines it):
    // no claim about releases.
    EXPECT_EQ(newer_sqlite_hint("no such function: my_app_slug"), "");
    EXPECT_EQ(with_newer_sqlite_hint("no such function: my_app_slug"),
              "no such function: my_app_slug");
}

// A schema this SQLite cannot parse may be a newer SQLite's: said with this SQLite and what
// may read it, and only for a syntax error in the schema.
TEST(SqliteHints, AnUnparsableSchemaMayBeANewerSqlites) {
    const auto hint = newer_sqlite_hint(
        "app.db: malformed database schema (names) - near \"ORDER\": syntax error");
    EXPECT_CONTAINS(hint, std::string("this belay runs on SQLite ") + sqlite3_libversion());
    EXPECT_CONTAINS(hint, "which cannot parse the SQL of names: if a newer SQLite wrote it, ");
    EXPECT_CONTAINS(hint, library_is_bundled() ? "a belay release with a newer SQLite may read it"
                                               : "a belay built with its bundled SQLite");
    EXPECT_EQ(newer_sqlite_hint("malformed database schema (t) - invalid rootpage"), "");
    EXPECT_EQ(newer_sqlite_hint("near \"ORDER\": syntax error"), "");
}

// DELETE ... LIMIT parses only where SQLite was built with SQLITE_ENABLE_UPDATE_DELETE_LIMIT
// from its full source (Debian's library), never in an amalgamation build (the bundled one).
TEST(SqliteHints, DeleteWithLimitIsExplainedWhereThisSqliteCannotParseIt) {
    const auto db = in_memory();
    ASSERT_EQ(sqlite3_exec(db.get(), "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
    const std::string statement = "DELETE FROM t WHERE x > 0 ORDER BY x LIMIT 1;";
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v2(db.get(), statement.c_str(), -1, &raw, nullptr);
    sqlite3_finalize(raw);
    if (rc == SQLITE_OK) {
        EXPECT_EQ(statement_hint("near \"ORDER\": syntax error", statement), "");
        return;
    }
    const std::string message = sqlite3_errmsg(db.get());
    const auto hint = statement_hint(message, statement);
    EXPECT_CONTAINS(hint, "which takes no LIMIT or ORDER BY on DELETE and UPDATE") << message;
    EXPECT_CONTAINS(hint, "DELETE FROM t WHERE rowid IN (SELECT rowid FROM t ORDER BY x LIMIT 10)");
    EXPECT_EQ(statement_hint(message, "  -- a comment\n delete from t limit 1"), hint);
    // The same words about another statement are no such case.
    EXPECT_EQ(statement_hint(message, "SELECT x FROM t ORDER ORDER BY x"), "");
}

}  // namespace
}  // namespace belay::sqlite
