// `cmake --install`: the binary, its man page, bash completion and the manual land where a
// Debian system looks for them, and the installed binary runs.
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

TEST(InstallTest, InstallsTheBinaryManPageCompletionAndManual) {
    TempDir prefix;
    int status = -1;
    const auto log = shell_output("cmake --install '" + std::string(BELAY_BUILD_DIR) +
                                      "' --prefix '" + prefix.path().string() + "' 2>&1",
                                  &status);
    ASSERT_EQ(status, 0) << log;
    const auto root = prefix.path();
    const auto binary = root / "bin" / "belay";
    ASSERT_TRUE(fs::exists(binary)) << log;
    const auto version = shell_output("'" + binary.string() + "' --version");
    EXPECT_EQ(version, run_belay({"--version"}).out);
    EXPECT_EQ(read_file(root / "share" / "man" / "man1" / "belay.1"),
              read_file(source_dir() / "docs" / "belay.1"));
    EXPECT_EQ(read_file(root / "share" / "bash-completion" / "completions" / "belay"),
              run_belay({"completion", "bash"}).out);
    for (const auto* document : {"README.md", "CHANGELOG.md", "manual/getting-started.md",
                                 "manual/commands.md", "manual/recovery.md"}) {
        EXPECT_TRUE(fs::exists(root / "share" / "doc" / "belay" / document)) << document;
    }
}

}  // namespace
}  // namespace belay::testing
