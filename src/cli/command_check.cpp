#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "engine/check.hpp"

namespace belay::cli {

int command_check(const Arguments& args) {
    po::variables_map vm;
    auto common = parse_command("check", args, {}, true, vm);
    if (!common) {
        return report_error(common.error(), false);
    }
    auto report = run_check(CheckOptions{common->db, vm["backups"].as<bool>()});
    if (!report) {
        return report_error(report.error(), common->json);
    }
    const int exit_code = report->findings.empty() ? 0 : static_cast<int>(ErrorCode::findings);
    if (common->json) {
        auto findings = nlohmann::json::array();
        for (const auto& finding : report->findings) {
            findings.push_back({{"area", finding.area}, {"message", finding.message}});
        }
        fmt::print("{}\n", nlohmann::json{{"database", report->database},
                                          {"version", report->version},
                                          {"ok", report->findings.empty()},
                                          {"backups_checked", report->backups.size()},
                                          {"findings", findings}}
                               .dump(2));
        return exit_code;
    }
    for (const auto& finding : report->findings) {
        fmt::print("{:<12} {}\n", finding.area, finding.message);
    }
    if (report->findings.empty()) {
        fmt::print("{} (version {}): no problems found{}\n", report->database, report->version,
                   vm["backups"].as<bool>()
                       ? fmt::format(", {} backup(s) intact", report->backups.size())
                       : "");
    } else {
        fmt::print("{} problem(s) found in {}\n", report->findings.size(), report->database);
    }
    return exit_code;
}

}  // namespace belay::cli
