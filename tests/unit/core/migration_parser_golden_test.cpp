// Golden-file tests for the migration parser.
//
// Each testdata/parser/<name>.sql is parsed (as if its path were just "<name>.sql", so messages
// are stable) and rendered as text; the rendering must equal testdata/parser/<name>.golden byte for
// byte. The golden files are committed and reviewed like code. After an intended change, run the
// tests with BELAY_UPDATE_GOLDEN=1 to rewrite them, then read the diff before committing.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/migration_parser.hpp"
#include "support/temp_dir.hpp"

namespace belay {
namespace {

namespace fs = std::filesystem;

fs::path parser_testdata_dir() {
#ifdef BELAY_TESTDATA_DIR
    return fs::path(BELAY_TESTDATA_DIR) / "parser";
#else
    // CMake compiles sources by absolute path, so __FILE__ locates the source tree.
    return fs::path(__FILE__).parent_path() / "testdata" / "parser";
#endif
}

bool updating_golden_files() {
    const char* update = std::getenv("BELAY_UPDATE_GOLDEN");
    return update != nullptr && std::string_view(update) == "1";
}

// Renders a section with each line prefixed by its line number in the file.
std::string render_section(std::string_view label, const SqlSection& section) {
    if (!section.present) {
        return fmt::format("{}: absent\n", label);
    }
    std::string out = fmt::format("{}: first_line {}\n", label, section.first_line);
    int line = section.first_line;
    for (std::size_t pos = 0; pos < section.sql.size(); ++line) {
        const auto end = std::min(section.sql.find('\n', pos), section.sql.size());
        const std::string_view text = std::string_view(section.sql).substr(pos, end - pos);
        out +=
            text.empty() ? fmt::format("{:5} |\n", line) : fmt::format("{:5} | {}\n", line, text);
        pos = end + 1;
    }
    return out;
}

std::string render(const Result<Migration>& parsed) {
    if (!parsed) {
        return fmt::format("error (exit code {}):\n{}\n", static_cast<int>(parsed.error().code),
                           parsed.error().message);
    }
    const Migration& m = *parsed;
    std::string out =
        fmt::format("version: {}\nname: {}\nchecksum: {}\n", m.version.text(), m.name, m.checksum);
    out += fmt::format("up_no_transaction: {}\ndown_no_transaction: {}\n", m.up_no_transaction,
                       m.down_no_transaction);
    out += m.timeout ? fmt::format("timeout: {} ms\n", m.timeout->count()) : "timeout: none\n";
    out += render_section("up", m.up);
    out += render_section("down", m.down);
    out += render_section("verify", m.verify);
    return out;
}

std::vector<fs::path> parser_inputs() {
    std::vector<fs::path> inputs;
    for (const auto& entry : fs::directory_iterator(parser_testdata_dir())) {
        if (entry.path().extension() == ".sql") {
            inputs.push_back(entry.path());
        }
    }
    std::ranges::sort(inputs);
    return inputs;
}

TEST(MigrationParserGolden, EveryInputMatchesItsGoldenFile) {
    const auto inputs = parser_inputs();
    ASSERT_GE(inputs.size(), 10u) << "parser testdata missing under " << parser_testdata_dir();
    for (const fs::path& input : inputs) {
        SCOPED_TRACE(input.filename().string());
        const std::string actual =
            render(parse_migration(input.filename(), testing::read_file(input)));
        fs::path golden = input;
        golden.replace_extension(".golden");
        if (updating_golden_files()) {
            std::ofstream(golden, std::ios::binary | std::ios::trunc) << actual;
            continue;
        }
        ASSERT_TRUE(fs::exists(golden))
            << golden << " is missing; run with BELAY_UPDATE_GOLDEN=1 and review it";
        EXPECT_EQ(actual, testing::read_file(golden))
            << "rerun with BELAY_UPDATE_GOLDEN=1 if the change is intended";
    }
}

TEST(MigrationParserGolden, EveryGoldenFileHasAnInput) {
    for (const auto& entry : fs::directory_iterator(parser_testdata_dir())) {
        if (entry.path().extension() == ".golden") {
            fs::path input = entry.path();
            EXPECT_TRUE(fs::exists(input.replace_extension(".sql"))) << "stale " << entry.path();
        }
    }
}

}  // namespace
}  // namespace belay
