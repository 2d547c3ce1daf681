// Drizzle's migrations folder: meta/_journal.json gives the order, "--> statement-breakpoint"
// separates statements, __drizzle_migrations is Drizzle's history (hash, created_at = when).
#include "e2e/harness.hpp"

#include <sys/stat.h>

#include <functional>

#include <fmt/format.h>

namespace belay::testing {
namespace {

struct Entry {
    int idx;
    std::int64_t when;
    std::string tag;
    std::string sql;
};

// Three migrations as drizzle-kit writes them; the third rebuilds a table as drizzle-kit does.
const std::vector<Entry> k_entries{
    {0, 1747907869832, "0000_quiet_leper_queen",
     "CREATE TABLE `users` (\n\t`id` integer PRIMARY KEY NOT NULL,\n\t`name` text\n);\n"
     "--> statement-breakpoint\n"
     "CREATE UNIQUE INDEX `users_name_unique` ON `users` (`name`);"},
    {1, 1747908047683, "0001_solid_ezekiel",
     // The piece before the breakpoint has no ';': it runs only if split where Drizzle splits.
     "CREATE TABLE `posts` (`id` integer PRIMARY KEY, `author` integer REFERENCES users(id))\n"
     "--> statement-breakpoint\n"
     "INSERT INTO `users` (`id`, `name`) VALUES (1, 'a; --> b');"},
    {2, 1748251558828, "0002_rare_cyclops",
     "PRAGMA foreign_keys=OFF;--> statement-breakpoint\n"
     "CREATE TABLE `__new_users` (\n\t`id` integer PRIMARY KEY NOT NULL,\n\t`name` text NOT "
     "NULL\n);\n--> statement-breakpoint\n"
     "INSERT INTO `__new_users`(\"id\", \"name\") SELECT \"id\", \"name\" FROM `users`;"
     "--> statement-breakpoint\nDROP TABLE `users`;--> statement-breakpoint\n"
     "ALTER TABLE `__new_users` RENAME TO `users`;--> statement-breakpoint\n"
     "PRAGMA foreign_keys=ON;"},
};

std::string journal_of(const std::vector<Entry>& entries, const std::string& dialect = "sqlite") {
    std::string list;
    for (const auto& e : entries) {
        list += fmt::format(
            "{}    {{\n      \"idx\": {},\n      \"version\": \"6\",\n      \"when\": {},\n"
            "      \"tag\": \"{}\",\n      \"breakpoints\": true\n    }}",
            list.empty() ? "" : ",\n", e.idx, e.when, e.tag);
    }
    return fmt::format(
        "{{\n  \"version\": \"7\",\n  \"dialect\": \"{}\",\n  \"entries\": [\n{}\n"
        "  ]\n}}",
        dialect, list);
}

class DrizzleTest : public E2eTest {
  protected:
    void write_folder(const std::vector<Entry>& entries) {
        for (const auto& e : entries) {
            write_migration(e.tag + ".sql", e.sql);
        }
        write_migration("meta/_journal.json", journal_of(entries));
    }
    // __drizzle_migrations as Drizzle's SQLite migrator creates and fills it.
    void write_drizzle_history(const std::vector<Entry>& applied) {
        std::string sql =
            "CREATE TABLE IF NOT EXISTS \"__drizzle_migrations\" (id SERIAL PRIMARY KEY, hash "
            "text NOT NULL, created_at numeric);";
        for (const auto& e : applied) {
            sql += fmt::format(
                "INSERT INTO \"__drizzle_migrations\" (\"hash\", \"created_at\") "
                "VALUES ('{}', {});",
                sha256_of(migrations() / (e.tag + ".sql")), e.when);
        }
        TestDb(db()).exec(sql);
    }
};

TEST_F(DrizzleTest, FolderAppliesInTheJournalsOrderSplitWhereDrizzleSplits) {
    write_folder(k_entries);
    write_migration("schema.ts", "// drizzle-kit pull writes this beside the migrations\n");
    auto result = belay("migrate", {"--no-backup"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0000", "0001", "0002"}));
    TestDb check(db(), true);
    EXPECT_EQ(check.scalar("SELECT name FROM users WHERE id = 1"), "a; --> b")
        << "a breakpoint inside a string is no breakpoint for SQLite's parser";
    EXPECT_CONTAINS(check.scalar("SELECT sql FROM sqlite_schema WHERE name = 'users'"),
                    "`name` text NOT NULL");
    EXPECT_FALSE(check.has_object("__new_users"));

    auto status = belay("status");
    EXPECT_EQ(status.exit_code, 0) << describe(status);
    EXPECT_CONTAINS(status.out, "0002     rare_cyclops") << status.out;
    auto forced = belay("status", {"--format", "drizzle", "--exit-code"});
    EXPECT_EQ(forced.exit_code, 0) << describe(forced);
}

TEST_F(DrizzleTest, TheJournalNotTheFileNamesGivesTheOrder) {
    // drizzle-kit's "timestamp" prefix: the names sort the other way round.
    write_folder({{0, 1700000000000, "20240301000000_users", "CREATE TABLE users (id);"},
                  {1, 1700000000001, "20240101000000_seed", "INSERT INTO users VALUES (1);"}});
    auto result = belay("migrate", {"--no-backup"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(TestDb(db(), true).count("users"), 1);
    EXPECT_CONTAINS(belay("status").out, "0001     20240101000000_seed");
}

TEST_F(DrizzleTest, EveryBrokenJournalIsRefusedNamingTheFileAndWhatToDo) {
    struct Case {
        std::string name;
        std::function<void()> setup;
        std::string message;
    };
    const std::vector<Case> cases{
        {"malformed JSON",
         [this] { write_migration("meta/_journal.json", "{\n  \"entries\": [\n}"); },
         "meta/_journal.json:3:1: not valid JSON"},
        {"postgres",
         [this] { write_migration("meta/_journal.json", journal_of(k_entries, "postgresql")); },
         "the journal's \"dialect\" is \"postgresql\""},
        {"missing file",
         [this] { std::filesystem::remove(migrations() / "0001_solid_ezekiel.sql"); },
         "0001_solid_ezekiel.sql: missing, but"},
        {"unlisted file", [this] { write_migration("0003_stray.sql", "SELECT 1;"); },
         "_journal.json does not list it, so Drizzle would never run it"},
        {"duplicate idx",
         [this] {
             auto entries = k_entries;
             entries[2].idx = 1;
             write_migration("meta/_journal.json", journal_of(entries));
         },
         "both have idx 1"},
        {"breakpoint in a comment",
         [this] {
             write_migration("0001_solid_ezekiel.sql",
                             "/* old:\nCREATE TABLE x (a);\n--> statement-breakpoint\n*/\n"
                             "CREATE TABLE posts (id);");
         },
         "0001_solid_ezekiel.sql:3: '--> statement-breakpoint' stands inside a /* */ comment"},
    };
    for (const auto& c : cases) {
        std::filesystem::remove_all(migrations());
        write_folder(k_entries);
        c.setup();
        auto result = belay("status");
        EXPECT_EQ(result.exit_code, 2) << c.name << "\n" << describe(result);
        EXPECT_CONTAINS(result.err, c.message) << c.name;
        EXPECT_FALSE(std::filesystem::exists(db())) << c.name << ": nothing is touched";
    }
}

// Without a readable journal the folder is still Drizzle's (its snapshots, or a journal that is
// a directory or a FIFO, say so): refused naming the journal, never read as another layout.
TEST_F(DrizzleTest, AFolderWhoseJournalIsNotAReadableFileIsRefusedNotReadAsSqlx) {
    write_folder(k_entries);
    write_migration("meta/0000_snapshot.json", R"({"version":"6","dialect":"sqlite"})");
    const auto journal = migrations() / "meta" / "_journal.json";
    const std::vector<std::pair<std::string, std::function<void()>>> kinds{
        {"a directory", [&] { fs::create_directory(journal); }},
        {"a FIFO", [&] { ASSERT_EQ(::mkfifo(journal.c_str(), 0600), 0); }},
        {"a link that loops", [&] { fs::create_symlink("_journal.json", journal); }},
        {"a link that leads nowhere", [&] { fs::create_symlink("gone.json", journal); }},
        {"missing", [] {}}};
    for (const auto& [kind, make] : kinds) {
        fs::remove_all(journal);
        make();
        for (const std::string command : {"status", "migrate", "lint"}) {
            auto result =
                belay(command, command == "migrate" ? std::vector<std::string>{"--no-backup"}
                                                    : std::vector<std::string>{});
            EXPECT_EQ(result.exit_code, 2) << kind << " " << command << "\n" << describe(result);
            EXPECT_CONTAINS(result.err, "_journal.json") << kind;
            EXPECT_NOT_CONTAINS(result.err, "belay db create") << kind << ": the journal is lost";
        }
        // db create refuses the same way: it does not start a journal beside drizzle-kit's
        // snapshots, nor call them leftovers to remove.
        auto create = belay("create", {"next"});
        EXPECT_EQ(create.exit_code, 2) << kind << "\n" << describe(create);
        EXPECT_CONTAINS(create.err, "_journal.json") << kind;
        EXPECT_NOT_CONTAINS(create.err, "Remove it") << kind;
        EXPECT_FALSE(fs::exists(db())) << kind << ": nothing ran";
    }
    fs::remove_all(journal);
    fs::create_symlink("_journal.json", journal);
    EXPECT_CONTAINS(belay("status").err, "is a symbolic link that loops");
}

// A create killed before its journal entry leaves the migration file and the snapshot; the
// refusal of the unlisted file names both.
TEST_F(DrizzleTest, AnUnlistedFileIsNamedWithTheSnapshotAnUnfinishedCreateLeft) {
    write_folder(k_entries);
    write_migration("0003_half.sql", "CREATE TABLE half (x);\n");
    write_migration("meta/0003_snapshot.json", "{}");
    auto status = belay("status");
    EXPECT_EQ(status.exit_code, 2) << describe(status);
    EXPECT_CONTAINS(status.err, "0003_half.sql: ") << status.err;
    EXPECT_CONTAINS(status.err, "with " + (migrations() / "meta" / "0003_snapshot.json").string() +
                                    ", which no entry has either")
        << status.err;
}

TEST_F(DrizzleTest, CreateWritesTheJournalASymlinkPointsAtAndNamesLeftovers) {
    write_folder(k_entries);
    const auto shared = dir() / "shared_journal.json";
    fs::rename(migrations() / "meta" / "_journal.json", shared);
    fs::create_symlink(shared, migrations() / "meta" / "_journal.json");
    auto created = belay("create", {"add email"});
    ASSERT_EQ(created.exit_code, 0) << describe(created);
    EXPECT_TRUE(fs::is_symlink(migrations() / "meta" / "_journal.json")) << "the link stays";
    EXPECT_EQ(read_json_file(shared).at("entries").size(), 4u) << "its target got the entry";

    // What an interrupted create leaves before its journal entry: the next entry's snapshot.
    write_migration("meta/0004_snapshot.json", "{}");
    auto blocked = belay("create", {"add phone"});
    EXPECT_EQ(blocked.exit_code, 2) << describe(blocked);
    EXPECT_CONTAINS(blocked.err, "0004_snapshot.json exists, but") << blocked.err;
    EXPECT_CONTAINS(blocked.err, "Remove it") << blocked.err;
    EXPECT_EQ(read_json_file(shared).at("entries").size(), 4u) << "nothing changed";

    // The temporaries a create killed mid-way leaves (of the journal, where the link points, of
    // a snapshot and of a migration file) are swept by the next one; other files stay.
    fs::remove(migrations() / "meta" / "0004_snapshot.json");
    const std::vector<fs::path> abandoned{
        write_file("shared_journal.json.tmp-0123456789abcdef", "half"),
        write_file("migrations/meta/_journal.json.tmp-00000000deadbeef", "half"),
        write_file("migrations/meta/0004_snapshot.json.tmp-fedcba9876543210", "half"),
        write_file("migrations/0004_add_phone.sql.tmp-0000000000000001", "half")};
    const auto kept = write_file("notes.txt.tmp-0123456789abcdef", "not belay's");
    auto swept = belay("create", {"add phone"});
    ASSERT_EQ(swept.exit_code, 0) << describe(swept);
    for (const auto& file : abandoned) {
        EXPECT_FALSE(fs::exists(file)) << file;
    }
    EXPECT_TRUE(fs::exists(kept));
    EXPECT_EQ(read_json_file(shared).at("entries").size(), 5u);
}

TEST_F(DrizzleTest, DownIsRefusedSayingDrizzleHasNoneAndHowToGoBack) {
    write_folder(k_entries);
    ASSERT_EQ(belay("migrate").exit_code, 0);
    auto down = belay("down");
    EXPECT_EQ(down.exit_code, 5) << describe(down);
    EXPECT_CONTAINS(down.err, "0002_rare_cyclops is a Drizzle migration");
    EXPECT_CONTAINS(down.err, "Drizzle has no down migrations");
    EXPECT_CONTAINS(down.err, "belay db restore");
    EXPECT_EQ(applied_versions().size(), 3u);
}

TEST_F(DrizzleTest, CreateAppendsToTheJournalAsDrizzleKitDoes) {
    write_folder(k_entries);
    write_migration("meta/0002_snapshot.json",
                    "{\n  \"version\": \"6\",\n  \"dialect\": \"sqlite\",\n  \"id\": \"a1\",\n  "
                    "\"prevId\": \"a0\",\n  \"tables\": {},\n  \"_meta\": {\n    \"tables\": {\n"
                    "      \"x\": \"y\"\n    }\n  }\n}");
    auto created = run_raw({"db", "create", "add_email", "--migrations", migrations().string()});
    ASSERT_EQ(created.exit_code, 0) << describe(created);
    EXPECT_CONTAINS(created.out, "0003_add_email.sql");
    const auto journal = read_json_file(migrations() / "meta" / "_journal.json");
    ASSERT_EQ(journal.at("entries").size(), 4u);
    const auto& entry = journal.at("entries").back();
    EXPECT_EQ(entry.at("idx"), 3);
    EXPECT_EQ(entry.at("tag"), "0003_add_email");
    EXPECT_GT(entry.at("when").get<std::int64_t>(), k_entries.back().when);
    const auto text = read_file(migrations() / "meta" / "_journal.json");
    EXPECT_CONTAINS(text, "    {\n      \"idx\": 3,\n      \"version\": \"6\",\n      \"when\": ");
    EXPECT_FALSE(text.ends_with("\n")) << "JSON.stringify writes no final newline";
    const auto snapshot = read_json_file(migrations() / "meta" / "0003_snapshot.json");
    EXPECT_EQ(snapshot.at("prevId"), "a1");
    EXPECT_NE(snapshot.at("id"), "a1");
    EXPECT_EQ(snapshot.at("_meta").at("tables").size(), 0u);

    write_migration("0003_add_email.sql", "ALTER TABLE `users` ADD `email` text;");
    auto result = belay("migrate", {"--no-backup"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(applied_versions().back(), "0003");
}

TEST_F(DrizzleTest, CreateStartsAJournalInANewFolder) {
    auto created = run_raw(
        {"db", "create", "init", "--format", "drizzle", "--migrations", migrations().string()});
    ASSERT_EQ(created.exit_code, 0) << describe(created);
    const auto journal = read_json_file(migrations() / "meta" / "_journal.json");
    EXPECT_EQ(journal.at("dialect"), "sqlite");
    EXPECT_EQ(journal.at("entries").at(0).at("tag"), "0000_init");
    EXPECT_EQ(belay("status").exit_code, 0) << "detected as Drizzle's from now on";
}

TEST_F(DrizzleTest, AdoptTakesOverDrizzlesHistoryHalfwayAndNothingRunsAgain) {
    write_folder(k_entries);
    // What Drizzle leaves after applying the first two entries.
    TestDb(db()).exec(
        "CREATE TABLE `users` (`id` integer PRIMARY KEY NOT NULL, `name` text);"
        "CREATE UNIQUE INDEX `users_name_unique` ON `users` (`name`);"
        "CREATE TABLE `posts` (`id` integer PRIMARY KEY, `author` integer REFERENCES users(id));"
        "INSERT INTO `users` (`id`, `name`) VALUES (1, 'a; --> b');");
    write_drizzle_history({k_entries[0], k_entries[1]});
    auto refused = belay("migrate", {"--no-backup"});
    EXPECT_EQ(refused.exit_code, 5) << describe(refused);
    EXPECT_CONTAINS(refused.err, "Drizzle's history table __drizzle_migrations says");

    auto adopted = belay("adopt", {"--from", "drizzle"});
    ASSERT_EQ(adopted.exit_code, 0) << describe(adopted);
    EXPECT_CONTAINS(adopted.out, "record 0001_solid_ezekiel as applied (Drizzle applied it)");
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0000", "0001"}));
    auto result = belay("migrate", {"--no-backup"});
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0000", "0001", "0002"}));
    EXPECT_EQ(TestDb(db(), true).count("users"), 1) << "0001's INSERT did not run again";
    EXPECT_EQ(TestDb(db(), true).count("belay_adopted___drizzle_migrations"), 2);
}

// drizzle-orm up to 0.45 hashes a file as stored; later versions read CRLF as LF first.
TEST_F(DrizzleTest, AdoptMatchesACrlfFileByTheHashOfEitherDrizzleVersion) {
    auto entries = k_entries;
    std::string crlf;
    for (const char c : entries[0].sql) {
        crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    }
    entries[0].sql = crlf;
    write_folder(entries);
    const auto lf_copy = write_file("lf.sql", k_entries[0].sql);
    write_drizzle_history({entries[0]});  // the hash of the file as stored, with its CRs
    TestDb(db()).exec(
        fmt::format("INSERT INTO __drizzle_migrations (hash, created_at) VALUES "
                    "('{}', {});",
                    sha256_of(lf_copy), k_entries[0].when));
    TestDb(db()).exec("DELETE FROM __drizzle_migrations WHERE rowid = 1;");
    auto newer = belay("adopt");
    ASSERT_EQ(newer.exit_code, 0) << describe(newer);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0000"}));

    std::filesystem::remove(db());
    write_drizzle_history({entries[0]});
    auto older = belay("adopt");
    ASSERT_EQ(older.exit_code, 0) << describe(older);
    EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0000"}));
}

TEST_F(DrizzleTest, AdoptRefusesRowsItCannotMatch) {
    write_folder(k_entries);
    write_drizzle_history({k_entries[0]});
    TestDb(db()).exec("UPDATE __drizzle_migrations SET hash = 'ab' || hash;");
    auto changed = belay("adopt");
    EXPECT_EQ(changed.exit_code, 5) << describe(changed);
    EXPECT_CONTAINS(changed.err, "0000_quiet_leper_queen.sql changed after Drizzle applied it");
    EXPECT_CONTAINS(changed.err, "UPDATE __drizzle_migrations SET hash = '");

    TestDb(db()).exec("UPDATE __drizzle_migrations SET created_at = 5;");
    auto unknown = belay("adopt");
    EXPECT_EQ(unknown.exit_code, 2) << describe(unknown);
    EXPECT_CONTAINS(unknown.err, "the row with created_at 5");
    EXPECT_CONTAINS(unknown.err, "no entry of meta/_journal.json has that \"when\"");
    EXPECT_TRUE(TestDb(db(), true).has_object("__drizzle_migrations")) << "nothing was changed";
}

}  // namespace
}  // namespace belay::testing
