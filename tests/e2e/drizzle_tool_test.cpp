// Drizzle's own migrator (drizzle-orm 0.45.4 on better-sqlite3, installed by scripts/setup)
// applies half of a folder; belay adopts its history and applies the rest; the schema is the one
// Drizzle's migrator gives the whole folder.
#include "e2e/harness.hpp"

#include <fmt/format.h>

namespace belay::testing {
namespace {

constexpr const char* k_node_modules = "/usr/local/lib/belay-test-tools/drizzle/node_modules";

// Runs Drizzle's migrator: every pending entry of the folder's journal, in one transaction.
constexpr const char* k_migrate_script = R"(const Database = require('better-sqlite3');
const { drizzle } = require('drizzle-orm/better-sqlite3');
const { migrate } = require('drizzle-orm/better-sqlite3/migrator');
const sqlite = new Database(process.argv[2]);
migrate(drizzle(sqlite), { migrationsFolder: process.argv[3] });
sqlite.close();
)";

std::string journal(int entries) {
    const std::vector<std::pair<std::int64_t, std::string>> all{
        {1747907869832, "0000_quiet_leper_queen"},
        {1747908047683, "0001_solid_ezekiel"},
        {1748251558828, "0002_rare_cyclops"}};
    std::string list;
    for (int i = 0; i < entries; ++i) {
        list += fmt::format(
            "{}{{\"idx\":{},\"version\":\"6\",\"when\":{},\"tag\":\"{}\","
            "\"breakpoints\":true}}",
            i == 0 ? "" : ",", i, all[i].first, all[i].second);
    }
    return fmt::format(R"({{"version":"7","dialect":"sqlite","entries":[{}]}})", list);
}

class DrizzleToolTest : public E2eTest {
  protected:
    void SetUp() override {
        write_file("migrate.cjs", k_migrate_script);
        write_migration("0000_quiet_leper_queen.sql",
                        "CREATE TABLE `users` (\n\t`id` integer PRIMARY KEY NOT NULL,\n\t`name` "
                        "text\n);\n--> statement-breakpoint\nCREATE UNIQUE INDEX "
                        "`users_name_unique` ON `users` (`name`);");
        write_migration("0001_solid_ezekiel.sql",
                        "CREATE TABLE `posts` (\n\t`id` integer PRIMARY KEY NOT NULL,\n\t`author` "
                        "integer REFERENCES users(id)\n);\n--> statement-breakpoint\nINSERT INTO "
                        "`users` (`id`, `name`) VALUES (1, 'first');");
        write_migration("0002_rare_cyclops.sql",
                        "PRAGMA foreign_keys=OFF;--> statement-breakpoint\nCREATE TABLE "
                        "`__new_users` (\n\t`id` integer PRIMARY KEY NOT NULL,\n\t`name` text NOT "
                        "NULL\n);\n--> statement-breakpoint\nINSERT INTO `__new_users`(\"id\", "
                        "\"name\") SELECT \"id\", \"name\" FROM `users`;--> "
                        "statement-breakpoint\nDROP TABLE `users`;--> statement-breakpoint\nALTER "
                        "TABLE `__new_users` RENAME TO `users`;--> statement-breakpoint\nPRAGMA "
                        "foreign_keys=ON;");
    }
    void drizzle_migrate(const fs::path& database) {
        int status = -1;
        const auto output = shell_output(
            fmt::format("cd '{}' && NODE_PATH='{}' node migrate.cjs '{}' migrations 2>&1",
                        dir().string(), k_node_modules, database.string()),
            &status);
        ASSERT_EQ(status, 0) << "Drizzle's migrator failed:\n" << output;
    }
    // The schema, the history tables of both tools and belay's own tables left out.
    std::vector<std::vector<std::string>> schema(const fs::path& database) {
        return TestDb(database, true)
            .rows(
                "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE tbl_name NOT LIKE "
                "'belay%' AND tbl_name NOT LIKE '%drizzle_migrations' AND tbl_name <> "
                "'schema_migrations' ORDER BY type, name");
    }
};

TEST_F(DrizzleToolTest, DrizzleAppliesHalfBelayAdoptsAndAppliesTheRestAsDrizzleWould) {
    write_migration("meta/_journal.json", journal(2));
    drizzle_migrate(db());
    ASSERT_EQ(TestDb(db(), true).count("__drizzle_migrations"), 2);

    write_migration("meta/_journal.json", journal(3));  // the project's next release
    auto adopted = belay("adopt");
    ASSERT_EQ(adopted.exit_code, 0) << describe(adopted);
    auto result = belay("migrate", {"--no-backup"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0000", "0001", "0002"}));
    EXPECT_EQ(TestDb(db(), true).count("users"), 1) << "0001's INSERT ran once";
    auto again = belay("migrate", {"--no-backup"});
    EXPECT_EQ(again.exit_code, 0) << describe(again);
    EXPECT_CONTAINS(again.out, "up to date");

    const auto reference = dir() / "drizzle.db";
    drizzle_migrate(reference);
    EXPECT_EQ(schema(db()), schema(reference));
    EXPECT_EQ(TestDb(reference, true).count("__drizzle_migrations"), 3);
}

// A branch merged late appends an entry whose `when` is older than the last one Drizzle applied:
// Drizzle's migrator skips it for good. belay orders by the journal, where it comes last, so it
// is the next pending migration and runs.
TEST_F(DrizzleToolTest, AnEntryDrizzleSkippedForItsOlderWhenIsPendingAndRunsAfterAdoption) {
    write_migration("meta/_journal.json", journal(2));
    drizzle_migrate(db());
    auto late = journal(2);
    late.insert(late.rfind(']'),
                ",{\"idx\":2,\"version\":\"6\",\"when\":1747907900000,\"tag\":"
                "\"0002_rare_cyclops\",\"breakpoints\":true}");
    write_migration("meta/_journal.json", late);
    drizzle_migrate(db());
    ASSERT_EQ(TestDb(db(), true).count("__drizzle_migrations"), 2) << "Drizzle skipped 0002";

    ASSERT_EQ(belay("adopt").exit_code, 0);
    auto status = belay("status");
    EXPECT_CONTAINS(status.out, "0002     rare_cyclops       pending") << status.out;
    auto result = belay("migrate", {"--no-backup"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0000", "0001", "0002"}));
    EXPECT_FALSE(TestDb(db(), true).has_object("__new_users"));
    EXPECT_CONTAINS(TestDb(db(), true).scalar("SELECT sql FROM sqlite_schema WHERE name = 'users'"),
                    "NOT NULL");
}

}  // namespace
}  // namespace belay::testing
