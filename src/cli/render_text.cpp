#include <algorithm>

#include <fmt/format.h>

#include "cli/color.hpp"
#include "cli/render.hpp"

namespace belay::cli {

std::string human_size(std::uintmax_t bytes) {
    static constexpr const char* k_units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    auto value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < std::size(k_units)) {
        value /= 1024.0;
        ++unit;
    }
    return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, k_units[unit]);
}

namespace {

Color color_of(MigrationStatus status) {
    switch (status) {
        case MigrationStatus::applied:
            return Color::green;
        case MigrationStatus::pending:
            return Color::yellow;
        default:
            return Color::red;
    }
}

Color color_of(StepResult result) {
    switch (result) {
        case StepResult::applied:
        case StepResult::reverted:
            return Color::green;
        case StepResult::would_apply:
        case StepResult::would_revert:
            return Color::cyan;
        case StepResult::not_run:
            return Color::yellow;
        default:
            return Color::red;
    }
}

// The text padded to `width`, then painted (escape codes must not count for the padding).
std::string padded(std::string_view text, std::size_t width, Color color, bool colors) {
    return paint(fmt::format("{:<{}}", text, width), color, colors);
}

}  // namespace

void print_status_text(const StatusReport& report) {
    const bool colors = colors_enabled(stdout);
    if (report.state.exists) {
        fmt::print("Database: {} ({})\n", report.database, human_size(report.state.size_bytes));
    } else {
        fmt::print("Database: {} (does not exist yet; belay db migrate creates it)\n",
                   report.database);
    }
    fmt::print("Version:  {}\n\n", report.plan.current_version);
    std::size_t version_width = 7;
    std::size_t name_width = 4;
    std::size_t status_width = 8;
    for (const auto& entry : report.plan.entries) {
        version_width = std::max(version_width, entry.version.text().size());
        name_width = std::max(name_width, entry.name.size());
        if (entry.out_of_order) {
            status_width = std::max(status_width, to_string(entry.status).size() + 15);
        }
    }
    fmt::print("{:<{}}  {:<{}}  {:<{}}  {:<20}  {}\n", "VERSION", version_width, "NAME", name_width,
               "STATUS", status_width, "APPLIED AT", "DURATION");
    for (const auto& entry : report.plan.entries) {
        const auto version = entry.applied ? entry.applied->version : entry.version.text();
        std::string status(to_string(entry.status));
        if (entry.out_of_order) {
            status += " (out of order)";
        }
        fmt::print("{:<{}}  {:<{}}  {}  {:<20}  {}\n", version, version_width, entry.name,
                   name_width, padded(status, status_width, color_of(entry.status), colors),
                   entry.applied ? entry.applied->applied_at : "-",
                   entry.applied ? fmt::format("{} ms", entry.applied->execution_ms) : "-");
        if (entry.last_failure) {
            // The first line: the file, line and SQLite's error. `--json` has all of it.
            const auto& error = entry.last_failure->error;
            fmt::print("{:>{}}  last attempt {} failed: {}\n", "", version_width,
                       entry.last_failure->failed_at, error.substr(0, error.find('\n')));
        }
    }
    if (report.plan.entries.empty()) {
        fmt::print("(no migrations)\n");
    }
    const auto pending = report.plan.pending().size();
    fmt::print("\n{} applied, {} pending{}\n",
               std::ranges::count_if(report.plan.entries,
                                     [](const PlanEntry& e) { return e.applied.has_value(); }),
               pending, report.plan.has_problems() ? ", needs attention (see STATUS)" : "");
}

namespace {

const char* run_verb(Operation operation) {
    switch (operation) {
        case Operation::migrate:
            return "Migrating";
        case Operation::down:
            return "Reverting migrations of";
        case Operation::redo:
            return "Redoing the newest migration of";
        case Operation::reset:
            return "Resetting";
        case Operation::refresh:
            return "Refreshing";
    }
    return "Running";
}

}  // namespace

void print_run_text(const RunReport& report) {
    const bool colors = colors_enabled(stdout);
    for (const auto& note : report.notes) {
        fmt::print("note: {}\n", note);
    }
    if (report.steps.empty() && !report.error) {
        if (report.snapshot) {
            fmt::print("Snapshot: {}\n{} is at version {}; --backup-only ran no migration\n",
                       *report.snapshot, report.database, report.version_before);
            return;
        }
        if (report.operation == Operation::migrate) {
            fmt::print("{} is up to date at version {}; nothing to do\n", report.database,
                       report.version_before);
        } else {
            fmt::print("{} is at version {}: nothing to revert\n", report.database,
                       report.version_before);
        }
        return;
    }
    if (report.dry_run) {
        fmt::print("Rehearsing db {} on a copy of {} from version {}\n",
                   to_string(report.operation), report.database, report.version_before);
    } else {
        fmt::print("{} {}{} from version {}\n", run_verb(report.operation), report.database,
                   report.created_database ? " (new database)" : "", report.version_before);
    }
    if (report.snapshot) {
        fmt::print("Snapshot: {}\n", *report.snapshot);
    }
    for (const auto& step : report.steps) {
        fmt::print("  {} {}_{}  {} ms{}\n",
                   padded(to_string(step.result), 12, color_of(step.result), colors), step.version,
                   step.name, step.duration_ms, step.no_transaction ? "  (no transaction)" : "");
        for (const auto& warning : step.warnings) {
            fmt::print("    warning: {}\n", warning);
        }
    }
    for (const auto& pruned : report.pruned) {
        fmt::print("Pruned old backup {}\n", pruned);
    }
    if (report.dry_run) {
        fmt::print("Dry run {}: the database was not changed.\n",
                   report.error ? "found a failing step" : "succeeded");
    } else if (!report.error) {
        fmt::print("Now at version {}.\n", report.version_after);
    } else {
        fmt::print("Stopped at version {}.\n", report.version_after);
    }
}

}  // namespace belay::cli
