// `belay db status` and `belay db version`: read-only views of files x history.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "belay/history.hpp"
#include "belay/migrations.hpp"
#include "belay/options.hpp"
#include "belay/plan.hpp"

namespace belay {

struct DatabaseState {
    bool exists = false;            // false: the file is not there yet (nothing applied)
    std::uintmax_t size_bytes = 0;  // main file size
    History history;
};

struct StatusReport {
    std::string database;
    DatabaseState state;
    MigrationSet set;  // owns the migrations that plan's entries point into
    Plan plan;
    // The repeatable migrations (only Flyway's layout has them), in the order a run applies
    // them; their entries point into `set`.
    std::vector<RepeatableEntry> repeatables;

    // Something pending or wrong, or a repeatable migration the next run applies.
    bool needs_attention() const {
        return !plan.pending().empty() || plan.has_problems() ||
               std::ranges::any_of(repeatables, [](const RepeatableEntry& entry) {
                   return entry.status != RepeatableStatus::applied;
               });
    }
};

}  // namespace belay
