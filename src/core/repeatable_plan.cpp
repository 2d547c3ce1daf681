// Files x belay_repeatable -> where each repeatable migration stands (core/plan.hpp).
#include <map>

#include "core/plan.hpp"

namespace belay {

std::string_view to_string(RepeatableStatus status) {
    switch (status) {
        case RepeatableStatus::pending:
            return "pending";
        case RepeatableStatus::applied:
            return "applied";
        case RepeatableStatus::changed:
            return "changed";
    }
    return "unknown";
}

std::vector<RepeatableEntry> plan_repeatables(std::span<const RepeatableMigration> repeatables,
                                              const History& history) {
    std::map<std::string_view, const AppliedRepeatable*> rows;
    for (const auto& row : history.repeatables) {
        rows.emplace(row.name, &row);
    }
    std::vector<RepeatableEntry> entries;
    entries.reserve(repeatables.size());
    for (const auto& repeatable : repeatables) {
        RepeatableEntry entry{
            .migration = &repeatable, .status = RepeatableStatus::pending, .applied = std::nullopt};
        if (const auto row = rows.find(repeatable.name); row != rows.end()) {
            entry.applied = *row->second;
            entry.status = row->second->checksum == repeatable.checksum ? RepeatableStatus::applied
                                                                        : RepeatableStatus::changed;
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

std::vector<const RepeatableMigration*> repeatables_due(
    std::span<const RepeatableMigration> repeatables, const History& history) {
    std::vector<const RepeatableMigration*> due;
    for (const auto& entry : plan_repeatables(repeatables, history)) {
        if (entry.status != RepeatableStatus::applied) {
            due.push_back(entry.migration);
        }
    }
    return due;
}

Migration step_of(const RepeatableMigration& repeatable) {
    return Migration{.version = *Version::parse("0"),
                     .name = repeatable.name,
                     .path = repeatable.path,
                     .up = repeatable.up,
                     .down = {},
                     .verify = {},
                     .up_no_transaction = false,
                     .down_no_transaction = false,
                     .timeout = std::nullopt,
                     .checksum = repeatable.checksum,
                     .layout = repeatable.layout,
                     .journal_when = 0};
}

}  // namespace belay
