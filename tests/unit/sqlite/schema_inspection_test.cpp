#include "sqlite/schema_inspection.hpp"

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "core/checksum.hpp"
#include "sqlite/database.hpp"
#include "sqlite/history_store.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay::sqlite {
namespace {

std::string joined(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) {
        text += line + "\n";
    }
    return text;
}

class SchemaInspectionTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto db = Database::open(m_dir / "s.db", OpenMode::read_write_create);
        ASSERT_TRUE(db.has_value()) << db.error().message;
        m_db.emplace(std::move(*db));
        exec(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);"
            "INSERT INTO users (name) VALUES ('ada'), ('bob');");
    }

    void exec(const std::string& sql) {
        auto ok = m_db->exec(sql);
        ASSERT_TRUE(ok.has_value()) << ok.error().message;
    }

    std::string fingerprint() {
        auto print = schema_fingerprint(*m_db, "schema_migrations");
        EXPECT_TRUE(print.has_value()) << print.error().message;
        return print.value_or("");
    }

    ValidationState capture() {
        auto state = capture_validation_state(*m_db);
        EXPECT_TRUE(state.has_value()) << state.error().message;
        return state.value_or(ValidationState{});
    }

    // Captures, runs `sql` (foreign keys off, as belay runs a step), captures again, compares.
    ValidationFindings findings_of(const std::string& sql, bool strict = false) {
        const auto before = capture();
        exec(sql);
        const auto after = capture();
        return compare_validation_states(before, after, strict);
    }

    testing::TempDir m_dir;
    std::optional<Database> m_db;
};

TEST_F(SchemaInspectionTest, FingerprintIsStableAcrossCallsAndConnections) {
    const auto first = fingerprint();
    EXPECT_EQ(first.size(), 64u);
    EXPECT_EQ(fingerprint(), first);
    exec("INSERT INTO users (name) VALUES ('carol')");
    EXPECT_EQ(fingerprint(), first) << "rows are not schema";
    auto other = Database::open(m_dir / "s.db", OpenMode::read_only);
    ASSERT_TRUE(other.has_value());
    EXPECT_EQ(schema_fingerprint(*other, "schema_migrations").value(), first);
}

TEST_F(SchemaInspectionTest, FingerprintChangesOnEveryKindOfDdl) {
    std::vector<std::string> prints{fingerprint()};
    for (const std::string sql : {
             "CREATE INDEX users_name ON users (name)",
             "CREATE VIEW named AS SELECT name FROM users",
             "CREATE TRIGGER users_ai AFTER INSERT ON users BEGIN SELECT 1; END",
             "ALTER TABLE users ADD COLUMN email TEXT",
             "ALTER TABLE users RENAME COLUMN email TO mail",
             "DROP INDEX users_name",
             "CREATE TABLE other (x)",
         }) {
        SCOPED_TRACE(sql);
        exec(sql);
        const auto print = fingerprint();
        for (const auto& earlier : prints) {
            EXPECT_NE(print, earlier);
        }
        prints.push_back(print);
    }
}

TEST_F(SchemaInspectionTest, FingerprintIgnoresTheHistoryTableAndBelaysOwnTables) {
    const auto before = fingerprint();
    HistoryStore store(*m_db, "schema_migrations");
    ASSERT_TRUE(store.create_tables().has_value());
    ASSERT_TRUE(store.record_applied(AppliedMigration{"1", "a", "c", "t", 1, "f"}).has_value());
    EXPECT_EQ(fingerprint(), before);
    exec("CREATE TABLE other_history (version TEXT)");
    EXPECT_NE(fingerprint(), before) << "a table that is not the named history table counts";
}

TEST_F(SchemaInspectionTest, FingerprintIgnoresARenamedHistoryTableWhateverItsCase) {
    const auto before = schema_fingerprint(*m_db, "VERSIONS").value();
    HistoryStore store(*m_db, "versions");
    ASSERT_TRUE(store.create_tables().has_value());
    EXPECT_EQ(schema_fingerprint(*m_db, "VERSIONS").value(), before);
    EXPECT_NE(schema_fingerprint(*m_db, "schema_migrations").value(), before);
}

