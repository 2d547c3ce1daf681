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
    EXPECT_CONTAINS(status, "\x1b[32mapplied") << status;
    EXPECT_CONTAINS(status, "\x1b[33mpending") << status;
    const auto run = on_terminal("env -u NO_COLOR TERM=xterm", "migrate");
    EXPECT_CONTAINS(run, "\x1b[32mapplied") << run;
    EXPECT_CONTAINS(run, "0002_b") << run;
}

TEST_F(ColorTest, ErrorsAreRedOnATerminal) {
    const auto error = on_terminal("env -u NO_COLOR TERM=xterm", "restore no-such.bak --yes");
    EXPECT_CONTAINS(error, "belay: \x1b[31merror:") << error;
}

TEST_F(ColorTest, NoColourWithNoColorOrADumbTerminalOrInAPipe) {
    for (const auto* environment : {"env NO_COLOR=1 TERM=xterm", "env -u NO_COLOR TERM=dumb"}) {
        SCOPED_TRACE(environment);
        const auto status = on_terminal(environment, "status");
        EXPECT_CONTAINS(status, "pending") << status;
        EXPECT_NOT_CONTAINS(status, k_escape) << status;
        const auto error = on_terminal(environment, "restore no-such.bak --yes");
        EXPECT_CONTAINS(error, "belay: error:") << error;
    }
    // An empty NO_COLOR does not count (no-color.org).
    const auto empty = on_terminal("env NO_COLOR= TERM=xterm", "status");
    EXPECT_CONTAINS(empty, k_escape) << empty;
    auto piped = belay("status");
    EXPECT_EQ(piped.exit_code, 0) << describe(piped);
    EXPECT_NOT_CONTAINS(piped.out, k_escape) << piped.out;
}

}  // namespace
}  // namespace belay::testing
