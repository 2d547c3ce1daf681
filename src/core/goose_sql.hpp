// Two things goose does to the SQL lines of its files that belay does the same way:
//
// - With "-- +goose ENVSUB ON", goose substitutes environment variables in each line it adds
//   to a statement (mfridman/interpolate's rules, a subset of the POSIX shell's):
//     $NAME, ${NAME}          the value, or nothing when NAME is unset
//     ${NAME:-word}           word when NAME is unset or empty (word may hold expansions)
//     ${NAME-word}            word when NAME is unset
//     ${NAME?word}            an error saying word ("not set" without one) when NAME is unset
//     ${NAME:offset[:length]} the value's bytes from offset (negative: from the end), at most
//                             length of them (negative: up to that many from the end)
//     $$ and \$               a literal $; \\ stays \\; "$(" and a "$" that ends the line stay
//   A name starts with a letter and goes on with letters, digits and _. Anything else after a
//   "$" is an error, as in goose.
// - goose adds a line to a statement unless no statement has begun and the line is a comment
//   or empty, and ends the statement at a line whose last word (before a "--" comment) ends
//   with ";", or at StatementEnd. Text left over when a section ends is refused ("missing
//   semicolon?"). GooseStatements follows that, so substitution touches the same lines and an
//   unfinished statement is refused on the same evidence.
#pragma once

#include <cstddef>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace belay {

// Looks up an environment variable: its value (maybe empty), or std::nullopt when it is unset.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process's environment (getenv), what goose reads.
EnvironmentLookup process_environment();

// Why a line's substitution failed: the part of the line at fault ([begin, end) of it) and why,
// in words that follow "'<part>' ".
struct SubstitutionError {
    std::size_t begin = 0;
    std::size_t end = 0;
    std::string reason;
};

// `line` with its variables substituted as above. Bytes that are not UTF-8 are refused (goose
// would write U+FFFD in their place), and so is a name with a character that is not ASCII
// (belay reads names as ASCII letters, digits and _; goose also takes other letters).
std::expected<std::string, SubstitutionError> substitute_variables(
    std::string_view line, const EnvironmentLookup& environment);

// goose's view of one section's statements, line by line (see above).
class GooseStatements {
  public:
    // Whether goose adds `line` (the line as read, without its line end) to a statement; only
    // such a line is substituted.
    bool takes(std::string_view line) const;
    // Records that `line` (number `line_number`, after substitution) was added.
    void add(std::string_view line, int line_number);
    void statement_begin() { m_in_block = true; }
    void statement_end();
    // The line where an unfinished statement starts, or 0: what goose refuses when the section
    // ends. Resets for the next section.
    int unfinished_at_section_end();

  private:
    bool m_started = false;   // a statement has begun (goose's buffer is not empty)
    int m_text_line = 0;      // the first line of it with more than blanks; 0: none yet
    bool m_in_block = false;  // between StatementBegin and StatementEnd
};

}  // namespace belay
