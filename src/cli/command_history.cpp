// `db adopt`, `db baseline VERSION`, `db repair`, `db force VERSION`: history edits, each after
// a snapshot.
#include <algorithm>
#include <iterator>
#include <string_view>

#include <fmt/format.h>

#include "belay/api.hpp"
#include "belay/history_edit.hpp"
#include "command.hpp"
#include "render.hpp"

namespace belay::cli {

namespace {

int run_edit(const std::string& command, HistoryEdit edit, const Arguments& args) {
    ParsedOptions vm;
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
        // The library names a wrong tool as the option; one from belay.ini or the environment
        // is named here, where it was set.
        static constexpr std::string_view k_tools[] = {
            "goose",  "sql-migrate", "golang-migrate", "dbmate",  "pop",
            "diesel", "sqlx",        "prisma",         "drizzle", "flyway"};
        if (!vm.on_command_line("from") &&
            std::ranges::find(k_tools, *options.from_tool) == std::end(k_tools)) {
            return report_error(vm.bad_value("from",
                                             "expected goose, sql-migrate, golang-migrate, dbmate, "
                                             "pop, diesel, sqlx, prisma, drizzle or flyway")
                                    .error(),
                                common->json);
        }
    }
    if (takes_version) {
        const auto text = vm.count("version") ? vm["version"].as<std::string>() : std::string();
        options.target = Version::parse_dotted(text);
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
        print_json(stdout, history_edit_to_json(edit, *report));
    } else {
        print_history_edit_text(stdout, edit, *report);
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
