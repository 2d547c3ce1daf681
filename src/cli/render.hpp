// Rendering engine reports on stdout: a table for people, one JSON document for programs.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "belay/run_report.hpp"
#include "belay/status.hpp"

namespace belay::cli {

void print_status_text(const StatusReport& report);
nlohmann::json status_to_json(const StatusReport& report);

void print_run_text(const RunReport& report);
nlohmann::json run_to_json(const RunReport& report, int exit_code);

// `text` safe to print on a terminal: every control character (C0, DEL, and C1 as UTF-8) is
// written as an escape (`\x1b`, `\u009b`), so that text from a file belay reads (a sidecar's
// reason, say) cannot move the cursor, retitle the window or forge a line. With
// `keep_line_breaks`, newlines and tabs stay (for messages belay writes on several lines).
std::string printable(std::string_view text, bool keep_line_breaks = false);

// "12.3 KiB", "4.0 MiB": sizes for people.
std::string human_size(std::uintmax_t bytes);

}  // namespace belay::cli
