#include <fmt/format.h>

#include "belay/api.hpp"
#include "belay/backup.hpp"
#include "command.hpp"
#include "progress_bar.hpp"
#include "render.hpp"

namespace belay::cli {

int command_backup(const Arguments& args) {
    ParsedOptions vm;
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
        print_json(stdout, backup_to_json(*snapshot));
    } else {
        print_backup_text(stdout, *snapshot);
    }
    return 0;
}

int command_backups(const Arguments& args) {
    ParsedOptions vm;
    auto common = parse_command("backups", args, {}, true, vm);
    if (!common) {
        return report_error(common.error(), false);
    }
    auto entries = list_backups(common->db, true);
    if (!entries) {
        return report_error(entries.error(), common->json);
    }
    if (common->json) {
        print_json(stdout, backups_to_json(common->db, *entries));
    } else {
        print_backups_text(stdout, common->db, *entries);
    }
    return 0;
}

}  // namespace belay::cli
