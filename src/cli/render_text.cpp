// The text of each command's report (render.hpp): what a person reads on a terminal.
#include <algorithm>

#include <fmt/format.h>

#include "color.hpp"
#include "render.hpp"
#include "words.hpp"

namespace belay::cli {

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

// Writes what `buffer` holds to `out` and empties it.
void flush(std::FILE* out, fmt::memory_buffer& buffer) {
    fmt::print(out, "{}", fmt::string_view(buffer.data(), buffer.size()));
    buffer.clear();
}

// `text` left-aligned in `width` columns, exactly as fmt's "{:<{}}" pads it. fmt counts the
// columns of every string character by character; an ASCII string (one column per byte, the
// usual case) is padded here directly, which for a ten-thousand-row table was most of its cost.
// Text from files or the database is made printable first (a name may hold any bytes).
void append_padded(fmt::memory_buffer& out, std::string_view text, std::size_t width) {
    if (!std::ranges::all_of(text, [](char c) {
            const auto byte = static_cast<unsigned char>(c);
            return byte >= 0x20 && byte < 0x7f;
        })) {
        fmt::format_to(std::back_inserter(out), "{:<{}}", printable(text), width);
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
                       w.version, entry.last_failure->failed_at,
                       printable(error.substr(0, error.find('\n'))));
    }
}

Color color_of(RepeatableStatus status) {
    return status == RepeatableStatus::applied ? Color::green : Color::yellow;
}

// The table of repeatable migrations, after the versioned ones; nothing when there are none.
void append_repeatables(fmt::memory_buffer& out, const std::vector<RepeatableEntry>& entries,
                        bool colors) {
    if (entries.empty()) {
        return;
    }
    std::size_t width = 10;  // "REPEATABLE"
    for (const auto& entry : entries) {
        width = std::max(width, entry.migration->name.size() + 3);
    }
    fmt::format_to(std::back_inserter(out), "\n{:<{}}  {:<8}  {}\n", "REPEATABLE", width, "STATUS",
                   "APPLIED AT");
    for (const auto& entry : entries) {
        append_padded(out, "R__" + entry.migration->name, width);
        out.append(std::string_view("  "));
        out.append(
            paint(fmt::format("{:<8}", to_string(entry.status)), color_of(entry.status), colors));
        fmt::format_to(std::back_inserter(out), "  {}\n",
                       entry.applied ? entry.applied->applied_at : std::string("-"));
    }
}

// The repeatable migrations' summary line; nothing when there are none.
void append_repeatables_summary(fmt::memory_buffer& out,
                                const std::vector<RepeatableEntry>& entries) {
    if (entries.empty()) {
        return;
    }
    const auto count = [&](RepeatableStatus status) {
        return std::ranges::count_if(
            entries, [&](const RepeatableEntry& entry) { return entry.status == status; });
    };
    const auto due = count(RepeatableStatus::changed) + count(RepeatableStatus::pending);
    fmt::format_to(std::back_inserter(out), "repeatable: {} applied, {} changed, {} pending{}\n",
                   count(RepeatableStatus::applied), count(RepeatableStatus::changed),
                   count(RepeatableStatus::pending),
                   due > 0 ? "; belay db migrate applies the changed and pending ones" : "");
}

}  // namespace

void print_status_text(std::FILE* out, const StatusReport& report, bool colors) {
    // Written out in pieces of about k_flush_bytes: one write per row was slow, and one buffer
    // for a whole table of ten thousand rows is fresh memory the kernel has to fault in.
    fmt::memory_buffer buffer;
    const auto to = std::back_inserter(buffer);
    if (report.state.exists) {
        fmt::format_to(to, "Database: {} ({})\n", printable(report.database),
                       human_size(report.state.size_bytes));
    } else {
        fmt::format_to(to, "Database: {} (does not exist yet; belay db migrate creates it)\n",
                       printable(report.database));
    }
    fmt::format_to(to, "Version:  {}\n\n", report.plan.current_version);
    const ColumnWidths widths = status_column_widths(report.plan);
    fmt::format_to(to, "{:<{}}  {:<{}}  {:<{}}  {:<20}  {}\n", "VERSION", widths.version, "NAME",
                   widths.name, "STATUS", widths.status, "APPLIED AT", "DURATION");
    for (const auto& entry : report.plan.entries) {
        append_status_row(buffer, entry, widths, colors);
        if (buffer.size() >= k_flush_bytes) {
            flush(out, buffer);
        }
    }
    if (report.plan.entries.empty()) {
        fmt::format_to(to, "(no migrations)\n");
    }
    append_repeatables(buffer, report.repeatables, colors);
    const auto pending = report.plan.pending().size();
    fmt::format_to(to, "\n{} applied, {} pending{}\n",
                   std::ranges::count_if(report.plan.entries,
                                         [](const PlanEntry& e) { return e.applied.has_value(); }),
                   pending, report.plan.has_problems() ? ", needs attention (see STATUS)" : "");
    append_repeatables_summary(buffer, report.repeatables);
    flush(out, buffer);
}

