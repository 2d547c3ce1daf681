// A database made by a newer SQLite (tests/e2e/data/newer_sqlite.db: a STRICT table whose
// generated column and index call if(), SQLite 3.48; a view that calls unistr(), 3.50, and
// uses ->>; newer_syntax.db: a view whose aggregate has ORDER BY, SQLite 3.44 syntax). A belay on
// an SQLite that has both backs it up (verified), checks it and migrates it with a migration that
// uses them too; one on an older SQLite (Debian's 3.40.1, the BELAY_SQLITE=system build CI also
// tests) refuses each command, names the function, the objects that call it, its SQLite and the
// newer one needed, and changes no byte of the file. Which of the two a test expects comes from the
// binary's own `belay --version`.
#include <algorithm>
#include <regex>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

// The SQLite the belay under test runs on, from `belay --version`: "belay 0.1.0 (SQLite
// 3.52.0, bundled)".
struct BelaySqlite {
    int number = 0;  // 3052000
    std::string version;
    bool bundled = false;
};

BelaySqlite belay_sqlite() {
    const auto out = run_belay({"--version"}).out;
    std::smatch match;
    if (!std::regex_search(out, match,
                           std::regex(R"(\(SQLite ((\d+)\.(\d+)\.(\d+)), (bundled|system)\))"))) {
        ADD_FAILURE() << "belay --version names no SQLite: " << out;
        return {};
    }
    return {std::stoi(match[2]) * 1000000 + std::stoi(match[3]) * 1000 + std::stoi(match[4]),
            match[1], match[5] == "bundled"};
}

constexpr int k_has_unistr = 3050000;  // and if(), 3048000
constexpr int k_lacks_if = 3048000;

// The migration: a column added to the STRICT table and filled with if(), unistr() and ->>,
// a row inserted (its generated column and index entry computed), a view on the generated
// column.
constexpr const char* k_migration = R"(-- +migrate Up
ALTER TABLE orders ADD COLUMN note TEXT;
UPDATE orders SET note = if(qty > 10, unistr('bulk \u2013 ') || (doc ->> '$.customer'), NULL);
INSERT INTO orders (qty, price, doc) VALUES (20, 0.5, '{"customer": "cy"}');
CREATE VIEW bulk_orders AS SELECT id, note FROM orders WHERE size = 'bulk';

-- +migrate Down
DROP VIEW bulk_orders;
DELETE FROM orders WHERE id = 3;
ALTER TABLE orders DROP COLUMN note;
)";

class NewerSqliteTest : public E2eTest {
  protected:
    void SetUp() override {
        fs::copy_file(fixture(), db());
        write_migration("0001_note_bulk_orders.sql", k_migration);
        m_sqlite = belay_sqlite();
    }
    static fs::path data() { return source_dir() / "tests/e2e/data"; }
    static fs::path fixture() { return data() / "newer_sqlite.db"; }

    // Skips the test unless belay's SQLite is at least `number` (or, with `below`, under it):
    // each build runs the half its SQLite is for, CI runs both builds.
    bool runs_on(int number, bool below = false) const {
        return below ? m_sqlite.number < number : m_sqlite.number >= number;
    }
    // What a refusal must say: the function, the release that added it, belay's SQLite and
    // what to do.
    void expect_explained(const std::string& text, const std::string& function,
                          const std::string& since) const {
        EXPECT_CONTAINS(text, function + "() is a built-in function of SQLite " + since +
                                  " and later, but this belay runs on SQLite " + m_sqlite.version);
        EXPECT_CONTAINS(text, "what calls it needs a newer SQLite");
        EXPECT_CONTAINS(text, "use a belay built with its bundled SQLite");
    }
    // The directory holds the databases, the migrations and nothing else (no backup, no
    // temporary, no journal; a run lock's file stays, as after every run).
    void expect_nothing_left_beside(std::vector<std::string> expected = {"app.db"}) const {
        expected.insert(expected.end(), {"migrations", "migrations/0001_note_bulk_orders.sql"});
        std::ranges::sort(expected);
        auto names = list_dir(dir());
        std::erase_if(names, [](const std::string& name) { return name.ends_with(".belay-lock"); });
        EXPECT_EQ(names, expected);
    }

