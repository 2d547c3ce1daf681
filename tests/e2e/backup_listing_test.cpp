// `db backups`: this database's backups (matched by the source in their sidecars), newest
// first, with --json; and a corrupted backup, which `db backups` and `db check --backups` report
// and `db restore` refuses without touching the live database.
#include <algorithm>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

class BackupListingTest : public E2eTest {
  protected:
    void SetUp() override {
        fs::create_directories(migrations());
        TestDb setup(db());
        setup.exec(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); "
            "INSERT INTO t (v) VALUES ('a'), ('b'), ('c');");
    }
    fs::path backup_of(const fs::path& database, const std::vector<std::string>& extra = {}) {
        auto args = extra;
        args.insert(args.begin(), {"db", "backup", "--db", database.string()});
        auto result = run_raw(args);
        EXPECT_EQ(result.exit_code, 0) << describe(result);
        return result.out.substr(0, result.out.find('\n'));
    }
    // Rewrites the created_at of a backup's sidecar (it is not covered by the SHA-256).
    void set_created_at(const fs::path& backup, const std::string& when) {
        auto json = read_json_file(backup.string() + ".json");
        json["created_at"] = when;
        write_file(fs::relative(backup.string() + ".json", dir()).string(), json.dump(2));
    }
    // The paths `db backups --json` lists, in its order.
    std::vector<std::string> listed_paths() {
        auto result = belay("backups", {"--json"});
        EXPECT_EQ(result.exit_code, 0) << describe(result);
        const auto document = result.json();
        std::vector<std::string> paths;
        for (const auto& entry : document.at("backups")) {
            paths.push_back(fs::path(entry.at("path").get<std::string>()).filename().string());
        }
        return paths;
    }
};

TEST_F(BackupListingTest, ListsThisDatabasesBackupsNewestFirstByTheSourceInTheirSidecars) {
    const auto oldest = backup_of(db());
    const auto middle = backup_of(db());
    const auto newest = backup_of(db());
    set_created_at(oldest, "2020-01-01T00:00:00Z");
    set_created_at(middle, "2020-06-01T00:00:00Z");
    set_created_at(newest, "2021-01-01T00:00:00Z");

    // Another database's backups in the same directory, one of them under a name that looks
    // like ours, a .bak without a sidecar, and a sidecar that is not JSON.
    {
        TestDb other(dir() / "other.db");
        other.exec("CREATE TABLE o (x);");
    }
    const auto others = backup_of(dir() / "other.db");
    fs::copy_file(others, dir() / "app-20300101-000000.bak");
    fs::copy_file(others.string() + ".json", dir() / "app-20300101-000000.bak.json");
    write_file("app-20300102-000000.bak", "no sidecar");
    write_file("app-20300103-000000.bak", "not json either");
    write_file("app-20300103-000000.bak.json", "{ broken");

    EXPECT_EQ(listed_paths(),
              (std::vector<std::string>{newest.filename().string(), middle.filename().string(),
                                        oldest.filename().string()}));

    auto json = belay("backups", {"--json"});
    ASSERT_EQ(json.exit_code, 0) << describe(json);
    const auto entries = json.json().at("backups");
    ASSERT_EQ(entries.size(), 3u) << json.out;
    for (const auto& entry : entries) {
        const fs::path path = entry.at("path").get<std::string>();
        const auto& metadata = entry.at("metadata");
        EXPECT_EQ(metadata.at("source").get<std::string>(), fs::canonical(db()).string());
        EXPECT_EQ(metadata.at("reason"), "manual");
        EXPECT_EQ(metadata.at("schema_version"), "0");
        EXPECT_EQ(metadata.at("sha256").get<std::string>(), sha256_of(path));
        EXPECT_EQ(metadata.at("size_bytes").get<std::uintmax_t>(), fs::file_size(path));
        EXPECT_TRUE(entry.at("intact").get<bool>()) << entry.dump(2);
        EXPECT_TRUE(entry.at("problems").empty()) << entry.dump(2);
    }
    EXPECT_EQ(entries[0].at("metadata").at("created_at"), "2021-01-01T00:00:00Z");

    auto text = belay("backups");
    ASSERT_EQ(text.exit_code, 0) << describe(text);
    for (const auto& word : {"PATH", "CREATED", "REASON", "SIZE", "VERSION", "VERIFIED"}) {
        EXPECT_CONTAINS(text.out, word) << word << "\n" << text.out;
    }
    EXPECT_NOT_CONTAINS(text.out, "app-20300101") << "another database's backup was listed\n"
                                                  << text.out;
    EXPECT_CONTAINS(text.out, newest.string()) << text.out;

    // The other database sees only its own.
    auto theirs = run_raw({"db", "backups", "--db", (dir() / "other.db").string(), "--json"});
    ASSERT_EQ(theirs.exit_code, 0) << describe(theirs);
    EXPECT_EQ(theirs.json().at("backups").size(), 2u) << theirs.out;
}