void print_version_text(std::FILE* out, const std::string& version) {
    fmt::print(out, "{}\n", version);
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

// A run that had nothing to do: no step ran and none failed.
void print_idle_run_text(std::FILE* out, const RunReport& report) {
    if (report.snapshot) {
        fmt::print(out, "Snapshot: {}\n{} is at version {}; --backup-only ran no migration\n",
                   *report.snapshot, report.database, report.version_before);
    } else if (report.operation == Operation::migrate) {
        fmt::print(out, "{} is up to date at version {}; nothing to do\n", report.database,
                   report.version_before);
    } else {
        fmt::print(out, "{} is at version {}: nothing to revert\n", report.database,
                   report.version_before);
    }
}

void print_steps_text(std::FILE* out, const std::vector<StepReport>& steps, bool colors) {
    for (const auto& step : steps) {
        fmt::print(out, "  {} {}  {} ms{}\n",
                   padded(to_string(step.result), 12, color_of(step.result), colors),
                   printable(step_label(step)), step.duration_ms,
                   step.no_transaction ? "  (no transaction)" : "");
        for (const auto& warning : step.warnings) {
            fmt::print(out, "    warning: {}\n", printable(warning, true));
        }
    }
}

}  // namespace

void print_run_text(std::FILE* out, const RunReport& report, bool colors) {
    for (const auto& note : report.notes) {
        fmt::print(out, "note: {}\n", printable(words(note), true));
    }
    if (report.steps.empty() && !report.error) {
        print_idle_run_text(out, report);
        return;
    }
    if (report.dry_run) {
        fmt::print(out, "Rehearsing db {} on a copy of {} from version {}\n",
                   to_string(report.operation), report.database, report.version_before);
    } else {
        fmt::print(out, "{} {}{} from version {}\n", run_verb(report.operation), report.database,
                   report.created_database ? " (new database)" : "", report.version_before);
    }
    if (report.snapshot) {
        fmt::print(out, "Snapshot: {}\n", *report.snapshot);
    }
    print_steps_text(out, report.steps, colors);
    for (const auto& pruned : report.pruned) {
        fmt::print(out, "Pruned old backup {}\n", pruned);
    }
    if (report.dry_run) {
        fmt::print(out, "Dry run {}: the database was not changed.\n",
                   report.error ? "found a failing step" : "succeeded");
    } else if (!report.error) {
        fmt::print(out, "Now at version {}.\n", shown_version(report.version_after));
    } else {
        fmt::print(out, "Stopped at version {}.\n", shown_version(report.version_after));
    }
}

void print_history_edit_text(std::FILE* out, HistoryEdit edit, const HistoryEditReport& report) {
    for (const auto& note : report.notes) {
        fmt::print(out, "note: {}\n", words(note));
    }
    if (report.changes.empty()) {
        fmt::print(out, "{}: the history needs no change; nothing was written (version {})\n",
                   report.database, report.version_before);
        return;
    }
    fmt::print(out, "db {} on {}\n", to_string(edit), report.database);
    if (report.snapshot) {
        fmt::print(out, "Snapshot: {}\n", *report.snapshot);
    }
    for (const auto& change : report.changes) {
        fmt::print(out, "  {}\n", words(change));
    }
    fmt::print(out, "Now at version {} (was {}).{}\n", shown_version(report.version_after),
               report.version_before, report.undo ? " To undo: " + words(*report.undo) : "");
}

void print_backup_text(std::FILE* out, const Snapshot& snapshot) {
    fmt::print(out, "{}\n", snapshot.path.string());
}

void print_backups_text(std::FILE* out, const DatabaseOptions& db,
                        const std::vector<BackupEntry>& entries) {
    if (entries.empty()) {
        fmt::print(out, "no backups of {} in {}\n", db.database.string(),
                   db.backup_directory().empty() ? "." : db.backup_directory().string());
        return;
    }
    std::size_t width = 4;
    for (const auto& entry : entries) {
        width = std::max(width, entry.path.string().size());
    }
    fmt::print(out, "{:<{}}  {:<20}  {:<14}  {:>10}  {:<8}  {}\n", "PATH", width, "CREATED",
               "REASON", "SIZE", "VERSION", "VERIFIED");
    for (const auto& entry : entries) {
        // The sidecar's fields are whatever its file says: escaped, never sent to the terminal.
        fmt::print(
            out, "{:<{}}  {:<20}  {:<14}  {:>10}  {:<8}  {}\n", printable(entry.path.string()),
            width, printable(entry.metadata.created_at), printable(entry.metadata.reason),
            human_size(entry.metadata.size_bytes), printable(entry.metadata.schema_version),
            entry.problems->empty() ? "ok" : "FAILED: " + printable(entry.problems->front()));
    }
}

