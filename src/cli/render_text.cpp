#include <algorithm>

#include <fmt/format.h>

#include "color.hpp"
#include "render.hpp"

namespace belay::cli {

std::string printable(std::string_view text, bool keep_line_breaks) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        const bool line_break = byte == '\n' || byte == '\t';
        if ((byte < 0x20 && !(keep_line_breaks && line_break)) || byte == 0x7f) {
            out += fmt::format("\\x{:02x}", byte);
        } else if (byte == 0xc2 && i + 1 < text.size() &&
                   static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[++i]));
        } else {
            out += text[i];
        }
    }
    return out;
}

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

struct ColumnWidths {
    std::size_t version = 7;
    std::size_t name = 4;
    std::size_t status = 8;
};

ColumnWidths status_column_widths(const Plan& plan) {
    ColumnWidths widths;
    for (const auto& entry : plan.entries) {
        widths.version = std::max(widths.version, entry.version.text().size());
        widths.name = std::max(widths.name, entry.name.size());
        if (entry.out_of_order) {
            widths.status = std::max(widths.status, to_string(entry.status).size() + 15);
        }
    }
    return widths;
}

constexpr std::size_t k_flush_bytes = 64 * 1024;

// Prints what `out` holds and empties it.
void flush(fmt::memory_buffer& out) {
    fmt::print("{}", fmt::string_view(out.data(), out.size()));
    out.clear();
}

// `text` left-aligned in `width` columns, exactly as fmt's "{:<{}}" pads it. fmt counts the
// columns of every string character by character; an ASCII string (one column per byte, the
// usual case) is padded here directly, which for a ten-thousand-row table was most of its cost.
void append_padded(fmt::memory_buffer& out, std::string_view text, std::size_t width) {
    if (!std::ranges::all_of(text, [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
        fmt::format_to(std::back_inserter(out), "{:<{}}", text, width);
        return;
    }
    out.append(text);
    for (std::size_t column = text.size(); column < width; ++column) {
        out.push_back(' ');
    }
}

// One row of the table, and the first line of its last failure.
void append_status_row(fmt::memory_buffer& out, const PlanEntry& entry, const ColumnWidths& w,
                       bool colors) {
    append_padded(out, entry.applied ? entry.applied->version : entry.version.text(), w.version);
    out.append(std::string_view("  "));
    append_padded(out, entry.name, w.name);
    out.append(std::string_view("  "));
    std::string status(to_string(entry.status));
    if (entry.out_of_order) {
        status += " (out of order)";
    }
    if (colors) {
        out.append(escape_of(color_of(entry.status)));
    }
    append_padded(out, status, w.status);
    if (colors) {
        out.append(k_color_reset);
    }
    out.append(std::string_view("  "));
    append_padded(out, entry.applied ? std::string_view(entry.applied->applied_at) : "-", 20);
    out.append(std::string_view("  "));
    if (entry.applied) {
        out.append(std::string_view(fmt::format_int(entry.applied->execution_ms).str()));
        out.append(std::string_view(" ms\n"));
    } else {
        out.append(std::string_view("-\n"));
    }
    if (entry.last_failure) {
        // The first line: the file, line and SQLite's error. `--json` has all of it.
        const std::string_view error = entry.last_failure->error;
        fmt::format_to(std::back_inserter(out), "{:>{}}  last attempt {} failed: {}\n", "",
                       w.version, entry.last_failure->failed_at, error.substr(0, error.find('\n')));
    }
}

}  // namespace

void print_status_text(const StatusReport& report) {
    const bool colors = colors_enabled(stdout);
    // Written out in pieces of about k_flush_bytes: one write per row was slow, and one buffer
    // for a whole table of ten thousand rows is fresh memory the kernel has to fault in.
    fmt::memory_buffer out;
    const auto to = std::back_inserter(out);
    if (report.state.exists) {
        fmt::format_to(to, "Database: {} ({})\n", report.database,
                       human_size(report.state.size_bytes));
    } else {
        fmt::format_to(to, "Database: {} (does not exist yet; belay db migrate creates it)\n",
                       report.database);
    }
    fmt::format_to(to, "Version:  {}\n\n", report.plan.current_version);
    const ColumnWidths widths = status_column_widths(report.plan);
    fmt::format_to(to, "{:<{}}  {:<{}}  {:<{}}  {:<20}  {}\n", "VERSION", widths.version, "NAME",
                   widths.name, "STATUS", widths.status, "APPLIED AT", "DURATION");
    for (const auto& entry : report.plan.entries) {
        append_status_row(out, entry, widths, colors);
        if (out.size() >= k_flush_bytes) {
            flush(out);
        }
    }
    if (report.plan.entries.empty()) {
        fmt::format_to(to, "(no migrations)\n");
    }
    const auto pending = report.plan.pending().size();
    fmt::format_to(to, "\n{} applied, {} pending{}\n",
                   std::ranges::count_if(report.plan.entries,
                                         [](const PlanEntry& e) { return e.applied.has_value(); }),
                   pending, report.plan.has_problems() ? ", needs attention (see STATUS)" : "");
    flush(out);
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