// Fingerprints recorded by earlier releases (in the history and in backup sidecars) must keep
// matching: they were computed by this query, with SQL's filters and ordering, where belay now
// filters and sorts the catalog itself.
TEST_F(SchemaInspectionTest, FingerprintEqualsTheOneEarlierReleasesComputedInSql) {
    exec(
        "CREATE TABLE \"Zebra\" (k TEXT PRIMARY KEY, v);"     // an internal sqlite_autoindex
        "CREATE TABLE \"\xc3\xa9t\xc3\xa9\" (x);"             // bytes above ASCII sort last
        "CREATE TABLE \"BELAY_notes\" (x);"                   // belay's prefix, any case: left out
        "CREATE INDEX belay_notes_x ON \"BELAY_notes\" (x);"  // an index of that name stays
        "CREATE VIEW belay_view AS SELECT 1;"                 // and so does a view
        "CREATE TABLE \"Schema_Migrations\" (version TEXT);"  // the history table, any case
        "CREATE TABLE apple (x); CREATE INDEX Apple_x ON apple (x);"
        "CREATE TRIGGER apple_ai AFTER INSERT ON apple BEGIN SELECT 1; END;");
    auto rows = query_rows(*m_db,
                           "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema "
                           "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                           "AND NOT (type = 'table' AND name LIKE 'belay\\_%' ESCAPE '\\') "
                           "AND NOT (type = 'table' AND name = 'schema_migrations' COLLATE NOCASE) "
                           "ORDER BY type, name");
    ASSERT_TRUE(rows.has_value()) << rows.error().message;
    std::string canonical;
    for (const auto& row : *rows) {
        canonical += row[0] + "\x1f" + row[1] + "\x1f" + row[2] + "\x1f" + row[3] + "\n";
    }
    EXPECT_EQ(rows->size(), 8u) << canonical;  // users and the seven kept above
    EXPECT_EQ(fingerprint(), sha256_hex(canonical)) << canonical;
    auto objects = read_schema_objects(*m_db, "schema_migrations");
    ASSERT_TRUE(objects.has_value());
    ASSERT_EQ(objects->size(), rows->size());
    for (std::size_t i = 0; i < rows->size(); ++i) {
        EXPECT_EQ((*objects)[i].name, (*rows)[i][1]);
    }
}

TEST_F(SchemaInspectionTest, CleanSchemaHasNoFindings) {
    exec(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));"
        "INSERT INTO orders (user_id) VALUES (1), (2);"
        "CREATE VIEW order_names AS SELECT o.id, u.name FROM orders o JOIN users u "
        "ON u.id = o.user_id;"
        "CREATE TRIGGER users_ad AFTER DELETE ON users BEGIN "
        "DELETE FROM orders WHERE user_id = old.id; END;");
    const auto state = capture();
    EXPECT_TRUE(state.foreign_key_violations.empty());
    EXPECT_TRUE(state.broken_views.empty());
    EXPECT_TRUE(state.broken_triggers.empty());
    EXPECT_TRUE(state.dangling_references.empty());
    const auto findings = findings_of("CREATE INDEX orders_user ON orders (user_id)");
    EXPECT_TRUE(findings.errors.empty()) << joined(findings.errors);
    EXPECT_TRUE(findings.warnings.empty()) << joined(findings.warnings);
}

TEST_F(SchemaInspectionTest, DroppingATableUnderAViewIsAnError) {
    exec("CREATE TABLE tags (name TEXT); CREATE VIEW tag_names AS SELECT name FROM tags;");
    const auto findings = findings_of("DROP TABLE tags");
    ASSERT_EQ(findings.errors.size(), 1u) << joined(findings.errors);
    EXPECT_CONTAINS(findings.errors[0], "view tag_names");
    EXPECT_CONTAINS(findings.errors[0], "no such table");
    EXPECT_TRUE(findings.warnings.empty());
}

TEST_F(SchemaInspectionTest, TriggerReferencingADroppedTableIsAnError) {
    exec(
        "CREATE TABLE audit (who TEXT);"
        "CREATE TRIGGER users_ai AFTER INSERT ON users BEGIN "
        "INSERT INTO audit VALUES (new.name); END;");
    const auto findings = findings_of("DROP TABLE audit");
    ASSERT_FALSE(findings.errors.empty());
    EXPECT_CONTAINS(joined(findings.errors), "users (INSERT)");
    EXPECT_CONTAINS(joined(findings.errors), "audit");
}

