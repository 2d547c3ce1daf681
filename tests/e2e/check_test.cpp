// `belay db check`: a clean database passes (exit 0); drift after a hand-made ALTER TABLE, a
// view broken by hand, a foreign key violation and a modified migration file are findings
// (exit 6), also in --json.
#include <algorithm>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class CheckTest : public E2eTest {
  protected:
    void SetUp() override {
        write_migration("0001_shop.sql",
                        up_only("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);\n"
                                "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER "
                                "REFERENCES customers (id));\n"
                                "CREATE VIEW order_names AS SELECT o.id, c.name FROM orders o "
                                "JOIN customers c ON c.id = o.customer_id;\n"
                                "INSERT INTO customers (name) VALUES ('ann');\n"
                                "INSERT INTO orders (customer_id) VALUES (1);"));
        auto migrated = belay("migrate");
        ASSERT_EQ(migrated.exit_code, 0) << describe(migrated);
    }
    // The findings of `db check --json`, as (area, message) pairs; expects exit 6.
    std::vector<std::pair<std::string, std::string>> findings() {
        auto result = belay("check", {"--json"});
        EXPECT_EQ(result.exit_code, 6) << describe(result);
        const auto document = result.json();
        EXPECT_EQ(document.at("ok"), false) << result.out;
        std::vector<std::pair<std::string, std::string>> found;
        for (const auto& finding : document.at("findings")) {
            found.emplace_back(finding.at("area"), finding.at("message"));
        }
        return found;
    }
    static bool has_finding(const std::vector<std::pair<std::string, std::string>>& found,
                            const std::string& area, const std::string& words) {
        return std::ranges::any_of(found, [&](const auto& finding) {
            return finding.first == area && finding.second.find(words) != std::string::npos;
        });
    }
    static std::string dump(const std::vector<std::pair<std::string, std::string>>& found) {
        std::string text;
        for (const auto& [area, message] : found) {
            text += area + ": " + message + "\n";
        }
        return text;
    }
};

TEST_F(CheckTest, CleanDatabasePasses) {
    auto result = belay("check");
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_CONTAINS(result.out, "no problems found") << result.out;
    auto json = belay("check", {"--json"});
    ASSERT_EQ(json.exit_code, 0) << describe(json);
    const auto document = json.json();
    EXPECT_EQ(document.at("ok"), true);
    EXPECT_TRUE(document.at("findings").empty()) << json.out;
    EXPECT_EQ(document.at("version"), "0001");

    auto with_backups = belay("check", {"--backups"});
    EXPECT_EQ(with_backups.exit_code, 0) << describe(with_backups);
}

TEST_F(CheckTest, HandMadeAlterTableIsDriftNamingTheTable) {
    TestDb(db()).exec("ALTER TABLE customers ADD COLUMN email TEXT;");
    auto result = belay("check");
    EXPECT_EQ(result.exit_code, 6) << describe(result);
    EXPECT_CONTAINS(result.out, "customers") << result.out;
    EXPECT_CONTAINS(result.out, "outside migrations") << result.out;
    const auto found = findings();
    EXPECT_TRUE(has_finding(found, "drift", "customers")) << dump(found);
    EXPECT_FALSE(has_finding(found, "drift", "orders")) << "only customers changed\n"
                                                        << dump(found);

    // Objects added and removed by hand are named too.
    TestDb(db()).exec(
        "CREATE TABLE scratch (x); CREATE INDEX orders_by_customer ON orders (customer_id);");
    const auto more = findings();
    EXPECT_TRUE(has_finding(more, "drift", "scratch")) << dump(more);
    EXPECT_TRUE(has_finding(more, "drift", "orders_by_customer")) << dump(more);
}

TEST_F(CheckTest, ViewBrokenByHandIsAFinding) {
    // DROP TABLE succeeds although a view uses the table; integrity_check still says ok.
    TestDb(db()).exec("DROP TABLE orders;");
    const auto found = findings();
    EXPECT_TRUE(has_finding(found, "views", "order_names")) << dump(found);
}

TEST_F(CheckTest, ForeignKeyViolationIsAFinding) {
    TestDb(db()).exec("INSERT INTO orders (customer_id) VALUES (99);");  // foreign_keys is off
    const auto found = findings();
    EXPECT_TRUE(has_finding(found, "foreign_keys", "orders")) << dump(found);
}

TEST_F(CheckTest, APendingMigrationOlderThanTheNewestAppliedIsAFindingInAWholeSentence) {
    write_migration("0003_later.sql", up_only("CREATE TABLE later (x);"));
    ASSERT_EQ(belay("migrate").exit_code, 0);
    write_migration("0002_between.sql", up_only("CREATE TABLE between_them (x);"));
    const auto found = findings();
    EXPECT_TRUE(has_finding(found, "history",
                            "0002_between is pending but older than the newest applied "
                            "migration, 0003; renumber it after that one"))
        << dump(found);
}

TEST_F(CheckTest, ModifiedMigrationFileIsAFinding) {
    auto text = read_file(migrations() / "0001_shop.sql");
    write_migration("0001_shop.sql", text + "-- an edit after it was applied\n");
    const auto found = findings();
    EXPECT_TRUE(has_finding(found, "history", "0001")) << dump(found);
    EXPECT_TRUE(has_finding(found, "history", "changed")) << dump(found);
}

TEST_F(CheckTest, DatabaseLeftWithAHotJournalByACrashIsCheckedAfterRollback) {
    add_filler(db(), 1);
    write_migration("0002_filler.sql", up_only("SELECT 1;"));  // records the schema with filler
    auto migrated = belay("migrate", {"--no-backup"});
    ASSERT_EQ(migrated.exit_code, 0) << describe(migrated);
    leave_hot_journal(db());
    auto result = belay("check");
    EXPECT_EQ(result.exit_code, 0)
        << "a crash mid-transaction leaves a hot journal that any read-write open rolls back; "
           "check should look at the committed database, not fail to open it\n"
        << describe(result);
}

TEST_F(CheckTest, MissingDatabaseIsAnError) {
    auto result = run_raw({"db", "check", "--db", (dir() / "nope.db").string(), "--migrations",
                           migrations().string()});
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_FALSE(fs::exists(dir() / "nope.db")) << "check created the database";
}

}  // namespace
}  // namespace belay::testing
