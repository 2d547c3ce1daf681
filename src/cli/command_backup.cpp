#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "belay/api.hpp"
#include "belay/backup.hpp"
#include "command.hpp"
#include "progress_bar.hpp"
#include "render.hpp"

namespace belay::cli {

namespace {

nlohmann::json metadata_to_json(const BackupMetadata& m) {
    return {{"source", m.source},
            {"created_at", m.created_at},
            {"sequence", m.sequence},
            {"reason", m.reason},
            {"schema_version", m.schema_version},
            {"sha256", m.sha256},
            {"size_bytes", m.size_bytes},
            {"verified_at_creation", m.verified}};
}

}  // namespace

int command_backup(const Arguments& args) {
    po::variables_map vm;
    auto common = parse_command("backup", args, {}, true, vm);
    if (!common) {
        return report_error(common.error(), false);
    }
    BackupOptions options{common->db, std::nullopt, !vm["no-verify"].as<bool>(),
                          std::string(k_reason_manual), progress_bar_for(*common)};
    if (vm.count("out")) {
        options.out = vm["out"].as<std::string>();
        // '' or "dir/": no file name to write the backup under.
        if (options.out->filename().empty()) {
            return report_error(
                Error{ErrorCode::invalid_input,
                      fmt::format("--out '{}' names no file: give the path of the backup file "
                                  "to write, e.g. --out before-upgrade.bak",
                                  options.out->string())},
                common->json);
        }
    }
    auto snapshot = run_backup(options);
    if (!snapshot) {
        return report_error(snapshot.error(), common->json);
    }
    if (common->json) {
        fmt::print("{}\n", nlohmann::json{{"path", snapshot->path.string()},
                                          {"metadata", metadata_to_json(snapshot->metadata)}}
                               .dump(2));
    } else {
        fmt::print("{}\n", snapshot->path.string());
    }
    return 0;
}

int command_backups(const Arguments& args) {
    po::variables_map vm;
    auto common = parse_command("backups", args, {}, true, vm);
    if (!common) {
        return report_error(common.error(), false);
    }
    auto entries = list_backups(common->db, true);
    if (!entries) {
        return report_error(entries.error(), common->json);
    }
    if (common->json) {
        auto list = nlohmann::json::array();
        for (const auto& entry : *entries) {
            list.push_back({{"path", entry.path.string()},
                            {"metadata", metadata_to_json(entry.metadata)},
                            {"intact", entry.problems->empty()},
                            {"problems", *entry.problems}});
        }
        fmt::print(
            "{}\n",
            nlohmann::json{{"database", common->db.database.string()}, {"backups", list}}.dump(2));
        return 0;
    }
    if (entries->empty()) {
        fmt::print(
            "no backups of {} in {}\n", common->db.database.string(),
            common->db.backup_directory().empty() ? "." : common->db.backup_directory().string());
        return 0;
    }
    std::size_t width = 4;
    for (const auto& entry : *entries) {
        width = std::max(width, entry.path.string().size());
    }
    fmt::print("{:<{}}  {:<20}  {:<14}  {:>10}  {:<8}  {}\n", "PATH", width, "CREATED", "REASON",
               "SIZE", "VERSION", "VERIFIED");
    for (const auto& entry : *entries) {
        // The sidecar's fields are whatever its file says: escaped, never sent to the terminal.
        fmt::print(
            "{:<{}}  {:<20}  {:<14}  {:>10}  {:<8}  {}\n", printable(entry.path.string()), width,
            printable(entry.metadata.created_at), printable(entry.metadata.reason),
            human_size(entry.metadata.size_bytes), printable(entry.metadata.schema_version),
            entry.problems->empty() ? "ok" : "FAILED: " + printable(entry.problems->front()));
    }
    return 0;
}

}  // namespace belay::cli
