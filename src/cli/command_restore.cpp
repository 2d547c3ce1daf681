#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "belay/api.hpp"
#include "belay/restore.hpp"
#include "command.hpp"
#include "progress_bar.hpp"

namespace belay::cli {

int command_restore(const Arguments& args) {
    po::variables_map vm;
    auto common = parse_command("restore", args, {"backup"}, true, vm);
    if (!common) {
        return report_error(common.error(), false);
    }
    RestoreOptions options;
    options.db = common->db;
    options.latest = vm["latest"].as<bool>();
    options.assume_yes = vm["yes"].as<bool>();
    options.from_other_database = vm["from-other-database"].as<bool>();
    options.progress = progress_bar_for(*common);
    if (vm.count("backup")) {
        options.backup = vm["backup"].as<std::string>();
    }
    if (options.latest == options.backup.has_value()) {
        return report_error(Error{ErrorCode::invalid_input,
                                  "db restore needs a backup: `belay db restore PATH` or "
                                  "`belay db restore --latest` (see `belay db backups`)"},
                            common->json);
    }
    options.confirm = terminal_confirmation();
    auto report = run_restore(options);
    if (!report) {
        auto error = report.error();
        if (error.code == ErrorCode::refused &&
            error.message.find(k_other_database_backup) != std::string::npos) {
            error.message += " (pass --from-other-database with --yes)";
        }
        return report_error(error, common->json);
    }
    if (common->json) {
        nlohmann::json json{
            {"database", common->db.database.string()},
            {"backup", report->backup.string()},
            {"version_before", report->version_before},
            {"version_after", report->version_after},
            {"safety_snapshot", report->safety_snapshot
                                    ? nlohmann::json(report->safety_snapshot->string())
                                    : nlohmann::json(nullptr)},
            {"moved_aside", report->moved_aside ? nlohmann::json(report->moved_aside->string())
                                                : nlohmann::json(nullptr)},
            {"page_size_converted", report->converted_page_size},
            {"timings",
             {{"verify_backup_ms", report->timings.verify_backup_ms},
              {"check_current_ms", report->timings.check_current_ms},
              {"safety_snapshot_ms", report->timings.safety_snapshot_ms},
              {"copy_ms", report->timings.copy_ms}}},
            {"orphans_moved_aside",
             [&] {
                 auto paths = nlohmann::json::array();
                 for (const auto& orphan : report->orphans_moved_aside) {
                     paths.push_back(orphan.string());
                 }
                 return paths;
             }()},
        };
        fmt::print("{}\n", json.dump(2));
        return 0;
    }
    if (report->moved_aside) {
        fmt::print("The unreadable database was moved aside to {}\n",
                   report->moved_aside->string());
    }
    for (const auto& orphan : report->orphans_moved_aside) {
        fmt::print("A -wal, -shm or -journal file left beside the database was moved aside to {}\n",
                   orphan.string());
    }
    if (report->safety_snapshot) {
        fmt::print("Safety snapshot of the replaced state: {}\n",
                   report->safety_snapshot->string());
    }
    if (report->converted_page_size) {
        fmt::print(
            "The backup's page size differed from this WAL database's: it was copied in with the "
            "database's page size, and the database stayed in WAL mode.\n");
    }
    fmt::print("Restored {} from {}: now at version {} (was {}).\n", common->db.database.string(),
               report->backup.string(), report->version_after, report->version_before);
    return 0;
}

}  // namespace belay::cli
