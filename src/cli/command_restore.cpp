#include <string>

#include <fmt/format.h>

#include "belay/api.hpp"
#include "belay/restore.hpp"
#include "command.hpp"
#include "progress_bar.hpp"
#include "render.hpp"
#include "words.hpp"

namespace belay::cli {

int command_restore(const Arguments& args) {
    ParsedOptions vm;
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
    if (options.latest && options.backup) {
        return report_error(
            Error{ErrorCode::invalid_input,
                  fmt::format("the backup {} and --latest contradict each other: restore that "
                              "backup (`belay db restore {}`) or the newest intact one (`belay "
                              "db restore --latest`), not both. Nothing was changed",
                              options.backup->string(), shell_quote(options.backup->string()))},
            common->json);
    }
    if (!options.latest && !options.backup) {
        return report_error(Error{ErrorCode::invalid_input,
                                  "db restore needs a backup: `belay db restore PATH` or "
                                  "`belay db restore --latest` (see `belay db backups`)"},
                            common->json);
    }
    options.confirm = terminal_confirmation();
    auto report = run_restore(options);
    if (!report) {
        return report_error(report.error(), common->json);
    }
    if (common->json) {
        print_json(stdout, restore_to_json(common->db.database, *report));
    } else {
        print_restore_text(stdout, common->db.database, *report);
    }
    return 0;
}

}  // namespace belay::cli
