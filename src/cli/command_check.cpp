#include "belay/api.hpp"
#include "belay/check.hpp"
#include "command.hpp"
#include "render.hpp"

namespace belay::cli {

int command_check(const Arguments& args) {
    ParsedOptions vm;
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
        print_json(stdout, check_to_json(*report));
    } else {
        print_check_text(stdout, *report, options.backups);
    }
    return exit_code;
}

}  // namespace belay::cli
