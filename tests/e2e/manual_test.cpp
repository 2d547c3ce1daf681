// The man page docs/belay.1 against the binary's own help: every command, its synopsis, every
// option it takes and every example of `belay db <command> --help` is in it, and it renders.
// The manual's command reference, docs/commands.md, has every command and option too.
#include <regex>
#include <sstream>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

// The man page's text with roff's escapes for '-' and '\' undone.
std::string man_page_text() {
    auto text = read_file(source_dir() / "docs" / "belay.1");
    text = std::regex_replace(text, std::regex(R"(\\-)"), "-");
    return std::regex_replace(text, std::regex(R"(\\e)"), "\\");
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        lines.push_back(line);
    }
    return lines;
}

// The options `belay db <command> --help` lists ("--db", "--to", ...).
std::vector<std::string> options_in_help(const std::vector<std::string>& help_lines) {
    std::vector<std::string> options;
    for (const auto& help_line : help_lines) {
        std::smatch option;
        if (std::regex_search(help_line, option, std::regex(R"(^  (?:-\w \[ )?(--[\w-]+))"))) {
            options.push_back(option[1].str());
        }
    }
    return options;
}

TEST(ManualTest, ManPageHasEveryCommandOptionAndExampleOfTheHelp) {
    const auto page = man_page_text();
    std::size_t commands = 0;
    for (const auto& command : listed_commands()) {
        SCOPED_TRACE(command);
        ++commands;
        auto help = run_belay({"db", command, "--help"});
        ASSERT_EQ(help.exit_code, 0) << describe(help);
        const auto help_lines = lines_of(help.out);
        const auto usage = help_lines.at(0).substr(std::string("Usage: ").size());
        EXPECT_CONTAINS(page, ".SS \"" + usage + "\"") << "no section for " << usage;
        for (const auto& option : options_in_help(help_lines)) {
            EXPECT_CONTAINS(page, option) << option;
        }
        for (const auto& help_line : help_lines) {
            if (help_line.starts_with("  belay ")) {
                EXPECT_CONTAINS(page, ".B " + help_line.substr(2) + "\n")
                    << "example missing: " << help_line;
            }
        }
    }
    EXPECT_GE(commands, 20u);
    for (const auto* word : {"NO_COLOR", "BELAY_", "belay.ini", ".belay-lock", "EXIT STATUS"}) {
        EXPECT_CONTAINS(page, word) << word;
    }
}

// docs/commands.md, the manual's reference, against the same help: a section per command and
// every option of each (common options may be described once, under "Common options", or in
// configuration.md).
TEST(ManualTest, CommandsPageHasASectionForEveryCommandAndEveryOption) {
    const auto page = read_file(source_dir() / "docs" / "commands.md") +
                      read_file(source_dir() / "docs" / "configuration.md");
    for (const auto& command : listed_commands()) {
        SCOPED_TRACE(command);
        if (command == "rollback") {
            EXPECT_CONTAINS(page, "## db down (alias db rollback)");
            continue;
        }
        EXPECT_TRUE(std::regex_search(page, std::regex("\n## db " + command + "( |\n)")))
            << "no section for db " << command;
        auto help = run_belay({"db", command, "--help"});
        ASSERT_EQ(help.exit_code, 0) << describe(help);
        const auto options = options_in_help(lines_of(help.out));
        EXPECT_FALSE(options.empty());
        for (const auto& option : options) {
            EXPECT_CONTAINS(page, option) << option;
        }
    }
}

// The fleet commands: a section of the man page for each usage line, and every option of each
// `belay fleet <command> --help` in the man page or in docs/fleet.md and commands.md.
TEST(ManualTest, FleetCommandsAreInTheManPageAndTheManual) {
    const auto page = man_page_text();
    const auto manual = read_file(source_dir() / "docs" / "fleet.md") +
                        read_file(source_dir() / "docs" / "commands.md") +
                        read_file(source_dir() / "docs" / "configuration.md");
    for (const char* command : {"migrate", "resume", "status", "backup", "check"}) {
        SCOPED_TRACE(command);
        auto help = run_belay({"fleet", command, "--help"});
        ASSERT_EQ(help.exit_code, 0) << describe(help);
        const auto help_lines = lines_of(help.out);
        const auto usage = help_lines.at(0).substr(std::string("Usage: ").size());
        EXPECT_CONTAINS(page, ".SS \"" + usage + "\"") << "no section for " << usage;
        EXPECT_CONTAINS(manual, "### fleet");
        for (const auto& option : options_in_help(help_lines)) {
            EXPECT_CONTAINS(manual, option) << option;
        }
    }
}

TEST(ManualTest, ManPageRendersWithoutWarnings) {
    // groff-base is installed by scripts/setup (man-db needs it too).
    const auto page = source_dir() / "docs" / "belay.1";
    const std::string command = "groff -man -Tutf8 -ww -z '" + page.string() + "' 2>&1";
    int status = -1;
    const auto output = shell_output(command, &status);
    EXPECT_EQ(status, 0) << "groff failed (is groff-base installed?)\n" << output;
    EXPECT_EQ(output, "") << "groff warnings";
}

}  // namespace
}  // namespace belay::testing
