// Colour: on a terminal only, and never with NO_COLOR set or TERM=dumb (https://no-color.org).
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

constexpr const char* k_escape = "\x1b[";

class ColorTest : public E2eTest {
  protected:
    void SetUp() override {
        write_migration("0001_a.sql", up_only("CREATE TABLE a (x);"));
        write_migration("0002_b.sql", up_only("CREATE TABLE b (x);"));
        auto migrated = belay("migrate", {"--to", "0001", "-q"});
        ASSERT_EQ(migrated.exit_code, 0) << describe(migrated);
    }

    // `belay db status` (or another command) on a pseudo-terminal, with `environment` first.
    std::string on_terminal(const std::string& environment, const std::string& command) {
        return on_a_terminal(environment + " " + belay_binary().string() + " db " + command +
                             " --db " + db().string() + " --migrations " + migrations().string());
    }
};

TEST_F(ColorTest, StatusAndStepsAreColouredOnATerminal) {
    const auto status = on_terminal("env -u NO_COLOR TERM=xterm", "status");
    EXPECT_NE(status.find("\x1b[32mapplied"), std::string::npos) << status;
    EXPECT_NE(status.find("\x1b[33mpending"), std::string::npos) << status;
    const auto run = on_terminal("env -u NO_COLOR TERM=xterm", "migrate");
    EXPECT_NE(run.find("\x1b[32mapplied"), std::string::npos) << run;
    EXPECT_NE(run.find("0002_b"), std::string::npos) << run;
}

TEST_F(ColorTest, ErrorsAreRedOnATerminal) {
    const auto error = on_terminal("env -u NO_COLOR TERM=xterm", "restore no-such.bak --yes");
    EXPECT_NE(error.find("belay: \x1b[31merror:"), std::string::npos) << error;
}

TEST_F(ColorTest, NoColourWithNoColorOrADumbTerminalOrInAPipe) {
    for (const auto* environment : {"env NO_COLOR=1 TERM=xterm", "env -u NO_COLOR TERM=dumb"}) {
        SCOPED_TRACE(environment);
        const auto status = on_terminal(environment, "status");
        EXPECT_NE(status.find("pending"), std::string::npos) << status;
        EXPECT_EQ(status.find(k_escape), std::string::npos) << status;
        const auto error = on_terminal(environment, "restore no-such.bak --yes");
        EXPECT_NE(error.find("belay: error:"), std::string::npos) << error;
    }
    // An empty NO_COLOR does not count (no-color.org).
    const auto empty = on_terminal("env NO_COLOR= TERM=xterm", "status");
    EXPECT_NE(empty.find(k_escape), std::string::npos) << empty;
    auto piped = belay("status");
    EXPECT_EQ(piped.exit_code, 0) << describe(piped);
    EXPECT_EQ(piped.out.find(k_escape), std::string::npos) << piped.out;
}

}  // namespace
}  // namespace belay::testing
