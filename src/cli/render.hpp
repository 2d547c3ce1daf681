// Rendering engine reports on stdout: a table for people, one JSON document for programs.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "belay/run_report.hpp"
#include "belay/status.hpp"

namespace belay::cli {

void print_status_text(const StatusReport& report);
nlohmann::json status_to_json(const StatusReport& report);

void print_run_text(const RunReport& report);
nlohmann::json run_to_json(const RunReport& report, int exit_code);

// "12.3 KiB", "4.0 MiB": sizes for people.
std::string human_size(std::uintmax_t bytes);

}  // namespace belay::cli
