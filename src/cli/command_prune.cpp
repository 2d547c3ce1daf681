#include <chrono>

#include "belay/api.hpp"
#include "belay/backup.hpp"
#include "command.hpp"
#include "render.hpp"

namespace belay::cli {

int command_prune(const Arguments& args) {
    ParsedOptions vm;
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
    const bool bad_keep = options.keep && *options.keep < 1;
    if (bad_keep || (options.keep_days && *options.keep_days < 0)) {
        // A standing value is named where it was set; the command line's words stay as they were.
        const std::string option = bad_keep ? "keep" : "keep-days";
        return report_error(
            vm.on_command_line(option)
                ? Error{ErrorCode::invalid_input,
                        "--keep must be at least 1 and --keep-days at least 0"}
                : vm.bad_value(option, bad_keep ? "keep at least 1 backup"
                                                : "expected a number of days, 0 or more")
                      .error(),
            common->json);
    }
    auto report = run_prune(options, std::chrono::system_clock::now());
    if (!report) {
        return report_error(report.error(), common->json);
    }
    if (common->json) {
        print_json(stdout, prune_to_json(*report, options.dry_run));
    } else {
        print_prune_text(stdout, *report, options.dry_run);
    }
    return 0;
}

}  // namespace belay::cli
