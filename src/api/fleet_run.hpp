// The part of a fleet run every fleet command shares: databases handed to `jobs` threads in
// selection order (a canary range first), the journal's start and end lines, the limits
// (max_failures, a signal), and the summary built as results come in.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "belay/fleet.hpp"
#include "belay/options.hpp"
#include "core/fleet_journal.hpp"

namespace belay::fleet {

// Runs one database; `index` is its place in the selection.
using Action = std::function<FleetResult(const FleetMember& member, std::size_t index)>;

struct Run {
    const std::vector<FleetMember>* members = nullptr;
    FleetJournal* journal = nullptr;  // null: nothing is journaled (dry run, status, check)
    // Results the journal already holds (resume), per member; empty or members->size() long.
    std::vector<std::optional<FleetResult>> earlier;
    int jobs = 1;
    int canary = 0;
    std::optional<int> max_failures;
    Action action;
    std::function<void(const FleetProgress&)> on_progress;
    // Non-null when the action takes snapshots, which go where these options say for each
    // database: a directory shared by several databases is then watched for the run's length
    // (backup_directory_index.hpp), instead of listed by each snapshot.
    const DatabaseOptions* snapshots = nullptr;
};

// `jobs` out of 1 to 256 is invalid_input; else raises the limit of open files to what that
// many databases at a time need (up to the hard limit), and fails naming both, before any
// database is opened, when the hard limit is too low (out of descriptors, a healthy database
// would be reported unreadable).
Result<void> prepare_jobs(int jobs);

// Runs every member that has no earlier result; fills `summary`'s counts, attention, slowest,
// stopped and finished (writing the "stopped" and "finished" lines to the journal).
void run_members(const Run& run, FleetSummary& summary);

// Adds one result to the summary's counts, attention list and slowest list.
void add_result(FleetSummary& summary, const FleetResult& result);

// Sorts the attention list into selection (path) order.
void finish_summary(FleetSummary& summary);

}  // namespace belay::fleet
