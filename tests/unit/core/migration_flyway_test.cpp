#include "core/migration_flyway.hpp"

#include <string>

#include <gtest/gtest.h>

#include "core/migration_layouts.hpp"
#include "core/migration_source.hpp"
#include "core/tool_checksums.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay {
namespace {

TEST(FlywayFileName, VersionsUnderscoresReadAsDotsAndTheDescriptionAfterTheFirstSeparator) {
    const auto name = parse_flyway_file_name("V1_1__add_users.sql");
    ASSERT_TRUE(name.has_value());
    EXPECT_EQ(name->prefix, 'V');
    EXPECT_EQ(name->version->text(), "1.1");
    EXPECT_EQ(name->description, "add_users");
    EXPECT_EQ(parse_flyway_file_name("V1.2.10__x__y.sql")->description, "x__y");
    EXPECT_EQ(parse_flyway_file_name("V2.sql")->version->text(), "2") << "no description";
    EXPECT_EQ(parse_flyway_file_name("U3__drop.sql")->prefix, 'U');
    const auto repeatable = parse_flyway_file_name("R__views.sql");
    ASSERT_TRUE(repeatable.has_value());
    EXPECT_FALSE(repeatable->version.has_value());
    for (const std::string_view bad :
         {"V__x.sql", "V1a__x.sql", "V1.__x.sql", "V1..2__x.sql", "v1__x.sql", "V1__x.SQL",
          "R1__x.sql", "1_x.sql", "V1__x.sql.conf", "beforeMigrate.sql", "B1__x.sql"}) {
        EXPECT_FALSE(parse_flyway_file_name(bad).has_value()) << "accepted " << bad;
    }
}

TEST(FlywayChecksum, IsTheCrc32OfTheLinesWithoutEndingsOrByteOrderMark) {
    // CRC-32 of "123456789" is 0xCBF43926, which as Flyway's signed int is -873187034.
    EXPECT_EQ(flyway_checksum("123456789"), -873187034);
    EXPECT_EQ(flyway_checksum("1234\r\n56789\n"), -873187034);
    EXPECT_EQ(flyway_checksum("\xEF\xBB\xBF"
                              "12345\r6789"),
              -873187034);
    EXPECT_EQ(flyway_checksum(""), 0);
}

TEST(FlywayDirectory, ReadsVersionsInNumericOrderWithUndoFilesAndSubdirectories) {
    testing::TempDir dir;
    dir.write("V1.2.10__d.sql", "CREATE TABLE d (x);\r\n");
    dir.write("V1.2.9__c.sql",
              "\xEF\xBB\xBF"
              "CREATE TABLE c (x);\n");
    dir.write("U1.2.9__c.sql", "DROP TABLE c;\n");
    dir.write("V1__a.sql", "CREATE TABLE a (x);\n");
    dir.write("more/V1_1__b.sql", "CREATE TABLE b (x);\n");
    dir.write("more/V1_1__b.sql.conf",
              "# Flyway script configuration\nexecuteInTransaction=false\n");
    dir.write("README.md", "notes");
    EXPECT_EQ(detect_layout(dir.path()), Layout::flyway);
    auto migrations = load_migrations(dir.path());
    ASSERT_TRUE(migrations.has_value()) << migrations.error().message;
    std::vector<std::string> versions;
    for (const auto& migration : *migrations) {
        versions.push_back(migration.version.text());
        EXPECT_EQ(migration.layout, Layout::flyway);
    }
    EXPECT_EQ(versions, (std::vector<std::string>{"1", "1.1", "1.2.9", "1.2.10"}));
    EXPECT_TRUE((*migrations)[1].up_no_transaction) << "its .conf says so";
    EXPECT_FALSE((*migrations)[0].up_no_transaction);
    EXPECT_EQ((*migrations)[2].up.sql, "CREATE TABLE c (x);\n") << "without the BOM";
    EXPECT_TRUE((*migrations)[2].down.present);
    EXPECT_EQ((*migrations)[2].down.sql, "DROP TABLE c;\n");
    EXPECT_EQ((*migrations)[3].up.sql, "CREATE TABLE d (x);\n");
}

TEST(FlywayDirectory, RefusesWhatBelayCannotRunNamingEachFile) {
    testing::TempDir dir;
    dir.write("V1__a.sql", "CREATE TABLE a (x);\n");
    dir.write("V1.0__again.sql", "CREATE TABLE b (x);\n");
    dir.write("R__views.sql", "CREATE VIEW v AS SELECT 1;\n");
    dir.write("V2__p.sql", "-- uses a placeholder\n\nCREATE TABLE ${prefix}_t (x);\n");
    dir.write("U3__orphan.sql", "DROP TABLE c;\n");
    dir.write("V4__x.sql", "SELECT 1;\n");
    dir.write("V4__x.sql.conf", "executeInTransaction=false\nmixed=true\n");
    dir.write("afterMigrate.sql", "SELECT 1;\n");
    dir.write("notes.sql", "SELECT 1;\n");
    auto migrations = load_migrations(dir.path(), Layout::flyway);
    ASSERT_FALSE(migrations.has_value());
    const auto& message = migrations.error().message;
    EXPECT_CONTAINS(message, "V1.0__again.sql and ") << message;
    EXPECT_CONTAINS(message, "R__views.sql: a Flyway repeatable migration") << message;
    EXPECT_CONTAINS(message, "run_exec(command = flyway migrate)") << message;
    EXPECT_CONTAINS(message, "V2__p.sql:3: Flyway placeholder ${prefix}") << message;
    EXPECT_CONTAINS(message, "U3__orphan.sql: an undo migration without") << message;
    EXPECT_CONTAINS(message, "V4__x.sql.conf:2: 'mixed=true'") << message;
    EXPECT_CONTAINS(message, "afterMigrate.sql: a Flyway callback") << message;
    EXPECT_CONTAINS(message, "notes.sql: not a Flyway migration file name") << message;
}

}  // namespace
}  // namespace belay
