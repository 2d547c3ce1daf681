// A fleet's summary as text and JSON.
#include <fmt/format.h>

#include "belay/cancellation.hpp"
#include "command_fleet.hpp"
#include "render.hpp"
#include "words.hpp"

namespace belay::cli {

namespace {

std::string counts_line(const FleetSummary& summary) {
    std::string line;
    for (std::size_t i = 0; i < k_fleet_outcome_count; ++i) {
        if (summary.counts[i] != 0) {
            line += fmt::format("{}{} {}", line.empty() ? "" : ", ",
                                to_string(static_cast<FleetOutcome>(i)), summary.counts[i]);
        }
    }
    return line.empty() ? "no databases" : line;
}

nlohmann::json result_to_json(const FleetResult& result) {
    nlohmann::json json{{"database", result.database},
                        {"outcome", to_string(result.outcome)},
                        {"duration_ms", result.duration_ms}};
    // Every field is there; null where it does not apply.
    const auto add = [&json](const char* key, const std::string& value) {
        json[key] = value.empty() ? nlohmann::json(nullptr) : nlohmann::json(value);
    };
    add("version_before", result.version_before);
    add("version_after", result.version_after);
    json["steps"] = result.steps;
    add("migration", result.migration);
    add("error", result.error);
    add("snapshot", result.snapshot);
    return json;
}

void print_result(std::FILE* out, const FleetResult& result) {
    std::string where;
    if (!result.version_after.empty()) {
        where = fmt::format(" at version {}", result.version_after);
    } else if (!result.version_before.empty()) {
        where = fmt::format(" at version {}", result.version_before);
    }
    if (result.outcome == FleetOutcome::behind) {
        where += fmt::format(", {} pending", result.steps);
    }
    fmt::print(out, "  {}  {}{}\n", printable(result.database), to_string(result.outcome), where);
    if (!result.migration.empty()) {
        fmt::print(out, "      migration: {}\n", printable(result.migration));
    }
    if (!result.error.empty()) {
        // A message of several lines keeps them, each indented under its database.
        auto text = printable(result.error, true);
        for (auto at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 7)) {
            text.replace(at, 1, "\n      ");
        }
        fmt::print(out, "      {}\n", text);
    }
    if (!result.snapshot.empty()) {
        fmt::print(out, "      snapshot: {}\n", printable(result.snapshot));
    }
}

}  // namespace

std::string fleet_usage() {
    return "Usage: belay fleet <command> [options]\n"
           "  fleet migrate  --db PATTERN... [--db-list FILE] --migrations DIR [--jobs N]\n"
           "                 [--canary K] [--max-failures F] [--to VERSION] [--dry-run]\n"
           "                 [--journal FILE] [--shard I/N] [--json]\n"
           "  fleet resume   JOURNAL [--jobs N] [--json]\n"
           "  fleet status   --db PATTERN... | --journal FILE... [--all] [--exit-code] [--json]\n"
           "  fleet backup   --db PATTERN... [--jobs N] [--max-failures F] [--json]\n"
           "  fleet check    --db PATTERN... [--backups] [--jobs N] [--json]\n"
           "Databases come only from --db (paths or quoted glob patterns, repeatable) and\n"
           "--db-list; see docs/fleet.md.\n";
}

int fleet_exit_code(const FleetSummary& summary, bool status_exit_code) {
    // A signal: the run stopped (or, come after the last database ended, stopped nothing).
    if (cancellation_requested() && (!summary.finished || summary.stopped_kind == "interrupted")) {
        return 128 + cancellation_signal();
    }
    std::size_t not_success = 0;
    for (std::size_t i = 0; i < k_fleet_outcome_count; ++i) {
        not_success += is_success(static_cast<FleetOutcome>(i)) ? 0 : summary.counts[i];
    }
    if (summary.command == FleetCommand::status) {
        const bool attention = not_success > 0 || !summary.finished;
        return status_exit_code && attention ? static_cast<int>(ErrorCode::findings) : 0;
    }
    if (not_success == 0 && summary.stopped.empty()) {
        return 0;
    }
    if (summary.command == FleetCommand::check &&
        not_success == summary.count(FleetOutcome::findings)) {
        return static_cast<int>(ErrorCode::findings);
    }
    return static_cast<int>(ErrorCode::step_failed);
}

nlohmann::json fleet_to_json(const FleetSummary& summary, int exit_code) {
    nlohmann::json counts = nlohmann::json::object();
    for (std::size_t i = 0; i < k_fleet_outcome_count; ++i) {
        counts[std::string(to_string(static_cast<FleetOutcome>(i)))] = summary.counts[i];
    }
    nlohmann::json json{
        {"command", std::string("fleet ") + std::string(to_string(summary.command))},
        {"dry_run", summary.dry_run},
        {"selected", summary.selected},
        {"counts", counts},
        {"finished", summary.finished},
        {"duration_ms", summary.duration_ms},
        {"exit_code", exit_code}};
    json["target"] =
        summary.target.empty() ? nlohmann::json(nullptr) : nlohmann::json(summary.target);
    json["stopped"] =
        summary.stopped.empty() ? nlohmann::json(nullptr) : nlohmann::json(summary.stopped);
    json["journals"] = summary.journals;
    json["notes"] = nlohmann::json::array();
    for (const auto& note : summary.notes) {
        json["notes"].push_back(words(note));
    }
    json[summary.list_all ? "databases" : "attention"] = nlohmann::json::array();
    for (const auto& result : summary.attention) {
        json[summary.list_all ? "databases" : "attention"].push_back(result_to_json(result));
    }
    json["slowest"] = nlohmann::json::array();
    for (const auto& result : summary.slowest) {
        json["slowest"].push_back(result_to_json(result));
    }
    return json;
}

void print_fleet_text(std::FILE* out, const FleetSummary& summary, bool all) {
    fmt::print(out, "fleet {}{}: {} database(s) in {:.1f} s: {}\n", to_string(summary.command),
               summary.dry_run ? " (dry run)" : "", summary.selected,
               static_cast<double>(summary.duration_ms) / 1000.0, counts_line(summary));
    for (const auto& note : summary.notes) {
        fmt::print(out, "note: {}\n", printable(words(note)));
    }
    if (!summary.stopped.empty()) {
        fmt::print(out, "stopped: {}\n", printable(summary.stopped));
    }
    if (!summary.attention.empty()) {
        fmt::print(out, "{}:\n", all ? "Databases" : "Needs attention");
        for (const auto& result : summary.attention) {
            print_result(out, result);
        }
    }
    if (summary.command != FleetCommand::status && summary.slowest.size() > 1) {
        fmt::print(out, "Slowest:\n");
        for (const auto& result : summary.slowest) {
            fmt::print(out, "  {}  {} ms\n", printable(result.database), result.duration_ms);
        }
    }
    for (const auto& journal : summary.journals) {
        fmt::print(out, "Journal: {}\n", printable(journal));
        if (!summary.finished && summary.command == FleetCommand::migrate &&
            summary.stopped_kind != "canary" && summary.stopped_kind != "max_failures") {
            fmt::print(out, "  databases are left: `belay fleet resume {}` finishes them\n",
                       shell_quote(journal));
        }
    }
}

}  // namespace belay::cli
