// The Debian packages CPack makes from this build: what each holds, that the runtime package's
// Depends name the package of every shared library the binary loads, that the packaged
// binary runs, and which SQLite each says it carries: a bundled build's binary loads no
// libsqlite3 and depends on none, a system build's does. (Installing them on a clean Debian 12
// is scripts/package --check, run by CI.)
#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "belay/api.hpp"
#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

std::string quoted(const fs::path& path) {
    return "'" + path.string() + "'";
}

// `text` as a regular expression that matches exactly it ("libstdc++6").
std::string literal(const std::string& text) {
    return std::regex_replace(text, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
}

std::set<std::string> lines_of(const std::string& text) {
    std::set<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.insert(line);
    }
    return lines;
}

class PackageTest : public ::testing::Test {
  protected:
    // CPack runs once, in the first test's body: a failure there fails that test (a fatal
    // failure in SetUpTestSuite would be reported as every test skipped), and the tests after
    // it fail on the missing packages.
    void SetUp() override {
        if (s_output != nullptr) {
            return;
        }
        s_output = new TempDir;
        int status = -1;
        const auto log = shell_output("cpack -G DEB --config " +
                                          quoted(fs::path(BELAY_BUILD_DIR) / "CPackConfig.cmake") +
                                          " -B " + quoted(s_output->path()) + " 2>&1",
                                      &status);
        ASSERT_EQ(status, 0) << log;
    }
    static void TearDownTestSuite() {
        delete s_output;
        s_output = nullptr;
    }
    // <package>_<version>_<arch>.deb; empty when CPack made none.
    static fs::path deb(const std::string& package) {
        for (const auto& name : list_dir(s_output->path())) {
            if (name.starts_with(package + "_") && name.ends_with(".deb")) {
                return s_output->path() / name;
            }
        }
        return {};
    }
    static std::set<std::string> contents(const fs::path& file) {
        // "./usr/bin/belay" and so on, one path per line.
        return lines_of(shell_output("dpkg-deb --fsys-tarfile " + quoted(file) + " | tar -t"));
    }
    static inline TempDir* s_output = nullptr;
};

TEST_F(PackageTest, TheRuntimePackageHoldsTheCommandAndItsDocumentation) {
    const auto file = deb("belay");
    ASSERT_FALSE(file.empty()) << ::testing::PrintToString(list_dir(s_output->path()));
    EXPECT_EQ(shell_output("dpkg-deb --field " + quoted(file) + " Package"), "belay\n");
    const auto files = contents(file);
    for (const auto* path :
         {"./usr/bin/belay", "./usr/share/man/man1/belay.1",
          "./usr/share/bash-completion/completions/belay", "./usr/share/doc/belay/README.md",
          "./usr/share/doc/belay/manual/embedding.md"}) {
        EXPECT_TRUE(files.contains(path)) << path;
    }
    EXPECT_FALSE(files.contains("./usr/lib/libbelay.a")) << "the library is libbelay-dev's";

    TempDir root;
    int status = -1;
    const auto log =
        shell_output("dpkg-deb -x " + quoted(file) + " " + quoted(root.path()) + " 2>&1", &status);
    ASSERT_EQ(status, 0) << log;
    EXPECT_EQ(shell_output(quoted(root / "usr/bin/belay") + " --version"),
              run_belay({"--version"}).out);
}

TEST_F(PackageTest, DependsNamesThePackageOfEverySharedLibraryTheBinaryLoads) {
    const auto file = deb("belay");
    const auto depends = shell_output("dpkg-deb --field " + quoted(file) + " Depends");
    ASSERT_FALSE(depends.empty());
    // Each library ldd resolves for the built binary, and the Debian package that owns it
    // (dpkg knows some by their /lib path, some by /usr/lib: merged /usr).
    const auto owners = lines_of(shell_output(
        "for p in $(ldd " + quoted(belay_binary()) +
        " | awk '$3 ~ /^\\// {print $3}'); do r=$(realpath \"$p\"); "
        "(dpkg -S \"$p\" || dpkg -S \"$r\" || dpkg -S \"${r#/usr}\") 2>/dev/null | head -1 "
        "| cut -d: -f1; done | sort -u"));
    // The test links the library this build made: its SQLite is the binary's.
    EXPECT_EQ(owners.contains("libsqlite3-0"), !sqlite_is_bundled())
        << ::testing::PrintToString(owners);
    EXPECT_EQ(depends.find("libsqlite3") == std::string::npos, sqlite_is_bundled()) << depends;
    ASSERT_TRUE(owners.contains("libc6")) << ::testing::PrintToString(owners);
    for (const auto& owner : owners) {
        // The package itself, or a virtual package it provides (libspdlog1.10-fmt9).
        std::vector<std::string> names{owner};
        std::istringstream provides(
            shell_output("dpkg-query -W -f='${Provides}' " + owner + " 2>/dev/null"));
        for (std::string name; std::getline(provides >> std::ws, name, ',');) {
            names.push_back(name.substr(0, name.find(' ')));
        }
        EXPECT_TRUE(std::ranges::any_of(
            names,
            [&](const std::string& name) {
                return std::regex_search(depends,
                                         std::regex("(^|, )" + literal(name) + "( |,|\n|$)"));
            }))
            << owner << " provides a library belay loads but is not in Depends: " << depends;
    }
}

TEST_F(PackageTest, TheDevelopmentPackageHoldsTheLibraryHeadersAndCMakePackage) {
    const auto file = deb("libbelay-dev");
    ASSERT_FALSE(file.empty()) << ::testing::PrintToString(list_dir(s_output->path()));
    const auto files = contents(file);
    for (const auto* path :
         {"./usr/include/belay/belay.hpp", "./usr/include/belay/api.hpp",
          "./usr/include/belay/database.hpp", "./usr/lib/libbelay.a",
          "./usr/lib/cmake/belay/belayConfig.cmake", "./usr/lib/cmake/belay/belayTargets.cmake"}) {
        EXPECT_TRUE(files.contains(path)) << path;
    }
    const auto depends = shell_output("dpkg-deb --field " + quoted(file) + " Depends");
    for (const auto* needed : {"libssl-dev", "zlib1g-dev", "libfmt-dev", "libspdlog-dev", "g++"}) {
        EXPECT_CONTAINS(depends, needed) << depends;
    }
    // A bundled build's library carries its SQLite; a system build's needs Debian's.
    EXPECT_EQ(depends.find("libsqlite3-dev") != std::string::npos, !sqlite_is_bundled()) << depends;
    EXPECT_EQ(files.contains("./usr/lib/libbelay-sqlite3.a"), sqlite_is_bundled());
    EXPECT_EQ(files.contains("./usr/include/belay/sqlite3/sqlite3.h"), sqlite_is_bundled());
}

// Each package's description says which SQLite it carries, and the version.
TEST_F(PackageTest, EachDescriptionNamesTheSqliteItCarries) {
    const std::string version(sqlite_library_version());
    for (const auto* package : {"belay", "libbelay-dev"}) {
        const auto file = deb(package);
        ASSERT_FALSE(file.empty()) << package;
        const auto description = shell_output("dpkg-deb --field " + quoted(file) + " Description");
        if (sqlite_is_bundled()) {
            EXPECT_CONTAINS(description, "SQLite " + version + ", compiled") << package;
        } else {
            EXPECT_CONTAINS(description, "the system's SQLite") << package;
            EXPECT_CONTAINS(description, "built against " + version) << package;
        }
    }
}

}  // namespace
}  // namespace belay::testing
