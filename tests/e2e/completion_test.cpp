// `belay completion bash`: the script runs in bash and offers exactly what --help lists.
#include <regex>
#include <set>
#include <sstream>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

std::set<std::string> words_of(const std::string& text) {
    std::set<std::string> words;
    std::istringstream in(text);
    std::string word;
    while (in >> word) {
        words.insert(word);
    }
    return words;
}

class CompletionTest : public E2eTest {
  protected:
    void SetUp() override {
        auto script = run_belay({"completion", "bash"});
        ASSERT_EQ(script.exit_code, 0) << describe(script);
        m_script = write_file("belay.bash", script.out);
    }

    // What bash offers for the command line `words` (the last one being completed), as
    // completing in dir().
    std::set<std::string> complete(const std::vector<std::string>& words) {
        std::string array;
        for (const auto& word : words) {
            array += " '" + word + "'";
        }
        const auto script =
            write_file("complete.sh", "source '" + m_script.string() + "'\nCOMP_WORDS=(" + array +
                                          ")\nCOMP_CWORD=" + std::to_string(words.size() - 1) +
                                          "\n_belay\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n");
        const std::string command =
            "cd '" + dir().string() + "' && bash '" + script.string() + "' 2>&1";
        return words_of(shell_output(command));
    }

    fs::path m_script;
};

// The options `belay db <command> --help` (or `belay fleet <command> --help`) lists.
std::set<std::string> listed_options(const std::string& command, const std::string& group = "db") {
    std::set<std::string> options{"--help"};
    std::istringstream lines(run_belay({group, command, "--help"}).out);
    std::string line;
    const std::regex option(R"(^  (-\w) \[ (--[\w-]+) \]|^  (--[\w-]+))");
    while (std::getline(lines, line)) {
        std::smatch match;
        if (std::regex_search(line, match, option)) {
            for (std::size_t i = 1; i < match.size(); ++i) {
                if (match[i].matched) {
                    options.insert(match[i].str());
                }
            }
        }
    }
    return options;
}

TEST_F(CompletionTest, OffersEveryCommandAndExactlyEachCommandsOptions) {
    const auto listed = listed_commands();
    const std::set<std::string> commands(listed.begin(), listed.end());
    ASSERT_GE(commands.size(), 20u);
    EXPECT_EQ(complete({"belay", "db", ""}), commands);
    EXPECT_EQ(complete({"belay", "db", "mig"}), std::set<std::string>{"migrate"});
    EXPECT_EQ(complete({"belay", ""}),
              (std::set<std::string>{"db", "fleet", "completion", "--help", "--version"}));
    for (const auto& command : commands) {
        SCOPED_TRACE(command);
        auto offered = complete({"belay", "db", command, "-"});
        EXPECT_EQ(offered, listed_options(command));
    }
}

TEST_F(CompletionTest, OffersTheFleetCommandsAndExactlyEachOnesOptions) {
    EXPECT_TRUE(complete({"belay", ""}).contains("fleet"));
    EXPECT_EQ(complete({"belay", "fleet", ""}),
              (std::set<std::string>{"migrate", "resume", "status", "backup", "check"}));
    for (const char* command : {"migrate", "resume", "status", "backup", "check"}) {
        SCOPED_TRACE(command);
        EXPECT_EQ(complete({"belay", "fleet", command, "-"}), listed_options(command, "fleet"));
    }
    EXPECT_EQ(complete({"belay", "fleet", "migrate", "--validate", ""}),
              (std::set<std::string>{"normal", "full", "strict"}));
}

TEST_F(CompletionTest, CompletesValuesAndBackupFiles) {
    EXPECT_EQ(complete({"belay", "db", "migrate", "--validate", ""}),
              (std::set<std::string>{"normal", "full", "strict"}));
    EXPECT_EQ(complete({"belay", "db", "down", "--st"}),
              (std::set<std::string>{"--steps", "--step-timeout"}));
    EXPECT_TRUE(complete({"belay", "db", "status", "--format", ""}).contains("golang-migrate"));
    EXPECT_TRUE(complete({"belay", "db", "status", "--format", "dri"}).contains("drizzle"));
    EXPECT_EQ(complete({"belay", "db", "adopt", "--from", "dr"}), std::set<std::string>{"drizzle"});
    write_file("app-20261201-101500.bak", "x");
    write_file("notes.txt", "x");
    EXPECT_EQ(complete({"belay", "db", "restore", "--db", "app.db", "app-"}),
              std::set<std::string>{"app-20261201-101500.bak"});
    fs::create_directories(dir() / "migrations-old");
    EXPECT_EQ(complete({"belay", "db", "status", "--migrations", "migrations-"}),
              std::set<std::string>{"migrations-old"});
}

TEST(CompletionCommandTest, AnythingButBashIsAUsageError) {
    auto result = run_belay({"completion", "zsh"});
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "belay completion bash") << result.err;
}

}  // namespace
}  // namespace belay::testing
