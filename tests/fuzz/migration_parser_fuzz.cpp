// libFuzzer target: arbitrary bytes as the text of a migration file, read as each single-file
// layout the way load_migrations reads it (parse_migration with the layout; goose's ENVSUB
// reads an empty environment), then split and linted as belay does before a run.
//
// Beyond "no crash", it checks the contracts of core/migration_parser.hpp:
//   - parsing is deterministic: the same text gives the same Migration or the same message;
//   - every problem is "<path>: ..." or "<path>:<line>: ..." with a line inside the file;
//   - a parsed migration has an Up section, its file name's version and name, the text's
//     checksum, and sections whose lines are the file's own lines at their file line numbers
//     (or empty, or ';', where the file has a directive or another section's block; in a goose
//     file, with its variables substituted);
//   - statements and lint findings point at lines inside the file.
// The first line of the input also serves as a file name for parse_migration_file_name.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/checksum.hpp"
#include "core/goose_sql.hpp"
#include "core/migration_parser.hpp"
#include "core/sql_lint.hpp"
#include "fuzz/fuzz_check.hpp"
#include "sqlite/statement_split.hpp"

namespace {

using belay::Layout;
using belay::Migration;
using belay::SqlSection;
using belay::fuzz::require;

constexpr std::string_view k_path = "db/0042_fuzzed.sql";
constexpr std::size_t k_max_file_name = 255;

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    for (std::size_t pos = 0; pos < text.size();) {
        const auto end = std::min(text.find('\n', pos), text.size());
        lines.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return lines;
}

// "<path>: ..." or "<path>:<line>: ..." with 1 <= line <= line_count, for every line of `message`.
void check_problem_lines(std::string_view message, std::string_view file, std::size_t line_count) {
    require(!message.empty(), "an error without a message");
    for (std::string_view line : lines_of(message)) {
        require(line.starts_with(file) && line.substr(file.size()).starts_with(':'),
                "a problem does not start with the file's path");
        line.remove_prefix(file.size() + 1);
        if (line.starts_with(' ')) {
            continue;  // a problem of the whole file
        }
        const auto colon = line.find(':');
        const auto number = line.substr(0, colon);
        require(colon != std::string_view::npos && !number.empty() &&
                    std::ranges::all_of(number, [](char c) { return c >= '0' && c <= '9'; }),
                "a problem has neither a line number nor a space after the path");
        require(number.size() <= 9, "a problem's line number is absurdly long");
        const std::size_t line_number = std::stoul(std::string(number));
        require(line_number >= 1 && line_number <= line_count,
                "a problem's line number is outside the file");
    }
}

bool same_section(const SqlSection& a, const SqlSection& b) {
    return a.present == b.present && a.sql == b.sql && a.first_line == b.first_line &&
           a.file == b.file;
}

bool same_migration(const Migration& a, const Migration& b) {
    return a.version.text() == b.version.text() && a.name == b.name && a.path == b.path &&
           same_section(a.up, b.up) && same_section(a.down, b.down) &&
           same_section(a.verify, b.verify) && a.up_no_transaction == b.up_no_transaction &&
           a.down_no_transaction == b.down_no_transaction && a.timeout == b.timeout &&
           a.checksum == b.checksum && a.layout == b.layout;
}

const belay::EnvironmentLookup k_no_environment = [](const std::string&) {
    return std::optional<std::string>();
};

// Each line of `section` is the file's line at its file line number (a CR before the LF
// dropped; in a goose file maybe with its variables substituted), or an empty line or ';'.
void check_section_lines(const SqlSection& section, const std::vector<std::string_view>& file,
                         Layout layout) {
    if (!section.present) {
        require(section.sql.empty() && section.first_line == 0, "an absent section has text");
        return;
    }
    require(
        section.first_line >= 2 && static_cast<std::size_t>(section.first_line) <= file.size() + 1,
        "a section's first line is not the line after a marker");
    require(section.sql.empty() || section.sql.ends_with('\n'), "a section's text has no final LF");
    std::size_t file_line = static_cast<std::size_t>(section.first_line);
    for (const std::string_view line : lines_of(section.sql)) {
        require(file_line <= file.size(), "a section has more lines than the file");
        std::string_view original = file[file_line - 1];
        if (original.ends_with('\r')) {
            original.remove_suffix(1);
        }
        const auto substituted = belay::substitute_variables(original, k_no_environment);
        require(line == original || line.empty() || line == ";" ||
                    (layout == Layout::goose && substituted && line == *substituted),
                "a section's line is not the file's line with the same number");
        ++file_line;
    }
}

void check_statements(const Migration& migration, const SqlSection& section, std::string_view name,
                      bool no_transaction, std::size_t line_count) {
    if (!section.present) {
        return;
    }
    const auto statements = belay::sqlite::split_statements(section);
    for (const auto& statement : statements) {
        require(statement.line >= section.first_line &&
                    static_cast<std::size_t>(statement.line) <= line_count,
                "a statement's line is outside its section");
    }
    if (!no_transaction) {
        const auto checked = belay::check_transactional_statements(migration, name, statements);
        if (!checked) {
            check_problem_lines(checked.error().message, migration.path.string(), line_count);
        }
    }
}

void check_migration(const Migration& migration, std::string_view text) {
    const auto file = lines_of(text);
    require(migration.up.present, "a migration parsed without an Up section");
    require(migration.version.text() == "0042" && migration.name == "fuzzed" &&
                migration.path == k_path,
            "the version, name or path is not the file name's");
    require(migration.checksum == belay::migration_checksum(text),
            "the checksum is not the text's");
    require(!migration.timeout || migration.timeout->count() >= 1, "a timeout under 1 ms");
    check_section_lines(migration.up, file, migration.layout);
    check_section_lines(migration.down, file, migration.layout);
    check_section_lines(migration.verify, file, migration.layout);
    check_statements(migration, migration.up, "Up", migration.up_no_transaction, file.size());
    check_statements(migration, migration.down, "Down", migration.down_no_transaction, file.size());
    check_statements(migration, migration.verify, "Verify", false, file.size());
}

void check_layout(std::string_view contents, Layout layout) {
    const auto first = belay::parse_migration(k_path, contents, layout, k_no_environment);
    const auto second = belay::parse_migration(k_path, contents, layout, k_no_environment);
    require(first.has_value() == second.has_value(), "parsing the same text twice disagrees");
    if (!first) {
        require(first.error().code == belay::ErrorCode::invalid_input &&
                    first.error().message == second.error().message,
                "parsing the same text twice gives different errors");
        check_problem_lines(first.error().message, k_path, lines_of(contents).size());
        return;
    }
    require(same_migration(*first, *second), "parsing the same text twice gives two migrations");
    require(first->layout == layout, "a migration does not say its layout");
    check_migration(*first, contents);
}

// A file name that parses gives back exactly its parts: "<digits>_<name>.sql".
void check_file_name(std::string_view contents) {
    const auto name = contents.substr(0, std::min(contents.find('\n'), k_max_file_name));
    const auto parsed = belay::parse_migration_file_name(name);
    if (!parsed) {
        return;
    }
    const std::string& digits = parsed->first.text();
    require(
        !digits.empty() && std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '9'; }),
        "a file name's version is not digits");
    require(!parsed->second.empty(), "a file name's name is empty");
    require(digits + "_" + parsed->second + ".sql" == name, "a file name does not round-trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view contents(reinterpret_cast<const char*>(data), size);
    for (const Layout layout : {Layout::sql_migrate, Layout::goose, Layout::dbmate}) {
        check_layout(contents, layout);
    }
    check_file_name(contents);
    return 0;
}
