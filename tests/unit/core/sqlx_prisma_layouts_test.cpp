#include <string>

#include <gtest/gtest.h>

#include "core/checksum.hpp"
#include "core/migration_layouts.hpp"
#include "core/migration_prisma.hpp"
#include "core/migration_source.hpp"
#include "core/migration_sqlx.hpp"
#include "core/tool_checksums.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay {
namespace {

TEST(DetectLayout, SqlxPrismaAndTheDirectoriesThatLookLikeThem) {
    testing::TempDir plain;
    plain.write("1_a.sql", "CREATE TABLE a (x);");
    plain.write("2_b.sql", "");
    EXPECT_EQ(detect_layout(plain.path()), Layout::sqlx) << "no directive anywhere";
    plain.write("3_c.up.sql", "CREATE TABLE c (x);");
    EXPECT_EQ(detect_layout(plain.path()), Layout::sqlx) << "sqlx allows pairs beside simple files";

    testing::TempDir pairs;
    pairs.write("1_a.up.sql", "CREATE TABLE a (x);");
    EXPECT_EQ(detect_layout(pairs.path()), Layout::golang_migrate);
    pairs.write("2_b.down.sql", "-- no-transaction\nVACUUM;");
    EXPECT_EQ(detect_layout(pairs.path()), Layout::sqlx) << "sqlx's own marker";
    pairs.write("3_c.sql", "-- +goose Up\nSELECT 1;");
    auto mixed = detect_layout(pairs.path());
    ASSERT_FALSE(mixed.has_value());
    EXPECT_CONTAINS(mixed.error().message, "goose (") << mixed.error().message;
    EXPECT_CONTAINS(mixed.error().message, "sqlx (") << mixed.error().message;

    testing::TempDir prisma;
    prisma.write("migration_lock.toml", "provider = \"sqlite\"\n");
    EXPECT_EQ(detect_layout(prisma.path()), Layout::prisma) << "before the first migration";
    testing::TempDir folders;
    folders.write("20240101000000_init/migration.sql", "SELECT 1;");
    EXPECT_EQ(detect_layout(folders.path()), Layout::prisma)
        << "a name diesel would take, but Prisma's migration.sql inside";
    folders.write("2024-01-02-000000_b/up.sql", "SELECT 1;");
    EXPECT_FALSE(detect_layout(folders.path()).has_value()) << "Prisma's and diesel's folders";
}

TEST(LoadSqlxFiles, VersionsNamesSectionsAndChecksumsAsGolangMigratesPairs) {
    testing::TempDir dir;
    dir.write("1_users.sql", "-- no-transaction\r\nVACUUM;\r\n");
    dir.write("2_posts.up.sql", "CREATE TABLE posts (x);");
    dir.write("2_posts.down.sql", "DROP TABLE posts;");
    auto loaded = load_migrations(dir.path(), Layout::sqlx);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    ASSERT_EQ(loaded->size(), 2u);
    EXPECT_EQ((*loaded)[0].name, "users");
    EXPECT_TRUE((*loaded)[0].up_no_transaction);
    EXPECT_FALSE((*loaded)[0].down.present);
    EXPECT_EQ((*loaded)[0].checksum, migration_checksum("-- no-transaction\nVACUUM;\n"));
    auto pairs = load_migrations(dir.path(), Layout::golang_migrate);
    ASSERT_FALSE(pairs.has_value()) << "1_users.sql is no golang-migrate file";
    std::filesystem::remove(dir / "1_users.sql");
    pairs = load_migrations(dir.path(), Layout::golang_migrate);
    ASSERT_TRUE(pairs.has_value()) << pairs.error().message;
    EXPECT_EQ(pairs->front().checksum,
              (*load_migrations(dir.path(), Layout::sqlx)).front().checksum)
        << "a directory read either way keeps its history's checksums";

    dir.write("2_other.sql", "SELECT 1;");
    dir.write("3_c.down.sql", "SELECT 1;");
    dir.write("x_y.sql", "SELECT 1;");
    auto bad = load_migrations(dir.path(), Layout::sqlx);
    ASSERT_FALSE(bad.has_value());
    EXPECT_CONTAINS(bad.error().message, "are both the up (or simple) file of version 2");
    EXPECT_CONTAINS(bad.error().message, "3_c.down.sql: a down file without an up file");
    EXPECT_CONTAINS(bad.error().message, "x_y.sql: not a sqlx migration file name");
}

TEST(SqlxNaming, AsSqlxCliInfersIt) {
    testing::TempDir dir;
    dir.write("0001_a.sql", "");
    auto one = load_migrations(dir.path(), Layout::sqlx);
    EXPECT_TRUE(sqlx_naming(*one).sequential) << "a single migration 1";
    dir.write("0003_b.up.sql", "");
    auto gap = load_migrations(dir.path(), Layout::sqlx);
    EXPECT_FALSE(sqlx_naming(*gap).sequential);
    EXPECT_TRUE(sqlx_naming(*gap).reversible) << "the newest is an up file";
    dir.write("0004_c.sql", "");
    auto next = load_migrations(dir.path(), Layout::sqlx);
    EXPECT_TRUE(sqlx_naming(*next).sequential);
    EXPECT_FALSE(sqlx_naming(*next).reversible);
    dir.write("0005_d.up.sql", "");
    dir.write("0005_d.down.sql", "");
    auto pair = load_migrations(dir.path(), Layout::sqlx);
    EXPECT_TRUE(sqlx_naming(*pair).reversible);
    EXPECT_FALSE(sqlx_naming(*pair).sequential)
        << "sqlx lists the pair's two files as two migrations of one version: a timestamp next";
}

TEST(PrismaFolders, ADirectoryNamedLikeTheLockFileIsNamedAsTheLockFile) {
    testing::TempDir dir;
    dir.write("20240101000000_a/migration.sql", "CREATE TABLE a (x);");
    std::filesystem::create_directory(dir.path() / "migration_lock.toml");
    auto migrations = load_migrations(dir.path(), Layout::prisma);
    ASSERT_FALSE(migrations.has_value());
    EXPECT_CONTAINS(migrations.error().message, "migration_lock.toml")
        << migrations.error().message;
    EXPECT_EQ(migrations.error().message.find("timestamp"), std::string::npos)
        << migrations.error().message;
}

TEST(PrismaFolderName, DigitsThenOneSeparator) {
    EXPECT_EQ(prisma_folder_name("20240101120000_init")->second, "init");
    EXPECT_EQ(prisma_folder_name("20260225000000-baseline")->second, "baseline");
    EXPECT_EQ(prisma_folder_name("20231017002229_")->second, "");
    EXPECT_EQ(prisma_folder_name("0_init")->first.text(), "0");
    EXPECT_FALSE(prisma_folder_name("init").has_value());
}

TEST(ToolChecksum, SqlxIsSha384OfTheBytesAndPrismaFollowsItsLineEndRuleAndOldFormat) {
    const std::string text = "CREATE TABLE a (x);\n";
    const std::string crlf = "CREATE TABLE a (x);\r\n";
    EXPECT_EQ(sha384_hex("abc"),
              "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358b"
              "aeca134c825a7");
    EXPECT_TRUE(tool_checksum_matches("sqlx", text, sha384_hex(text)));
    EXPECT_FALSE(tool_checksum_matches("sqlx", crlf, sha384_hex(text))) << "sqlx hashes bytes";
    EXPECT_TRUE(tool_checksum_matches("Prisma", crlf, sha256_hex(text)));
    EXPECT_TRUE(tool_checksum_matches("Prisma", text, sha256_hex(crlf)));
    EXPECT_FALSE(tool_checksum_matches("Prisma", text + "x", sha256_hex(text)));
    // Older Prisma wrote each byte's hex without its leading zero: a file whose digest has such a
    // byte (most have one; a trailing space more until this one does).
    std::string file = text;
    std::string unpadded;
    while (unpadded.size() == 0 || unpadded.size() == 64) {
        file += ' ';
        const auto hex = sha256_hex(file);
        unpadded.clear();
        for (std::size_t i = 0; i < hex.size(); i += 2) {
            unpadded += hex[i] == '0' ? hex.substr(i + 1, 1) : hex.substr(i, 2);
        }
    }
    EXPECT_TRUE(tool_checksum_matches("Prisma", file, unpadded));
    EXPECT_FALSE(tool_checksum_matches("Prisma", file + "x", unpadded));
}

}  // namespace
}  // namespace belay
