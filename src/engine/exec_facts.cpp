#include "engine/exec_facts.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "engine/database_state.hpp"
#include "sqlite/database.hpp"
#include "sqlite/foreign_history.hpp"

namespace belay::engine {

namespace {

// belay's own history, as the tool "belay" records it: applied versions, and a NoTransaction
// step that did not finish as "<version> (dirty)". Nothing when `history_table` is not belay's.
std::optional<ToolRecords> belay_records(sqlite::Database& db, const std::string& history_table) {
    auto history = read_history(db, history_table);
    if (!history || !history->table_exists) {
        return std::nullopt;  // none, or another tool's table under that name (read as that tool)
    }
    ToolRecords records{"belay", history_table, {}};
    for (const auto& applied : history->applied) {
        records.entries.push_back(applied.version);
    }
    for (const auto& dirty : history->dirty) {
        records.entries.push_back(dirty.version + " (dirty)");
    }
    return records;
}

Result<std::vector<ToolRecords>> tool_records(sqlite::Database& db,
                                              const std::string& history_table,
                                              std::vector<Message>& notes) {
    std::vector<ToolRecords> tools;
    if (auto own = belay_records(db, history_table)) {
        tools.push_back(std::move(*own));
    }
    auto found = sqlite::find_tool_histories(db);
    BELAY_TRY(found);
    for (const auto& tool : *found) {
        auto entries = sqlite::read_tool_records(db, tool);
        if (!entries) {
            notes.push_back(fmt::format("{}'s history table {} could not be read: {}", tool.tool,
                                        tool.table, entries.error().message));
            continue;
        }
        tools.push_back(ToolRecords{tool.tool, tool.table, std::move(*entries)});
    }
    return tools;
}

// The entries of `from` that `without` lacks, as many times as `from` has them more often.
std::vector<std::string> entries_missing(const std::vector<std::string>& from,
                                         const std::vector<std::string>& without) {
    std::map<std::string, int> remaining;
    for (const auto& entry : without) {
        ++remaining[entry];
    }
    std::vector<std::string> missing;
    for (const auto& entry : from) {
        if (auto it = remaining.find(entry); it != remaining.end() && it->second > 0) {
            --it->second;
        } else {
            missing.push_back(entry);
        }
    }
    return missing;
}

void compare_tools(const std::vector<ToolRecords>& before, const std::vector<ToolRecords>& after,
                   ExecReport& report) {
    for (const auto& now : after) {
        const auto was = std::ranges::find_if(before, [&](const ToolRecords& t) {
            return t.tool == now.tool && t.table == now.table;
        });
        ToolRecordChange change{now.tool, now.table, was == before.end(), {}, {}};
        const std::vector<std::string> none;
        const auto& old_entries = change.new_table ? none : was->entries;
        change.added = entries_missing(now.entries, old_entries);
        change.removed = entries_missing(old_entries, now.entries);
        if (change.new_table || !change.added.empty() || !change.removed.empty()) {
            report.tool_records.push_back(std::move(change));
        }
    }
    for (const auto& was : before) {
        const bool gone = std::ranges::none_of(after, [&](const ToolRecords& t) {
            return t.tool == was.tool && t.table == was.table;
        });
        if (gone) {
            report.notes.push_back(
                fmt::format("{}'s history table {} is gone", was.tool, was.table));
        }
    }
}

void compare_objects(const std::vector<sqlite::SchemaObject>& before,
                     const std::vector<sqlite::SchemaObject>& after, ExecReport& report) {
    using Kind = SchemaChange::Kind;
    const auto key = [](const sqlite::SchemaObject& o) { return std::pair(o.type, o.name); };
    std::map<std::pair<std::string, std::string>, const sqlite::SchemaObject*> old_objects;
    for (const auto& object : before) {
        old_objects[key(object)] = &object;
    }
    for (const auto& object : after) {
        const auto it = old_objects.find(key(object));
        if (it == old_objects.end()) {
            report.schema_changes.push_back({Kind::added, object.type, object.name});
            continue;
        }
        if (!(*it->second == object)) {
            report.schema_changes.push_back({Kind::changed, object.type, object.name});
        }
        old_objects.erase(it);
    }
    for (const auto& [name, object] : old_objects) {
        report.schema_changes.push_back({Kind::removed, object->type, object->name});
    }
    // Tables first, then indexes, views and triggers (as a schema is read), each by name.
    const auto rank = [](const SchemaChange& change) {
        constexpr std::array<std::string_view, 4> k_order{"table", "index", "view", "trigger"};
        return std::ranges::find(k_order, change.type) - k_order.begin();
    };
    std::ranges::stable_sort(report.schema_changes, {}, rank);
}

}  // namespace

Result<DatabaseFacts> capture_facts(sqlite::Database& db, const std::string& history_table,
                                    std::vector<Message>& notes) {
    DatabaseFacts facts;
    auto integrity = sqlite::check_integrity(db, true);
    BELAY_TRY(integrity);
    facts.integrity = std::move(*integrity);
    sqlite::SchemaCatalog catalog;
    // Every object of the user's, tools' history tables included (belay's own belay_* tables
    // are left out): the command may have made any of them.
    BELAY_TRY(catalog.refresh(db, ""));
    facts.objects = catalog.user_objects();
    auto validation = sqlite::capture_validation_state(db, catalog);
    BELAY_TRY(validation);
    facts.validation = std::move(*validation);
    auto tools = tool_records(db, history_table, notes);
    BELAY_TRY(tools);
    facts.tools = std::move(*tools);
    return facts;
}

void compare_facts(const DatabaseFacts& before, const DatabaseFacts& after, ValidationLevel level,
                   ExecReport& report) {
    report.integrity_problems = entries_missing(after.integrity, before.integrity);
    if (!before.integrity.empty()) {
        report.notes.push_back(fmt::format(
            "the database failed integrity_check before the command already ({}); only new "
            "findings count against the command",
            fmt::join(before.integrity, "; ")));
    }
    compare_objects(before.objects, after.objects, report);
    compare_tools(before.tools, after.tools, report);
    auto findings = sqlite::compare_validation_states(before.validation, after.validation,
                                                      level == ValidationLevel::strict);
    report.validation_errors = std::move(findings.errors);
    report.validation_warnings = std::move(findings.warnings);
}

}  // namespace belay::engine
