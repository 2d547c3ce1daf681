#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "belay/api.hpp"
#include "belay/backup.hpp"
#include "command.hpp"
#include "render.hpp"

namespace belay::cli {

int command_prune(const Arguments& args) {
    po::variables_map vm;
    auto common = parse_command("prune", args, {}, true, vm);
    if (!common) {
        return report_error(common.error(), false);
    }
    PruneOptions options{common->db, std::nullopt, std::nullopt, vm["dry-run"].as<bool>(),
                         std::nullopt};
    if (vm.count("keep")) {
        options.keep = vm["keep"].as<int>();
    }
    if (vm.count("keep-days")) {
        options.keep_days = vm["keep-days"].as<int>();
    }
    if ((options.keep && *options.keep < 1) || (options.keep_days && *options.keep_days < 0)) {
        return report_error(
            Error{ErrorCode::invalid_input, "--keep must be at least 1 and --keep-days at least 0"},
            common->json);
    }
    auto report = run_prune(options, std::chrono::system_clock::now());
    if (!report) {
        return report_error(report.error(), common->json);
    }
    if (common->json) {
        auto removed = nlohmann::json::array();
        for (const auto& entry : report->removed) {
            removed.push_back(entry.path.string());
        }
        fmt::print("{}\n", nlohmann::json{{"dry_run", options.dry_run},
                                          {"removed", removed},
                                          {"kept", report->kept.size()},
                                          {"bytes_freed", report->bytes_freed}}
                               .dump(2));
        return 0;
    }
    const char* verb = options.dry_run ? "would remove" : "removed";
    if (report->abandoned_removed > 0) {
        fmt::print("removed {} file(s) left by an interrupted backup or prune\n",
                   report->abandoned_removed);
    }
    for (const auto& entry : report->removed) {
        fmt::print("{} {} ({}, {})\n", verb, entry.path.string(), entry.metadata.created_at,
                   human_size(entry.metadata.size_bytes));
    }
    fmt::print("{} {} backup(s), kept {}, {} {}\n", verb, report->removed.size(),
               report->kept.size(), options.dry_run ? "would free" : "freed",
               human_size(report->bytes_freed));
    return 0;
}

}  // namespace belay::cli