void print_prune_text(std::FILE* out, const PruneReport& report, bool dry_run) {
    const char* verb = dry_run ? "would remove" : "removed";
    if (report.abandoned_removed > 0) {
        fmt::print(out, "removed {} file(s) left by an interrupted backup or prune\n",
                   report.abandoned_removed);
    }
    for (const auto& entry : report.removed) {
        fmt::print(out, "{} {} ({}, {})\n", verb, entry.path.string(), entry.metadata.created_at,
                   human_size(entry.metadata.size_bytes));
    }
    fmt::print(out, "{} {} backup(s), kept {}, {} {}\n", verb, report.removed.size(),
               report.kept.size(), dry_run ? "would free" : "freed",
               human_size(report.bytes_freed));
}

void print_restore_text(std::FILE* out, const std::filesystem::path& database,
                        const RestoreReport& report) {
    if (report.moved_aside) {
        fmt::print(out, "The unreadable database was moved aside to {}\n",
                   report.moved_aside->string());
    }
    for (const auto& orphan : report.orphans_moved_aside) {
        fmt::print(out,
                   "A -wal, -shm or -journal file left beside the database was moved aside to {}\n",
                   orphan.string());
    }
    if (report.safety_snapshot) {
        fmt::print(out, "Safety snapshot of the replaced state: {}\n",
                   report.safety_snapshot->string());
    }
    if (report.converted_page_size) {
        fmt::print(out,
                   "The backup's page size differed from this WAL database's: it was copied in "
                   "with the database's page size, and the database stayed in WAL mode.\n");
    }
    fmt::print(out, "Restored {} from {}: now at version {} (was {}).\n", database.string(),
               report.backup.string(), shown_version(report.version_after),
               shown_version_before(report.version_before));
}

namespace {

void print_roundtrip_text(std::FILE* out, const std::string& database,
                          const RoundtripReport& roundtrip) {
    for (const auto& result : roundtrip.migrations) {
        fmt::print(out, "roundtrip    {}_{}: {}\n", result.version, result.name, result.outcome);
    }
    for (const auto& result : roundtrip.on_copy) {
        fmt::print(out, "roundtrip    {}_{} on a copy of the database: {}\n", result.version,
                   result.name, result.outcome);
    }
    if (!roundtrip.on_copy_skipped.empty()) {
        fmt::print(out, "roundtrip    not run on a copy of {}: {}\n", database,
                   words(roundtrip.on_copy_skipped));
    }
}

// Another tool's history is no finding: say what was found and what belay did not check.
void print_other_histories(std::FILE* out, const CheckReport& report) {
    for (const auto& other : report.other_histories) {
        fmt::print(out, "found {}'s history table {}{}\n", other.tool, other.table,
                   other.adoptable ? " (belay db adopt takes it over)" : "");
    }
    const bool in_the_way = std::ranges::any_of(
        report.findings, [](const auto& finding) { return finding.area == "belay_tables"; });
    if (!report.history_skipped.empty()) {
        fmt::print(out, "history and drift not checked: {}{}\n", report.history_skipped,
                   report.version == "-" && !in_the_way
                       ? " (keep belay's history in a table of its own with "
                         "--table NAME, or take it over with belay db adopt)"
                       : "");
    }
}

}  // namespace

void print_check_text(std::FILE* out, const CheckReport& report, bool backups_checked) {
    if (report.roundtrip) {
        print_roundtrip_text(out, report.database, *report.roundtrip);
    }
    for (const auto& finding : report.findings) {
        fmt::print(out, "{:<12} {}\n", finding.area, printable(finding.message, true));
    }
    print_other_histories(out, report);
    if (report.findings.empty()) {
        fmt::print(
            out, "{} (version {}): no problems found{}\n", report.database, report.version,
            backups_checked ? fmt::format(", {} backup(s) intact", report.backups.size()) : "");
    } else {
        fmt::print(out, "{} problem(s) found in {}\n", report.findings.size(), report.database);
    }
}

void print_lint_text(std::FILE* out, const LintReport& report,
                     const std::filesystem::path& migrations_dir) {
    for (const auto& warning : report.warnings) {
        fmt::print(out, "{}:{}: warning [{}]: {}\n", printable(warning.file.string()), warning.line,
                   warning.rule, printable(words(warning.message), true));
    }
    for (const auto& note : report.notes) {
        fmt::print(out, "note: {}\n", printable(words(note), true));
    }
    fmt::print(out, "{} warning(s) in {}\n", report.warnings.size(), migrations_dir.string());
}

void print_schema_dump_text(std::FILE* out, const DumpSchemaReport& report,
                            const std::optional<std::filesystem::path>& written_to) {
    if (written_to) {
        fmt::print(out, "{}\n", written_to->string());
    } else {
        fmt::print(out, "{}", report.sql);
    }
}

void print_schema_check_text(std::FILE* out, const std::filesystem::path& file,
                             const DumpSchemaReport& report) {
    for (const auto& difference : report.differences) {
        fmt::print(out, "{}\n", difference);
    }
    fmt::print(out, "{} {}\n", file.string(),
               report.differences.empty()
                   ? "matches the migrations"
                   : "does not match the migrations; regenerate it with belay db dump-schema "
                     "--out");
}

void print_created_text(std::FILE* out, const std::vector<std::filesystem::path>& files) {
    for (const auto& file : files) {
        fmt::print(out, "{}\n", file.string());
    }
}

}  // namespace belay::cli
