// Flyway reads its files as UTF-8: bytes that are not UTF-8 are refused, naming the line, rather
// than run as raw bytes where Flyway ran (and checksummed) U+FFFD.
#include <string>

#include <gtest/gtest.h>

#include "core/migration_source.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace belay {
namespace {

TEST(FlywayEncoding, AFileThatIsNotUtf8IsRefusedNamingItsLine) {
    testing::TempDir dir;
    dir.write("V1__a.sql", "CREATE TABLE a (x);\n");
    dir.write("V2__latin1.sql", "-- ok\nINSERT INTO a VALUES ('caf\xE9');\n");
    auto migrations = load_migrations(dir.path(), Layout::flyway);
    ASSERT_FALSE(migrations.has_value());
    const auto& message = migrations.error().message;
    EXPECT_CONTAINS(message, "V2__latin1.sql:2: bytes that are not UTF-8") << message;
    EXPECT_CONTAINS(message, "iconv") << message;

    dir.write("V2__latin1.sql", "-- ok\nINSERT INTO a VALUES ('caf\xC3\xA9');\n");
    EXPECT_TRUE(load_migrations(dir.path(), Layout::flyway).has_value()) << "UTF-8 é is fine";
}

}  // namespace
}  // namespace belay
