// `cmake --install`: the binary, its man page, bash completion and the manual land where a
// Debian system looks for them, and the installed binary runs; the library, headers and CMake
// package let another project find_package(belay) and link belay::belay.
#include "belay/api.hpp"
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

// examples/registry_app is a project of its own: built against the installed tree alone (no
// source tree on its include path), it migrates its database with the installed library.
TEST(InstallTest, AnotherProjectBuildsAgainstTheInstalledPackageAndRuns) {
    TempDir work;
    const auto prefix = work / "prefix";
    int status = -1;
    auto log = shell_output("cmake --install '" + std::string(BELAY_BUILD_DIR) + "' --prefix '" +
                                prefix.string() + "' 2>&1",
                            &status);
    ASSERT_EQ(status, 0) << log;
    for (const auto* file :
         {"include/belay/belay.hpp", "lib/libbelay.a", "lib/cmake/belay/belayConfig.cmake",
          "lib/cmake/belay/belayConfigVersion.cmake"}) {
        EXPECT_TRUE(fs::exists(prefix / file)) << file;
    }
    // The package says which SQLite the library carries; a bundled one is installed with it.
    const auto config = read_file(prefix / "lib/cmake/belay/belayConfig.cmake");
    EXPECT_CONTAINS(config, std::string("set(belay_SQLITE \"") +
                                (sqlite_is_bundled() ? "bundled" : "system") + "\")");
    EXPECT_CONTAINS(config,
                    "set(belay_SQLITE_VERSION \"" + std::string(sqlite_library_version()) + "\")");
    EXPECT_EQ(fs::exists(prefix / "lib/libbelay-sqlite3.a"), sqlite_is_bundled());
    EXPECT_EQ(fs::exists(prefix / "include/belay/sqlite3/sqlite3.h"), sqlite_is_bundled());
    // The consumer is built the way this build was (a sanitizer build's library needs the
    // sanitizer at link time too).
    const auto build = work / "consumer";
    log = shell_output(
        "cmake -S '" + (source_dir() / "examples" / "registry_app").string() + "' -B '" +
            build.string() + "' -DCMAKE_PREFIX_PATH='" + prefix.string() +
            "' -DCMAKE_BUILD_TYPE='" BELAY_BUILD_TYPE "' -DCMAKE_CXX_FLAGS='" BELAY_CXX_FLAGS
            "' -DCMAKE_EXE_LINKER_FLAGS='" BELAY_EXE_LINKER_FLAGS "' 2>&1 && cmake --build '" +
            build.string() + "' 2>&1",
        &status);
    ASSERT_EQ(status, 0) << log;
    EXPECT_CONTAINS(read_file(build / "CMakeCache.txt"),
                    "belay_DIR:PATH=" + (prefix / "lib" / "cmake" / "belay").string())
        << "the consumer must use the installed package";
    // The program's own SQLite calls and belay's use one SQLite, belay::sqlite3: compiled in
    // from a bundled build (no libsqlite3 loaded), else the system's.
    const auto libraries = shell_output("ldd '" + (build / "registry_app").string() + "'");
    EXPECT_EQ(libraries.find("libsqlite3.so") == std::string::npos, sqlite_is_bundled())
        << libraries;

    RunOptions options;
    options.program = build / "registry_app";
    options.cwd = work.path();
    options.env = {{"BELAY_AUTO_MIGRATE", "true"}};
    const auto added = run_belay({(work / "app.db").string(), "add", "belay", "0.1.0"}, options);
    ASSERT_EQ(added.exit_code, 0) << describe(added);
    EXPECT_EQ(added.out, "added belay 0.1.0\n");
    TestDb db(work / "app.db", true);
    EXPECT_EQ(db.column("SELECT version FROM schema_migrations ORDER BY version"),
              (std::vector<std::string>{"0001", "0002", "0003"}));
}

}  // namespace
}  // namespace belay::testing
