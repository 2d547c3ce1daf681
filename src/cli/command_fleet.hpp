// `belay fleet ...`: its usage, and how a fleet's summary is shown (render_fleet.cpp).
#pragma once

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "belay/fleet.hpp"
#include "command.hpp"

namespace belay::cli {

// `belay fleet <command> ...`: returns the process exit code.
int command_fleet(const Arguments& args);

std::string fleet_usage();

// 0 when every database succeeded (status: always, unless `status_exit_code` and one needs
// attention: 6); 128 + the signal when one stopped the run; check: 6 for findings alone; else 1.
int fleet_exit_code(const FleetSummary& summary, bool status_exit_code);

nlohmann::json fleet_to_json(const FleetSummary& summary, int exit_code);
// The counts, why the run stopped, the databases that need attention (with `all`: every one),
// the slowest, the journal and how to go on.
void print_fleet_text(std::FILE* out, const FleetSummary& summary, bool all);

}  // namespace belay::cli
