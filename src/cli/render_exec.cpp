// db exec's report, as text and as JSON.
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "belay/exec.hpp"
#include "color.hpp"
#include "render.hpp"
#include "words.hpp"

namespace belay::cli {

namespace {

std::string_view kind_word(SchemaChange::Kind kind) {
    switch (kind) {
        case SchemaChange::Kind::added:
            return "added";
        case SchemaChange::Kind::removed:
            return "removed";
        case SchemaChange::Kind::changed:
            return "changed";
    }
    return "?";
}

std::string seconds(std::int64_t milliseconds) {
    return fmt::format("{:.1f} s", static_cast<double>(milliseconds) / 1000);
}

// "exited with status 0 after 1.2 s", "ended at the timeout (SIGTERM, then SIGKILL) ...".
std::string how_it_ended(const ExecCommand& command) {
    std::string how;
    if (command.stopped_by != 0) {
        how = fmt::format("stopped: belay received {} and passed it on",
                          signal_name(command.stopped_by));
    } else if (command.timed_out) {
        how = "ended by belay at the timeout";
    } else if (command.signal) {
        how = fmt::format("ended by {}", signal_name(*command.signal));
    } else if (command.exit_status) {
        how = fmt::format("exited with status {}", *command.exit_status);
    }
    return fmt::format("{} after {}", how, seconds(command.duration_ms));
}

// Tools that keep one row, the version they are at, rather than one row per migration.
bool keeps_one_version(const std::string& tool) {
    return tool == "Alembic" || tool == "golang-migrate";
}

std::string tool_change_text(const ToolRecordChange& change) {
    std::vector<std::string> parts;
    if (change.new_table) {
        parts.push_back("created its table");
    }
    if (keeps_one_version(change.tool) && change.added.size() <= 1 && change.removed.size() <= 1 &&
        !change.added.empty()) {
        parts.push_back(
            change.removed.empty()
                ? fmt::format("now at {}", change.added.front())
                : fmt::format("now at {} (was {})", change.added.front(), change.removed.front()));
    } else {
        if (!change.added.empty()) {
            parts.push_back(fmt::format("applied {}", fmt::join(change.added, ", ")));
        }
        if (!change.removed.empty()) {
            parts.push_back(fmt::format("no longer records {}", fmt::join(change.removed, ", ")));
        }
    }
    return fmt::format("{} ({}): {}", change.tool, change.table, fmt::join(parts, "; "));
}

void print_changes_text(std::FILE* out, const ExecReport& report) {
    if (report.schema_changes.empty()) {
        fmt::print(out, "schema     unchanged\n");
    }
    for (const auto& change : report.schema_changes) {
        fmt::print(out, "schema     {} {} {}\n", kind_word(change.kind), change.type,
                   printable(change.name));
    }
    for (const auto& change : report.tool_records) {
        fmt::print(out, "history    {}\n", printable(tool_change_text(change)));
    }
}

void print_checks_text(std::FILE* out, const ExecReport& report, bool colors) {
    for (const auto& problem : report.integrity_problems) {
        fmt::print(out, "check      {} {}\n", paint("FAILED", Color::red, colors),
                   printable(problem));
    }
    for (const auto& error : report.validation_errors) {
        fmt::print(out, "check      {} {}\n", paint("FAILED", Color::red, colors),
                   printable(error));
    }
    for (const auto& warning : report.validation_warnings) {
        fmt::print(out, "check      warning: {}\n", printable(warning));
    }
    if (report.unchecked) {
        fmt::print(out, "check      {} could not be made: {}\n",
                   paint("FAILED", Color::red, colors), printable(words(*report.unchecked)));
    } else if (report.integrity_problems.empty() && report.validation_errors.empty()) {
        fmt::print(out,
                   "check      ok: integrity_check, foreign keys, views and triggers (no new "
                   "problems)\n");
    }
}

}  // namespace

void print_exec_text(std::FILE* out, const ExecReport& report, bool colors) {
    const char* dry_run = "";
    if (report.dry_run) {
        dry_run = report.database_changed
                      ? " (dry run, but the command wrote to the database itself: it CHANGED)"
                      : " (dry run: the command ran on a copy; the database is unchanged)";
    }
    fmt::print(out, "database   {}{}\n", printable(report.database.string()), dry_run);
    if (report.snapshot) {
        fmt::print(out, "snapshot   {}\n", printable(report.snapshot->string()));
    }
    std::vector<std::string> quoted;
    for (const auto& word : report.command.argv) {
        quoted.push_back(shell_quote(word));
    }
    fmt::print(out, "command    {}\n           {}\n",
               printable(fmt::format("{}", fmt::join(quoted, " "))), how_it_ended(report.command));
    print_changes_text(out, report);
    print_checks_text(out, report, colors);
    for (const auto& other : report.other_processes) {
        fmt::print(out, "warning    pid {} ({}) had {} open\n", other.pid, printable(other.name),
                   printable(other.file.string()));
    }
    for (const auto& note : report.notes) {
        fmt::print(out, "note       {}\n", printable(words(note)));
    }
    if (report.restored) {
        fmt::print(out, "restored   {} from {}\n", printable(report.database.string()),
                   printable(report.restored->backup.string()));
        if (report.restored->safety_snapshot) {
            fmt::print(out, "           the state the command left: {}\n",
                       printable(report.restored->safety_snapshot->string()));
        }
    }
}

namespace {

nlohmann::json optional_int(const std::optional<int>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json command_to_json(const ExecCommand& command) {
    return {
        {"argv", command.argv},
        {"exit_status", optional_int(command.exit_status)},
        {"signal", optional_int(command.signal)},
        {"signal_name", command.signal ? nlohmann::json(signal_name(*command.signal)) : nullptr},
        {"timed_out", command.timed_out},
        {"stopped_by_signal",
         command.stopped_by != 0 ? nlohmann::json(command.stopped_by) : nullptr},
        {"left_processes", command.left_processes},
        {"left_pids", command.left_pids},
        {"duration_ms", command.duration_ms},
    };
}

nlohmann::json changes_to_json(const ExecReport& report) {
    auto schema = nlohmann::json::array();
    for (const auto& change : report.schema_changes) {
        schema.push_back(
            {{"change", kind_word(change.kind)}, {"type", change.type}, {"name", change.name}});
    }
    return schema;
}

nlohmann::json tools_to_json(const ExecReport& report) {
    auto tools = nlohmann::json::array();
    for (const auto& change : report.tool_records) {
        tools.push_back({{"tool", change.tool},
                         {"table", change.table},
                         {"new_table", change.new_table},
                         {"added", change.added},
                         {"removed", change.removed}});
    }
    return tools;
}

nlohmann::json others_to_json(const ExecReport& report) {
    auto others = nlohmann::json::array();
    for (const auto& other : report.other_processes) {
        others.push_back({{"pid", other.pid}, {"name", other.name}, {"file", other.file.string()}});
    }
    return others;
}

}  // namespace

nlohmann::json exec_to_json(const ExecReport& report, int exit_code) {
    std::vector<std::string> notes;
    for (const auto& note : report.notes) {
        notes.push_back(words(note));
    }
    return {
        {"database", report.database.string()},
        {"dry_run", report.dry_run},
        {"database_existed", report.database_existed},
        {"database_changed", report.database_changed},
        {"snapshot", report.snapshot ? nlohmann::json(report.snapshot->string()) : nullptr},
        {"snapshot_ms", report.snapshot_ms ? nlohmann::json(*report.snapshot_ms) : nullptr},
        {"command", command_to_json(report.command)},
        {"integrity_problems", report.integrity_problems},
        {"unchecked", report.unchecked ? nlohmann::json(words(*report.unchecked)) : nullptr},
        {"unchecked", report.unchecked ? nlohmann::json(words(*report.unchecked)) : nullptr},
        {"validation_errors", report.validation_errors},
        {"validation_warnings", report.validation_warnings},
        {"schema_changes", changes_to_json(report)},
        {"tool_records", tools_to_json(report)},
        {"other_processes", others_to_json(report)},
        {"notes", notes},
        {"restored",
         report.restored ? restore_to_json(report.database, *report.restored) : nullptr},
        {"restore_command", report.undo ? nlohmann::json(words(*report.undo)) : nullptr},
        {"error", report.error
                      ? nlohmann::json{{"exit_code", exit_code}, {"message", words(*report.error)}}
                      : nullptr},
    };
}

}  // namespace belay::cli
