// Changes to the history alone, with no migration run: `db baseline`, `db repair`, `db force`.
//
// Each is planned as a list of HistoryChange values from the files and the history, before the
// database is written, so that the operator sees every change (and confirms it) first.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/history.hpp"
#include "core/migration.hpp"
#include "core/plan.hpp"

namespace belay {

enum class HistoryEdit {
    baseline,  // record migrations as applied on a database that existed before belay
    repair,    // clear failed and dirty marks, re-record changed checksums
    force,     // make the history say exactly "everything up to VERSION is applied"
};

std::string_view to_string(HistoryEdit edit);

struct HistoryChange {
    enum class Kind {
        add_row,          // record `migration` as applied without running it
        remove_row,       // delete the history row of `version` (its schema stays as it is)
        update_checksum,  // re-record the checksum of `version` as `checksum`
        clear_marks,      // remove the dirty mark and failed attempt of `version`
    };
    Kind kind = Kind::add_row;
    std::string version;  // as written (the file's spelling, or the history's for removals)
    std::string name;
    const Migration* migration = nullptr;  // for add_row
    std::string checksum;                  // for update_checksum
    std::string description;               // one line for the operator
};

// Every migration up to `target` recorded as applied. Refuses (refused) a database that already
// has history rows or marks; invalid_input when no file has version `target`.
Result<std::vector<HistoryChange>> plan_baseline(std::span<const Migration> migrations,
                                                 const History& history, const Version& target);

// Clears every dirty mark and failed attempt and re-records the checksum of every modified
// file. Missing files are not changed (see force); they are listed in `notes`.
std::vector<HistoryChange> plan_repair(const Plan& plan, std::vector<std::string>& notes);

// Adds a row for every file up to `target` that is not applied, removes every row newer than
// `target`, and clears every dirty mark. `target` "0" removes every row; any other target must
// be a file's version or an applied one (else invalid_input).
Result<std::vector<HistoryChange>> plan_force(const Plan& plan, const Version& target);

}  // namespace belay
