#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "belay/api.hpp"
#include "belay/check.hpp"
#include "command.hpp"

namespace belay::cli {

namespace {

nlohmann::json results_to_json(const std::vector<RoundtripResult>& results) {
    auto json = nlohmann::json::array();
    for (const auto& result : results) {
        json.push_back({{"version", result.version},
                        {"name", result.name},
                        {"outcome", result.outcome},
                        {"problems", result.problems}});
    }
    return json;
}

// Another tool's history is no finding: say what was found and what belay did not check.
void print_other_histories(const CheckReport& report) {
    for (const auto& other : report.other_histories) {
        fmt::print("found {}'s history table {}{}\n", other.tool, other.table,
                   other.adoptable ? " (belay db adopt takes it over)" : "");
    }
    const bool in_the_way = std::ranges::any_of(
        report.findings, [](const auto& finding) { return finding.area == "belay_tables"; });
    if (!report.history_skipped.empty()) {
        fmt::print("history and drift not checked: {}{}\n", report.history_skipped,
                   report.version == "-" && !in_the_way
                       ? " (keep belay's history in a table of its own with "
                         "--table NAME, or take it over with belay db adopt)"
                       : "");
    }
}

}  // namespace

int command_check(const Arguments& args) {
    po::variables_map vm;
    auto common = parse_command("check", args, {}, true, vm);
    if (!common) {
        return report_error(common.error(), false);
    }
    CheckOptions options{common->db, vm["backups"].as<bool>(), vm["roundtrip"].as<bool>()};
    if (options.roundtrip) {
        auto step_timeout = seconds_option(vm, "step-timeout");
        if (!step_timeout) {
            return report_error(step_timeout.error(), common->json);
        }
        options.step_timeout = *step_timeout;
    }
    auto report = run_check(options);
    if (!report) {
        return report_error(report.error(), common->json);
    }
    const int exit_code = report->findings.empty() ? 0 : static_cast<int>(ErrorCode::findings);
    if (common->json) {
        auto findings = nlohmann::json::array();
        for (const auto& finding : report->findings) {
            findings.push_back({{"area", finding.area}, {"message", finding.message}});
        }
        auto others = nlohmann::json::array();
        for (const auto& other : report->other_histories) {
            others.push_back(
                {{"tool", other.tool}, {"table", other.table}, {"adoptable", other.adoptable}});
        }
        nlohmann::json json{{"database", report->database},
                            {"version", report->version},
                            {"ok", report->findings.empty()},
                            {"backups_checked", report->backups.size()},
                            {"findings", findings},
                            {"roundtrip", nullptr},
                            {"other_histories", others},
                            {"history_checked", report->history_skipped.empty()},
                            {"history_skipped", report->history_skipped.empty()
                                                    ? nlohmann::json(nullptr)
                                                    : nlohmann::json(report->history_skipped)}};
        if (report->roundtrip) {
            json["roundtrip"] = {
                {"complete", report->roundtrip->complete},
                {"migrations", results_to_json(report->roundtrip->migrations)},
                {"on_copy", results_to_json(report->roundtrip->on_copy)},
                {"on_copy_skipped", report->roundtrip->on_copy_skipped.empty()
                                        ? nlohmann::json(nullptr)
                                        : nlohmann::json(report->roundtrip->on_copy_skipped)}};
        }
        fmt::print("{}\n", json.dump(2));
        return exit_code;
    }
    if (report->roundtrip) {
        for (const auto& result : report->roundtrip->migrations) {
            fmt::print("roundtrip    {}_{}: {}\n", result.version, result.name, result.outcome);
        }
        for (const auto& result : report->roundtrip->on_copy) {
            fmt::print("roundtrip    {}_{} on a copy of the database: {}\n", result.version,
                       result.name, result.outcome);
        }
        if (!report->roundtrip->on_copy_skipped.empty()) {
            fmt::print("roundtrip    not run on a copy of {}: {}\n", report->database,
                       report->roundtrip->on_copy_skipped);
        }
    }
    for (const auto& finding : report->findings) {
        fmt::print("{:<12} {}\n", finding.area, finding.message);
    }
    print_other_histories(*report);
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
