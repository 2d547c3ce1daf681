// `db lint [--strict]`: warnings about the migration files, each with file and line.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "belay/api.hpp"
#include "belay/lint.hpp"
#include "command.hpp"

namespace belay::cli {

int command_lint(const Arguments& args) {
    po::variables_map vm;
    auto common = parse_command("lint", args, {}, false, vm);
    if (!common) {
        return report_error(common.error(), false);
    }
    MigrateOptions options;
    options.db = common->db;
    auto report = run_lint(options);
    if (!report) {
        return report_error(report.error(), common->json);
    }
    const bool strict = vm["strict"].as<bool>();
    const int exit_code =
        strict && !report->warnings.empty() ? static_cast<int>(ErrorCode::findings) : 0;
    if (common->json) {
        auto warnings = nlohmann::json::array();
        for (const auto& warning : report->warnings) {
            warnings.push_back({{"rule", warning.rule},
                                {"file", warning.file.string()},
                                {"line", warning.line},
                                {"message", warning.message}});
        }
        fmt::print("{}\n", nlohmann::json{{"migrations", common->db.migrations_dir.string()},
                                          {"warnings", warnings},
                                          {"notes", report->notes}}
                               .dump(2));
        return exit_code;
    }
    for (const auto& warning : report->warnings) {
        fmt::print("{}:{}: warning [{}]: {}\n", warning.file.string(), warning.line, warning.rule,
                   warning.message);
    }
    for (const auto& note : report->notes) {
        fmt::print("note: {}\n", note);
    }
    fmt::print("{} warning(s) in {}\n", report->warnings.size(),
               common->db.migrations_dir.string());
    return exit_code;
}

}  // namespace belay::cli
