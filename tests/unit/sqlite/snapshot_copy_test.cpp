// The mechanisms a snapshot is made of, without the engine's policy around them: the pinned
// read transaction, the plan of a raw copy, the backup API's copy, and a copy's checks.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "sqlite/consistent_read.hpp"
#include "sqlite/copy_check.hpp"
#include "sqlite/database.hpp"
#include "sqlite/page_copy.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"
#include "unit/engine/raw_database.hpp"

namespace belay::sqlite {
namespace {

namespace fs = std::filesystem;
using testing::RawDatabase;

class SnapshotCopyTest : public ::testing::Test {
  protected:
    fs::path db() const { return m_dir / "app.db"; }

    static void fill(RawDatabase& raw) {
        raw.exec(
            "CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT);"
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
            "INSERT INTO items SELECT i, hex(randomblob(40)) FROM n;");
    }

    Database open_source() {
        auto source = Database::open(db(), OpenMode::read_only);
        if (!source) {
            throw std::runtime_error(source.error().message);
        }
        return std::move(*source);
    }

    testing::TempDir m_dir;
};

TEST_F(SnapshotCopyTest, RollbackJournalDatabaseIsCopiedRawFromItsMainFileAlone) {
    {
        RawDatabase raw(db());
        fill(raw);
    }
    auto source = open_source();
    auto facts = begin_consistent_read(source);
    ASSERT_TRUE(facts.has_value()) << facts.error().message;
    EXPECT_FALSE(facts->wal);
    EXPECT_EQ(facts->page_count * facts->page_size, static_cast<std::int64_t>(fs::file_size(db())));
    auto plan = plan_raw_copy(source, *facts);
    ASSERT_TRUE(plan.has_value());
    EXPECT_EQ(plan->page_count, facts->page_count);
    EXPECT_TRUE(plan->wal_frames.empty());
    EXPECT_TRUE(source.exec("COMMIT").has_value());
}

TEST_F(SnapshotCopyTest, WalPagesNotYetCheckpointedAreTakenFromTheWal) {
    RawDatabase writer(db());  // stays open: closing it would checkpoint the WAL
    writer.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0");
    fill(writer);
    auto source = open_source();
    auto facts = begin_consistent_read(source);
    ASSERT_TRUE(facts.has_value()) << facts.error().message;
    EXPECT_TRUE(facts->wal);
    ASSERT_TRUE(facts->wal_index.has_value()) << "no writer commits: the read must pin";
    auto plan = plan_raw_copy(source, *facts);
    ASSERT_TRUE(plan.has_value());
    EXPECT_TRUE(plan->wal);
    EXPECT_FALSE(plan->wal_frames.empty());
    EXPECT_TRUE(source.exec("COMMIT").has_value());
}

TEST_F(SnapshotCopyTest, BackupApiCopyOfAWalDatabaseOpensAloneAndPassesItsChecks) {
    RawDatabase writer(db());
    writer.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0");
    fill(writer);
    auto source = open_source();
    auto facts = begin_consistent_read(source);
    ASSERT_TRUE(facts.has_value()) << facts.error().message;
    const auto copy = m_dir.write("copy.db", "");  // the engine creates it exclusively
    auto copied = copy_with_backup_api(source, copy, {}, facts->page_size);
    ASSERT_TRUE(copied.has_value()) << copied.error().message;
    ASSERT_TRUE(source.exec("COMMIT").has_value());

    const auto bytes = testing::read_file(copy);
    ASSERT_GE(bytes.size(), 20U);
    EXPECT_EQ(bytes[18], 1) << "the copy still says WAL";
    EXPECT_EQ(bytes[19], 1) << "the copy still says WAL";
    auto verified = verify_copy(copy, db(), facts->page_count, facts->fingerprint);
    EXPECT_TRUE(verified.has_value()) << verified.error().message;
    EXPECT_TRUE(problems_in_copy(copy, facts->page_count, facts->fingerprint).empty());
    EXPECT_EQ(RawDatabase(copy, false).rows("SELECT count(*) FROM items")[0][0], "2000");
    EXPECT_FALSE(fs::exists(m_dir / "copy.db-wal"));
}

TEST_F(SnapshotCopyTest, ChecksOfACopyNameWhatDiffers) {
    {
        RawDatabase raw(db());
        fill(raw);
    }
    auto source = open_source();
    auto facts = begin_consistent_read(source);
    ASSERT_TRUE(facts.has_value()) << facts.error().message;
    ASSERT_TRUE(source.exec("COMMIT").has_value());

    auto wrong_count = verify_copy(db(), db(), facts->page_count + 1, facts->fingerprint);
    ASSERT_FALSE(wrong_count.has_value());
    EXPECT_EQ(wrong_count.error().code, ErrorCode::snapshot_failed);
    EXPECT_CONTAINS(wrong_count.error().message,
                    fmt::format("{} of {} pages", facts->page_count, facts->page_count + 1))
        << wrong_count.error().message;
    EXPECT_EQ(
        problems_in_copy(db(), facts->page_count, "another schema"),
        std::vector<std::string>{"its schema differs from the one recorded when it was taken"});
    const auto garbage = m_dir.write("garbage.db", std::string(8192, 'x'));
    const auto problems = problems_in_copy(garbage, 2, facts->fingerprint);
    ASSERT_EQ(problems.size(), 1U);
    EXPECT_EQ(problems[0].rfind("it is not a readable SQLite database: ", 0), 0U) << problems[0];
}

}  // namespace
}  // namespace belay::sqlite