TEST_F(SchemaInspectionTest, UpdateTriggerReferencingADroppedColumnIsAnError) {
    exec(
        "CREATE TABLE audit (who TEXT, note TEXT);"
        "CREATE TRIGGER users_au AFTER UPDATE OF name ON users BEGIN "
        "INSERT INTO audit (who, note) VALUES (new.name, 'renamed'); END;");
    const auto findings = findings_of(
        "ALTER TABLE audit RENAME TO audit_old;"
        "CREATE TABLE audit (who TEXT);"
        "DROP TABLE audit_old;");
    EXPECT_CONTAINS(joined(findings.errors), "users (UPDATE)");
}

TEST_F(SchemaInspectionTest, NewForeignKeyViolationIsAnError) {
    exec(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));"
        "INSERT INTO orders (user_id) VALUES (1);");
    const auto findings = findings_of("INSERT INTO orders (user_id) VALUES (99)");
    ASSERT_EQ(findings.errors.size(), 1u) << joined(findings.errors);
    EXPECT_CONTAINS(findings.errors[0], "orders -> users");
    EXPECT_CONTAINS(findings.errors[0], "1 row(s)");
}

TEST_F(SchemaInspectionTest, ExistingViolationAloneIsNoNewFinding) {
    exec(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));"
        "INSERT INTO orders (user_id) VALUES (99);");
    const auto unchanged = findings_of("CREATE TABLE unrelated (x)");
    EXPECT_TRUE(unchanged.errors.empty()) << joined(unchanged.errors);
    const auto fixed = findings_of("DELETE FROM orders");
    EXPECT_TRUE(fixed.errors.empty()) << joined(fixed.errors);
}

TEST_F(SchemaInspectionTest, MoreRowsViolatingAnAlreadyViolatedKeyIsAnError) {
    exec(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));"
        "INSERT INTO orders (user_id) VALUES (99);");
    const auto findings = findings_of("INSERT INTO orders (user_id) VALUES (98)");
    ASSERT_EQ(findings.errors.size(), 1u);
    EXPECT_CONTAINS(findings.errors[0], "2 row(s)");
    EXPECT_CONTAINS(findings.errors[0], "1 before");
}

TEST_F(SchemaInspectionTest, DanglingForeignKeyIsAWarningAndAnErrorWhenStrict) {
    exec(
        "CREATE TABLE teams (id INTEGER PRIMARY KEY);"
        "CREATE TABLE members (team_id INTEGER REFERENCES teams (id));");
    const auto before = capture();
    exec("DROP TABLE teams");
    const auto after = capture();
    ASSERT_EQ(after.dangling_references.size(), 1u);

    const auto lenient = compare_validation_states(before, after, false);
    EXPECT_TRUE(lenient.errors.empty()) << joined(lenient.errors);
    ASSERT_EQ(lenient.warnings.size(), 1u);
    EXPECT_CONTAINS(lenient.warnings[0], "members");
    EXPECT_CONTAINS(lenient.warnings[0], "teams");

    const auto strict = compare_validation_states(before, after, true);
    EXPECT_TRUE(strict.warnings.empty());
    ASSERT_EQ(strict.errors.size(), 1u);
    EXPECT_CONTAINS(strict.errors[0], "dangling foreign key");

    EXPECT_TRUE(compare_validation_states(after, after, true).errors.empty())
        << "a dangling reference that was there before is not new";
}

TEST_F(SchemaInspectionTest, DroppingAParentWithChildRowsIsAnError) {
    exec(
        "CREATE TABLE teams (id INTEGER PRIMARY KEY); INSERT INTO teams VALUES (1);"
        "CREATE TABLE members (team_id INTEGER REFERENCES teams (id));"
        "INSERT INTO members VALUES (1);");
    const auto findings = findings_of("DROP TABLE teams");
    EXPECT_CONTAINS(joined(findings.errors), "members -> teams");
}

// SQLite accepts a foreign key to a column that is neither the primary key nor UNIQUE, and with
// enforcement off (its default) nothing ever complains, so such schemas exist in the wild. Then
// PRAGMA foreign_key_check fails as a whole with "foreign key mismatch". A defect that was there
// before a step must not make every step's validation fail.
TEST_F(SchemaInspectionTest, ForeignKeyMismatchThatWasThereBeforeIsNoFinding) {
    exec(
        "CREATE TABLE orders (user_name TEXT REFERENCES users (name));"
        "INSERT INTO orders VALUES ('ada');");
    const auto before = capture_validation_state(*m_db);
    ASSERT_TRUE(before.has_value()) << before.error().message;
    exec("CREATE TABLE unrelated (x)");
    const auto after = capture_validation_state(*m_db);
    ASSERT_TRUE(after.has_value()) << after.error().message;
    const auto findings = compare_validation_states(*before, *after, false);
    EXPECT_TRUE(findings.errors.empty()) << joined(findings.errors);
}