    BelaySqlite m_sqlite;
};

// The fixture is what newer_sqlite.sql makes (schema and rows), so the two cannot drift apart.
// The test's own SQLite is the one belay links (belay::sqlite3).
TEST_F(NewerSqliteTest, TheFixtureIsWhatThisFileMakes) {
    if (!runs_on(k_has_unistr)) {
        GTEST_SKIP() << "SQLite " << m_sqlite.version << " cannot make the fixture";
    }
    for (const auto* name : {"newer_sqlite", "newer_syntax"}) {
        const auto made = dir() / (std::string(name) + ".db");
        {
            TestDb created(made);
            created.exec(read_file(data() / (std::string(name) + ".sql")));
        }
        EXPECT_EQ(database_contents(made), database_contents(data() / (std::string(name) + ".db")))
            << name;
    }
    TestDb database(fixture(), true);
    EXPECT_EQ(database.rows("SELECT id, label, customer FROM order_labels ORDER BY id"),
              (std::vector<std::vector<std::string>>{{"1",
                                                      "order \u2116"
                                                      "1",
                                                      "ada"},
                                                     {"2",
                                                      "order \u2116"
                                                      "2",
                                                      "bob"}}));
}

TEST_F(NewerSqliteTest, BacksUpVerifiesChecksMigratesAndRevertsIt) {
    if (!runs_on(k_has_unistr)) {
        GTEST_SKIP() << "belay runs on SQLite " << m_sqlite.version;
    }
    const auto backup = belay("backup");
    ASSERT_EQ(backup.exit_code, 0) << describe(backup);
    expect_every_backup_verified(dir(), "db backup");
    const auto listed = belay("backups", {"--json"});
    ASSERT_EQ(listed.exit_code, 0) << describe(listed);
    ASSERT_EQ(listed.json()["backups"].size(), 1U) << listed.out;
    EXPECT_EQ(listed.json()["backups"][0]["intact"], true) << listed.out;

    const auto before = belay("check");
    EXPECT_EQ(before.exit_code, 0) << describe(before) << before.out;

    const auto migrated = belay("migrate");
    ASSERT_EQ(migrated.exit_code, 0) << describe(migrated);
    {
        TestDb database(db(), true);
        EXPECT_EQ(database.rows("SELECT id, size, total, note FROM orders ORDER BY id"),
                  (std::vector<std::vector<std::string>>{{"1", "single", "7.5", "NULL"},
                                                         {"2", "bulk", "12.0", "bulk \u2013 bob"},
                                                         {"3", "bulk", "10.0", "NULL"}}));
        EXPECT_EQ(database.column("SELECT id FROM bulk_orders ORDER BY id"),
                  (std::vector<std::string>{"2", "3"}));
        EXPECT_EQ(database.scalar("SELECT label FROM order_labels WHERE id = 3"),
                  "order \u2116"
                  "3");
        EXPECT_EQ(database.scalar("PRAGMA quick_check"), "ok");
    }
    const auto after = belay("check", {"--backups"});
    EXPECT_EQ(after.exit_code, 0) << describe(after) << after.out;

    const auto down = belay("down");
    ASSERT_EQ(down.exit_code, 0) << describe(down);
    TestDb database(db(), true);
    EXPECT_EQ(
        database.rows("SELECT id, size, total FROM orders ORDER BY id"),
        (std::vector<std::vector<std::string>>{{"1", "single", "7.5"}, {"2", "bulk", "12.0"}}));
    EXPECT_FALSE(database.has_object("bulk_orders"));
}

