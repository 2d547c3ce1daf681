// The line-by-line reader behind parse_migration (migration_parser.hpp): directives in the
// file's layout, sections and their blocks, and every problem on the way. Internal to core.
#pragma once

#include <array>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "belay/migration.hpp"
#include "core/error.hpp"
#include "core/goose_sql.hpp"
#include "core/migration_directives.hpp"

namespace belay {

enum class SectionKind { up, down, verify };

// What the text of a file says, apart from version, name and checksum.
struct ParsedText {
    std::array<SqlSection, 3> sections;  // indexed by SectionKind
    SqlSection& section(SectionKind kind) { return sections[static_cast<std::size_t>(kind)]; }
    bool up_no_transaction = false;
    bool down_no_transaction = false;
    std::optional<std::chrono::milliseconds> timeout;
};

// Walks a file line by line, filling the sections and collecting every problem on the way.
class MigrationTextParser {
  public:
    // `path` names the file in messages and `environment` serves goose's ENVSUB; both must
    // outlive the parser.
    MigrationTextParser(const std::filesystem::path& path, Layout layout,
                        const EnvironmentLookup& environment)
        : m_path(path), m_layout(layout), m_environment(environment) {}

    void parse(std::string_view text);
    void problem(int line, std::string message) {
        m_problems.emplace_back(line, std::move(message));
    }
    // The problems found, one per line in line order, or std::nullopt when there are none.
    std::optional<Error> error();
    // What parse() found, handed over (the sections' text is not copied); call once.
    ParsedText take_result() { return std::move(m_result); }

  private:
    // Where one section's blocks stand.
    struct Blocks {
        int first_marker = 0;   // the line of its first marker; 0: no such section yet
        int marker = 0;         // the line of the marker of its latest block
        std::size_t start = 0;  // where that block begins in the section's text
        int closed_by = 0;      // the line of the marker that ended that block
    };

    void text_line(int line_number, std::string_view line);
    std::string substituted(int line_number, std::string_view line);
    void handle_directive(int line, const Directive& directive);
    void open_section(int line, SectionKind kind, const Directive& directive);
    bool layout_allows(int line, SectionKind kind);
    void read_section_options(int line, SectionKind kind, const Directive& directive);
    void join_block(int line, SectionKind kind);
    // Ends the current section at the marker on `marker_line` (0: the end of the file).
    void close_section(int marker_line);
    void set_timeout(int line, const Directive& directive);
    void statement_begin(int line);
    void statement_end(int line);
    void check_preamble();
    bool no_options(int line, const Directive& directive);
    std::string said(DirectiveKind kind) const;
    Blocks& blocks(SectionKind kind) { return m_blocks[static_cast<std::size_t>(kind)]; }

    const std::filesystem::path& m_path;
    Layout m_layout;
    const EnvironmentLookup& m_environment;
    ParsedText m_result;
    std::vector<std::pair<int, std::string>> m_problems;  // (line, message); line 0: whole file
    std::string m_preamble;                     // text before the first marker, directives blanked
    SqlSection m_discarded;                     // where a refused section's lines go
    SqlSection* m_current = nullptr;            // where lines go; nullptr before the first marker
    std::optional<SectionKind> m_current_kind;  // the section m_current is (unset: discarded)
    std::array<Blocks, 3> m_blocks{};
    int m_open_statement_begin = 0;  // line of an unmatched StatementBegin; 0 when none
    int m_timeout_line = 0;
    int m_envsub_line = 0;     // goose: the ENVSUB ON in force; 0 when off
    int m_dbmate_open_up = 0;  // dbmate: the line of an up block still waiting for its down
    GooseStatements m_goose;   // goose: its view of the current section's statements
};

}  // namespace belay
