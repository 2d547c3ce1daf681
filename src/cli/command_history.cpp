// `db adopt`, `db baseline VERSION`, `db repair`, `db force VERSION`: history edits, each after
// a snapshot.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "belay/api.hpp"
#include "belay/history_edit.hpp"
#include "command.hpp"

namespace belay::cli {

namespace {

void print_edit_text(const HistoryEditOptions& options, const HistoryEditReport& report) {
    for (const auto& note : report.notes) {
        fmt::print("note: {}\n", note);
    }
    if (report.changes.empty()) {
        fmt::print("{}: the history needs no change; nothing was written (version {})\n",
                   report.database, report.version_before);
        return;
    }
    fmt::print("db {} on {}\n", to_string(options.edit), report.database);
    if (report.snapshot) {
        fmt::print("Snapshot: {}\n", *report.snapshot);
    }
    for (const auto& change : report.changes) {
        fmt::print("  {}\n", change);
    }
    fmt::print("Now at version {} (was {}).{}\n", report.version_after, report.version_before,
               report.restore_command.empty() ? "" : " To undo: " + report.restore_command);
}

nlohmann::json edit_to_json(const HistoryEditOptions& options, const HistoryEditReport& report) {
    return {
        {"database", report.database},
        {"operation", to_string(options.edit)},
        {"version_before", report.version_before},
        {"version_after", report.version_after},
        {"changes", report.changes},
        {"notes", report.notes},
        {"snapshot", report.snapshot ? nlohmann::json(*report.snapshot) : nlohmann::json(nullptr)},
        {"restore_command", report.restore_command.empty()
                                ? nlohmann::json(nullptr)
                                : nlohmann::json(report.restore_command)},
    };
}

int run_edit(const std::string& command, HistoryEdit edit, const Arguments& args) {
    po::variables_map vm;
    const bool takes_version = edit == HistoryEdit::baseline || edit == HistoryEdit::force;
    auto common = parse_command(
        command, args,
        takes_version ? std::vector<std::string>{"version"} : std::vector<std::string>{}, true, vm);
    if (!common) {
        return report_error(common.error(), false);
    }
    HistoryEditOptions options;
    options.db = common->db;
    options.edit = edit;
    options.assume_yes = vm.count("yes") != 0 && vm["yes"].as<bool>();
    options.confirm = terminal_confirmation();
    if (vm.count("from")) {
        options.from_tool = vm["from"].as<std::string>();
    }
    if (takes_version) {
        const auto text = vm.count("version") ? vm["version"].as<std::string>() : std::string();
        options.target = Version::parse(text);
        if (!options.target) {
            return report_error(
                Error{ErrorCode::invalid_input,
                      fmt::format("db {} needs a VERSION (the digits at the start of a file "
                                  "name, e.g. `belay db {} 0003`){}",
                                  command, command,
                                  text.empty() ? "" : fmt::format("; '{}' is not one", text))},
                common->json);
        }
    }
    auto report = run_history_edit(options);
    if (!report) {
        return report_error(report.error(), common->json);
    }
    if (common->json) {
        fmt::print("{}\n", edit_to_json(options, *report).dump(2));
    } else {
        print_edit_text(options, *report);
    }
    return 0;
}

}  // namespace

int command_adopt(const Arguments& args) {
    return run_edit("adopt", HistoryEdit::adopt, args);
}

int command_baseline(const Arguments& args) {
    return run_edit("baseline", HistoryEdit::baseline, args);
}

int command_repair(const Arguments& args) {
    return run_edit("repair", HistoryEdit::repair, args);
}

int command_force(const Arguments& args) {
    return run_edit("force", HistoryEdit::force, args);
}

}  // namespace belay::cli
