// What a migrate run did, as data: the engine fills it, the CLI renders it as text or JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace belay {

enum class StepResult {
    applied,      // committed with its history row
    failed,       // rolled back (or, for a NoTransaction step, left dirty) and recorded
    would_apply,  // dry run: succeeded on the rehearsal copy
    would_fail,   // dry run: failed on the rehearsal copy
    not_run,      // after a failure, or skipped because another run applied it meanwhile
};

std::string_view to_string(StepResult result);

struct StepReport {
    std::string version;  // as written in the file name
    std::string name;
    StepResult result = StepResult::not_run;
    std::int64_t duration_ms = 0;
    bool no_transaction = false;
    std::string error;                  // why it failed (empty otherwise)
    std::vector<std::string> warnings;  // e.g. new dangling foreign keys under --validate normal
};

struct RunReport {
    std::string database;  // the path as given
    bool dry_run = false;
    bool created_database = false;  // migrate created the file (a fresh install)
    std::string version_before = "0";
    std::string version_after = "0";
    std::vector<StepReport> steps;
    std::vector<std::string> notes;       // things the operator should know (printed as notes)
    std::vector<std::string> pruned;      // backups removed by --keep after the run
    std::optional<std::string> snapshot;  // the backup taken before the first step
    std::string restore_command;          // the command that undoes this run, with snapshot
    std::optional<Error> error;           // set when the run failed; decides the exit code

    bool succeeded() const { return !error.has_value(); }
};

}  // namespace belay