TEST_F(BackupListingTest, BackupsTakenInTheSameSecondAreListedNewestFirst) {
    // Two backups of different states within one second: the -1 one is the newer.
    for (int attempt = 0; attempt < 5; ++attempt) {
        const auto first = backup_of(db());
        TestDb(db()).exec("INSERT INTO t (v) VALUES ('after the first backup');");
        const auto rows_in_second = TestDb(db(), true).count("t");
        const auto second = backup_of(db());
        if (read_json_file(first.string() + ".json").at("created_at") !=
            read_json_file(second.string() + ".json").at("created_at")) {
            continue;
        }
        ASSERT_EQ(backup_name_time(first.filename().string(), "app"),
                  backup_name_time(second.filename().string(), "app"));
        EXPECT_EQ(listed_paths().front(), second.filename().string())
            << "the backup taken second (" << second.filename().string()
            << ") should be listed first";

        // --latest restores the newest one: the state with the row added in between.
        TestDb(db()).exec("DELETE FROM t;");
        auto restored = belay("restore", {"--latest", "--yes"});
        ASSERT_EQ(restored.exit_code, 0) << describe(restored);
        EXPECT_CONTAINS(restored.out, second.string())
            << "--latest restored the older of two backups taken in the same second\n"
            << restored.out;
        EXPECT_EQ(TestDb(db(), true).count("t"), rows_in_second)
            << "the restored state is the second backup's (earlier attempts added rows too)";
        return;
    }
    ADD_FAILURE() << "five pairs of backups never landed in the same second";
}

class CorruptBackupTest : public BackupListingTest {
  protected:
    void SetUp() override {
        BackupListingTest::SetUp();
        add_filler(db(), 1);
        m_backup = backup_of(db());
        ASSERT_TRUE(fs::exists(m_backup));
        m_pages = std::stoll(TestDb(m_backup, true).scalar("PRAGMA page_count"));
        ASSERT_GT(m_pages, 100);
    }
    // The byte offset of the page in the middle of the backup.
    std::uintmax_t middle_page() const { return static_cast<std::uintmax_t>(m_pages / 2) * 4096; }

    // The live database is byte for byte as it was, and no file came or went.
    void expect_refused_and_untouched(const RunResult& result, const std::string& db_sha,
                                      const std::vector<std::string>& files) {
        EXPECT_EQ(result.exit_code, 5) << describe(result);
        EXPECT_CONTAINS(result.err, m_backup.filename().string()) << result.err;
        EXPECT_CONTAINS(result.err, "Nothing was changed") << result.err;
        EXPECT_EQ(sha256_of(db()), db_sha) << "the live database was changed";
        EXPECT_EQ(list_dir(dir()), files) << "a file was created or removed";
    }

    fs::path m_backup;
    std::int64_t m_pages = 0;
};

