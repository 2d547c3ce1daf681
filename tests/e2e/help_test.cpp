// `belay --help` and `belay db <command> --help`: every command listed has its own help with
// examples, and every example runs as written.
#include <sstream>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

// The examples of `belay db <command> --help`: the indented lines that start with "belay ".
std::vector<std::string> examples_of(const std::string& help) {
    std::vector<std::string> examples;
    std::istringstream lines(help.substr(help.find("\nExamples:\n")));
    std::string line;
    while (std::getline(lines, line)) {
        if (line.starts_with("  belay ")) {
            examples.push_back(line.substr(2));
        }
    }
    return examples;
}

std::vector<std::string> words_of(const std::string& command) {
    std::vector<std::string> words;
    std::istringstream in(command);
    std::string word;
    while (in >> word) {
        words.push_back(word);
    }
    return words;
}

class HelpTest : public E2eTest {
  protected:
    // A directory for `command`'s examples, as they assume it: the shipped migrations in
    // migrations/ and registry.db, migrated with a backup beside it; never migrated for
    // baseline (which records what a database already has), with goose's history for adopt.
    fs::path prepare_for(const std::string& command, std::size_t example) {
        const auto root = dir() / (command + std::to_string(example));
        fs::create_directories(root);
        fs::copy(source_dir() / "migrations", root / "migrations");
        const auto registry = root / "registry.db";
        if (command == "baseline") {
            TestDb(registry).exec("CREATE TABLE kept (x)");
        } else if (command == "adopt") {
            TestDb(registry).exec(
                "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                "version_id INTEGER NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP "
                "DEFAULT (datetime('now')));"
                "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1), (1, 1);");
        } else {
            for (const auto* step : {"migrate", "backup"}) {
                auto done = run_in(root, {"db", step, "--db", "registry.db", "-q"});
                EXPECT_EQ(done.exit_code, 0) << describe(done);
            }
        }
        return root;
    }

    static RunResult run_in(const fs::path& root, const std::vector<std::string>& args) {
        RunOptions options;
        options.cwd = root;
        return run_belay(args, options);
    }
};

TEST_F(HelpTest, EveryCommandHasHelpWithExamplesThatRunAsWritten) {
    const auto commands = listed_commands();
    ASSERT_GE(commands.size(), 20u);
    for (const auto& command : commands) {
        SCOPED_TRACE(command);
        auto help = run_belay({"db", command, "--help"});
        ASSERT_EQ(help.exit_code, 0) << describe(help);
        EXPECT_TRUE(help.out.starts_with("Usage: belay db " + command)) << help.out;
        EXPECT_CONTAINS(help.out, "Common options:") << help.out;
        const auto examples = examples_of(help.out);
        ASSERT_FALSE(examples.empty()) << help.out;
        // Each in turn in one directory (dump-schema --check reads what --out wrote), but adopt's
        // each in a fresh one: adopting takes the other tool's table away.
        auto root = prepare_for(command, 0);
        for (std::size_t i = 0; i < examples.size(); ++i) {
            const auto& example = examples[i];
            SCOPED_TRACE(example);
            if (command == "adopt" && i > 0) {
                root = prepare_for(command, i);
            }
            auto words = words_of(example);
            ASSERT_EQ(words.at(0), "belay");
            ASSERT_EQ(words.at(2), command) << "an example of another command";
            words.erase(words.begin());
            auto result = run_in(root, words);
            EXPECT_EQ(result.exit_code, 0) << describe(result);
        }
    }
}

TEST_F(HelpTest, UnknownCommandIsAnErrorThatPointsAtTheList) {
    auto result = run_belay({"db", "migrat"});
    EXPECT_EQ(result.exit_code, 2) << describe(result);
    EXPECT_CONTAINS(result.err, "unknown command 'db migrat'") << result.err;
    EXPECT_CONTAINS(result.err, "db migrate") << "the list of commands";
}

TEST_F(HelpTest, DbHelpListsTheCommandsLikeBelayHelp) {
    const auto top = run_belay({"--help"});
    ASSERT_EQ(top.exit_code, 0) << describe(top);
    for (const auto* flag : {"--help", "-h", "help"}) {
        auto result = run_belay({"db", flag});
        EXPECT_EQ(result.exit_code, 0) << flag << ": " << describe(result);
        EXPECT_EQ(result.out, top.out) << flag;
        EXPECT_TRUE(result.err.empty()) << result.err;
    }
}

}  // namespace
}  // namespace belay::testing