TEST_F(SchemaInspectionTest, ForeignKeyMismatchMadeByAStepIsAFindingNotAFailedCapture) {
    const auto before = capture();
    exec("CREATE TABLE orders (user_name TEXT REFERENCES users (name));");
    const auto after = capture_validation_state(*m_db);
    ASSERT_TRUE(after.has_value()) << after.error().message;
    const auto findings = compare_validation_states(before, *after, false);
    EXPECT_CONTAINS(joined(findings.errors) + joined(findings.warnings), "orders");
}

// SQLite matches a foreign key's parent table without ASCII case, so does belay; a parent that
// really is missing is dangling, keyed by the child and the parent as written.
TEST_F(SchemaInspectionTest, DanglingReferenceIgnoresTheParentsCaseAndNamesAMissingOne) {
    exec(
        "CREATE TABLE Shops (id INTEGER PRIMARY KEY);"
        "CREATE TABLE deliveries (shop_id INTEGER REFERENCES SHOPS (id),"
        " coupon_id INTEGER REFERENCES coupons (id));");
    const auto state = capture();
    EXPECT_EQ(state.dangling_references.size(), 1u);
    EXPECT_EQ(state.dangling_references.count("deliveries -> coupons"), 1u);
}

// A foreign key added by ALTER TABLE, written in lower case, is still checked: belay asks only
// tables whose CREATE text says "references", and ADD COLUMN edits that text.
TEST_F(SchemaInspectionTest, ForeignKeyAddedByAlterTableIsChecked) {
    exec(
        "CREATE TABLE shelves (id INTEGER PRIMARY KEY);"
        "CREATE TABLE books (id INTEGER PRIMARY KEY); INSERT INTO books VALUES (1);");
    const auto findings = findings_of(
        "ALTER TABLE books ADD COLUMN shelf_id INTEGER references shelves (id) "
        "DEFAULT 7");
    EXPECT_CONTAINS(joined(findings.errors), "books");
}

TEST_F(SchemaInspectionTest, ViewBrokenBeforeAndAfterIsNoFinding) {
    exec("CREATE TABLE gone (x); CREATE VIEW stale AS SELECT x FROM gone; DROP TABLE gone;");
    const auto state = capture();
    ASSERT_EQ(state.broken_views.count("stale"), 1u);
    const auto findings = findings_of("CREATE TABLE unrelated (y)");
    EXPECT_TRUE(findings.errors.empty()) << joined(findings.errors);
}

TEST_F(SchemaInspectionTest, ViewsWithoutInsteadOfTriggersAreNotBrokenTriggers) {
    exec(
        "CREATE VIEW user_names AS SELECT name FROM users;"
        "CREATE TRIGGER user_names_ii INSTEAD OF INSERT ON user_names BEGIN "
        "INSERT INTO users (name) VALUES (new.name); END;");
    const auto state = capture();
    EXPECT_TRUE(state.broken_triggers.empty()) << state.broken_triggers.begin()->second.error;
    EXPECT_TRUE(state.broken_views.empty());
}

TEST_F(SchemaInspectionTest, CaptureIsReadOnly) {
    exec(
        "CREATE TABLE audit (who TEXT);"
        "CREATE TRIGGER users_ai AFTER INSERT ON users BEGIN "
        "INSERT INTO audit VALUES (new.name); END;"
        "CREATE TRIGGER users_ad AFTER DELETE ON users BEGIN "
        "INSERT INTO audit VALUES (old.name); END;");
    const auto print = fingerprint();
    capture();
    EXPECT_EQ(m_db->query_int("SELECT count(*) FROM users").value(), 2);
    EXPECT_EQ(m_db->query_int("SELECT count(*) FROM audit").value(), 0);
    EXPECT_EQ(fingerprint(), print);
}

TEST_F(SchemaInspectionTest, CheckIntegrityOfAGoodDatabaseIsEmpty) {
    auto quick = check_integrity(*m_db, false);
    ASSERT_TRUE(quick.has_value()) << quick.error().message;
    EXPECT_TRUE(quick->empty());
    auto full = check_integrity(*m_db, true);
    ASSERT_TRUE(full.has_value()) << full.error().message;
    EXPECT_TRUE(full->empty());
}

}  // namespace
}  // namespace belay::sqlite