TEST_F(CorruptBackupTest, FlippedBytesAreReportedByBackupsAndCheckAndRefusedByRestore) {
    flip_bytes(m_backup, middle_page() + 200, 64);

    auto listed = belay("backups");
    EXPECT_EQ(listed.exit_code, 0) << describe(listed);
    EXPECT_CONTAINS(listed.out, "FAILED") << listed.out;
    EXPECT_CONTAINS(listed.out, "SHA-256") << listed.out;
    auto json = belay("backups", {"--json"});
    ASSERT_EQ(json.exit_code, 0) << describe(json);
    const auto entry = json.json().at("backups").at(0);
    EXPECT_FALSE(entry.at("intact").get<bool>()) << entry.dump(2);
    EXPECT_FALSE(entry.at("problems").empty()) << entry.dump(2);

    auto check = belay("check", {"--backups"});
    EXPECT_EQ(check.exit_code, 6) << describe(check);
    EXPECT_CONTAINS(check.out, m_backup.string()) << check.out;
    auto check_json = belay("check", {"--backups", "--json"});
    EXPECT_EQ(check_json.exit_code, 6) << describe(check_json);
    const auto findings = check_json.json().at("findings");
    EXPECT_TRUE(std::ranges::any_of(findings, [](const auto& f) {
        return f.at("area") == "backups";
    })) << check_json.out;
    EXPECT_EQ(belay("check").exit_code, 0) << "without --backups the database itself is fine";

    const auto db_sha = sha256_of(db());
    const auto files = list_dir(dir());
    expect_refused_and_untouched(belay("restore", {m_backup.string(), "--yes"}), db_sha, files);
}

TEST_F(CorruptBackupTest, DamageBehindAMatchingChecksumIsStillFoundByTheIntegrityCheck) {
    // The page's b-tree header is destroyed and the sidecar's SHA-256 updated to match: only
    // the integrity check can tell now.
    flip_bytes(m_backup, middle_page(), 8);
    auto sidecar = read_json_file(m_backup.string() + ".json");
    sidecar["sha256"] = sha256_of(m_backup);
    write_file(m_backup.filename().string() + ".json", sidecar.dump(2));

    auto json = belay("backups", {"--json"});
    ASSERT_EQ(json.exit_code, 0) << describe(json);
    EXPECT_FALSE(json.json().at("backups").at(0).at("intact").get<bool>()) << json.out;
    EXPECT_EQ(belay("check", {"--backups"}).exit_code, 6);

    const auto db_sha = sha256_of(db());
    const auto files = list_dir(dir());
    expect_refused_and_untouched(belay("restore", {m_backup.string(), "--yes"}), db_sha, files);
}

// breakit18 #11: a sidecar's reason and schema_version went to the terminal raw: escape
// sequences (a window title, colours) and a forged extra line. The text table escapes every
// control character; --json keeps the text exactly (JSON escapes it itself).
TEST_F(BackupListingTest, ControlCharactersInASidecarAreEscapedInTheTable) {
    const auto backup = fs::path(backup_of(db()));
    auto json = read_json_file(backup.string() + ".json");
    const std::string reason = "manual\x1b]0;pwned\x07\x1b[31mRED\xc2\x9b";
    json["reason"] = reason;
    json["schema_version"] = "x\nFAKE-LINE ok";
    write_file(fs::relative(backup.string() + ".json", dir()).string(), json.dump(2));
    auto listed = belay("backups");
    ASSERT_EQ(listed.exit_code, 0) << describe(listed);
    EXPECT_NOT_CONTAINS(listed.out, '\x1b') << listed.out;
    EXPECT_NOT_CONTAINS(listed.out, '\x07') << listed.out;
    EXPECT_NOT_CONTAINS(listed.out, "\xc2\x9b") << listed.out;
    EXPECT_CONTAINS(listed.out, "manual\\x1b]0;pwned\\x07\\x1b[31mRED\\u009b") << listed.out;
    EXPECT_CONTAINS(listed.out, "x\\x0aFAKE-LINE ok") << listed.out;
    EXPECT_EQ(std::count(listed.out.begin(), listed.out.end(), '\n'), 2) << listed.out;
    auto as_json = belay("backups", {"--json"});
    ASSERT_EQ(as_json.exit_code, 0) << describe(as_json);
    EXPECT_EQ(as_json.json().at("backups").at(0).at("metadata").at("reason"), reason);
}

}  // namespace
}  // namespace belay::testing
