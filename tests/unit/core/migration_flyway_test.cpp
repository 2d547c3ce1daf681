#include "core/migration_flyway.hpp"

#include <string>

#include <gtest/gtest.h>

#include "core/checksum.hpp"
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
    EXPECT_CONTAINS(message, "V2__p.sql:3: Flyway placeholder ${prefix}") << message;
    EXPECT_CONTAINS(message, "U3__orphan.sql: an undo migration without") << message;
    EXPECT_CONTAINS(message, "V4__x.sql.conf:2: 'mixed=true'") << message;
    EXPECT_CONTAINS(message, "afterMigrate.sql: a Flyway callback") << message;
    EXPECT_CONTAINS(message, "notes.sql: not a Flyway migration file name") << message;
}

TEST(FlywayDirectory, ReadsRepeatablesApartInFlywaysDescriptionOrder) {
    testing::TempDir dir;
    dir.write("V1__a.sql", "CREATE TABLE a (x);\n");
    // Flyway reads '_' as a space and compares descriptions as Java strings: "view a" comes
    // before "view-b" and "viewa", though "R__view_a.sql" sorts after "R__view-b.sql" by name.
    dir.write("R__viewa.sql", "SELECT 3;\n");
    dir.write("R__view-b.sql", "SELECT 2;\n");
    dir.write("R__view_a.sql",
              "\xEF\xBB\xBF"
              "CREATE VIEW va AS SELECT 1;\r\n");
    dir.write("more/R__Zeta.sql", "SELECT 0;\n");
    auto files = load_migration_files(dir.path());
    ASSERT_TRUE(files.has_value()) << files.error().message;
    ASSERT_EQ(files->migrations.size(), 1U) << "the versioned list holds V files only";
    std::vector<std::string> names;
    for (const auto& repeatable : files->repeatables) {
        names.push_back(repeatable.name);
        EXPECT_EQ(repeatable.layout, Layout::flyway);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"Zeta", "view_a", "view-b", "viewa"}));
    const auto& view_a = files->repeatables[1];
    EXPECT_EQ(view_a.path, dir.path() / "R__view_a.sql");
    EXPECT_EQ(view_a.up.sql, "CREATE VIEW va AS SELECT 1;\n") << "no BOM, CRLF read as LF";
    EXPECT_EQ(view_a.up.first_line, 1);
    EXPECT_EQ(view_a.checksum, migration_checksum("\xEF\xBB\xBF"
                                                  "CREATE VIEW va AS SELECT 1;\n"));
    EXPECT_EQ(files->repeatables[0].path, dir.path() / "more" / "R__Zeta.sql");
    auto versioned = load_migrations(dir.path());
    ASSERT_TRUE(versioned.has_value()) << versioned.error().message;
    EXPECT_EQ(versioned->size(), 1U);
}

TEST(FlywayDescription, OrdersAsJavaComparesStrings) {
    EXPECT_EQ(flyway_description("user_views__v2"), "user views  v2");
    EXPECT_TRUE(flyway_description_less("a_b", "a-b")) << "' ' before '-'";
    EXPECT_TRUE(flyway_description_less("B", "a")) << "case counts, upper case first";
    EXPECT_TRUE(flyway_description_less("ab", "abc"));
    EXPECT_FALSE(flyway_description_less("abc", "ab"));
    EXPECT_FALSE(flyway_description_less("a_b", "a b")) << "the same description";
    // U+1F600 is a surrogate pair in UTF-16 (D83D DE00), before U+FF5E; in UTF-8 it comes after.
    const std::string emoji = "\xF0\x9F\x98\x80";
    const std::string tilde = "\xEF\xBD\x9E";
    EXPECT_TRUE(flyway_description_less(emoji, tilde));
    EXPECT_FALSE(flyway_description_less(tilde, emoji));
    EXPECT_TRUE(flyway_description_less("\xC3\xA9", emoji)) << "U+00E9 before both";
}

TEST(FlywayDirectory, RefusesRepeatablesItCannotRunNamingEachFile) {
    testing::TempDir dir;
    dir.write("V1__a.sql", "CREATE TABLE a (x);\n");
    dir.write("R__user_views.sql", "SELECT 1;\n");
    dir.write("sub/R__user views.sql", "SELECT 2;\n");
    dir.write("R__vacuum.sql", "VACUUM;\n");
    dir.write("R__vacuum.sql.conf", "executeInTransaction=false\n");
    dir.write("R__p.sql", "SELECT 1;\n-- ${flyway:user}\n");
    dir.write("R1__x.sql", "SELECT 1;\n");
    auto files = load_migration_files(dir.path(), Layout::flyway);
    ASSERT_FALSE(files.has_value());
    const auto& message = files.error().message;
    EXPECT_CONTAINS(message, (dir.path() / "R__user_views.sql").string() + " and " +
                                 (dir.path() / "sub" / "R__user views.sql").string() +
                                 " are repeatable migrations of the same description ('user "
                                 "views'")
        << message;
    EXPECT_CONTAINS(message,
                    "R__vacuum.sql.conf: executeInTransaction=false for a repeatable "
                    "migration; belay runs a repeatable migration only inside a "
                    "transaction")
        << message;
    EXPECT_CONTAINS(message, "R__p.sql:2: Flyway placeholder ${flyway:user}") << message;
    EXPECT_CONTAINS(message, "R1__x.sql: not a Flyway migration file name") << message;
    EXPECT_CONTAINS(message, "repeatable migrations R__<description>.sql") << message;
    EXPECT_FALSE(load_migrations(dir.path(), Layout::flyway).has_value())
        << "the versioned list alone is refused too";
}

}  // namespace
}  // namespace belay