// An older SQLite cannot evaluate if() or unistr(): every command that must read the table or
// the view says so, and the file keeps every byte.
TEST_F(NewerSqliteTest, AnOlderSqliteRefusesEachCommandAndChangesNothing) {
    if (!runs_on(k_lacks_if, true)) {
        GTEST_SKIP() << "belay runs on SQLite " << m_sqlite.version << ", which has if()";
    }
    const auto digest = sha256_of(db());

    const auto backup = belay("backup");
    EXPECT_EQ(backup.exit_code, 3) << describe(backup);
    expect_explained(backup.err, "if", "3.48.0");
    EXPECT_CONTAINS(backup.err, "called from: table orders, index orders_by_size");
    EXPECT_CONTAINS(backup.err, "no backup was kept");
    expect_nothing_left_beside();

    const auto check = belay("check");
    EXPECT_EQ(check.exit_code, 6) << describe(check);
    EXPECT_CONTAINS(check.out, "table orders cannot be read");
    expect_explained(check.out, "if", "3.48.0");
    EXPECT_CONTAINS(check.out, "view order_labels does not work: no such function: unistr");
    expect_explained(check.out, "unistr", "3.50.0");

    const auto migrate = belay("migrate");
    EXPECT_EQ(migrate.exit_code, 3) << describe(migrate);
    expect_explained(migrate.err, "if", "3.48.0");
    EXPECT_CONTAINS(migrate.err, "No migration ran; the database is as it was.");
    EXPECT_EQ(sha256_of(db()), digest) << "a refused command changed the database";
    expect_nothing_left_beside();

    // Without a snapshot the step itself fails on if(), and is rolled back.
    const auto unguarded = belay("migrate", {"--no-backup"});
    EXPECT_EQ(unguarded.exit_code, 1) << describe(unguarded);
    EXPECT_CONTAINS(unguarded.err, "0001_note_bulk_orders.sql:3");
    expect_explained(unguarded.err, "if", "3.48.0");
    TestDb database(db(), true);
    EXPECT_EQ(database.column("SELECT name FROM pragma_table_xinfo('orders')"),
              (std::vector<std::string>{"id", "qty", "price", "size", "total", "doc"}));
    EXPECT_EQ(database.rows("SELECT id, qty, total FROM orders ORDER BY id"),
              (std::vector<std::vector<std::string>>{{"1", "3", "7.5"}, {"2", "12", "12.0"}}));
}

// A schema only a newer SQLite parses: the bundled build reads, checks and backs it up; an
// older SQLite cannot open it at all, and belay says what may read it.
TEST_F(NewerSqliteTest, ASchemaOnlyANewerSqliteParses) {
    const auto database = dir() / "names.db";
    fs::copy_file(data() / "newer_syntax.db", database);
    const auto digest = sha256_of(database);
    const auto check = run_raw({"db", "check", "--db", database.string()});
    if (runs_on(3044000)) {
        EXPECT_EQ(check.exit_code, 0) << describe(check) << check.out;
        const auto backup = run_raw({"db", "backup", "--db", database.string()});
        EXPECT_EQ(backup.exit_code, 0) << describe(backup);
        TestDb names(database, true);
        EXPECT_EQ(names.scalar("SELECT names FROM customer_names"), "ada, bob, cy");
        return;
    }
    EXPECT_EQ(check.exit_code, 2) << describe(check);
    EXPECT_CONTAINS(check.err,
                    "malformed database schema (customer_names) - near \"ORDER\": syntax error");
    EXPECT_CONTAINS(check.err, "this belay runs on SQLite " + m_sqlite.version +
                                   ", the system's library, which cannot parse the SQL of "
                                   "customer_names: if a newer SQLite wrote it, a belay built "
                                   "with its bundled SQLite");
    const auto backup = run_raw({"db", "backup", "--db", database.string()});
    EXPECT_EQ(backup.exit_code, 2) << describe(backup);
    EXPECT_CONTAINS(backup.err, "which cannot parse the SQL of customer_names");
    EXPECT_EQ(sha256_of(database), digest);
    expect_nothing_left_beside({"app.db", "names.db"});
}

}  // namespace
}  // namespace belay::testing
