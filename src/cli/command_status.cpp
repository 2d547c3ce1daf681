#include "belay/api.hpp"
#include "belay/status.hpp"
#include "color.hpp"
#include "command.hpp"
#include "render.hpp"

namespace belay::cli {

int command_status(const Arguments& args) {
    ParsedOptions vm;
    auto options = parse_command("status", args, {}, true, vm);
    if (!options) {
        return report_error(options.error(), false);
    }
    auto report = build_status(options->db);
    if (!report) {
        return report_error(report.error(), options->json);
    }
    if (options->json) {
        print_json(stdout, status_to_json(**report));
    } else {
        print_status_text(stdout, **report, colors_enabled(stdout));
    }
    const bool strict_exit = vm["exit-code"].as<bool>();
    return strict_exit && (*report)->needs_attention() ? static_cast<int>(ErrorCode::findings) : 0;
}

int command_version(const Arguments& args) {
    ParsedOptions vm;
    auto options = parse_command("version", args, {}, true, vm);
    if (!options) {
        return report_error(options.error(), false);
    }
    auto version = read_current_version(options->db);
    if (!version) {
        return report_error(version.error(), options->json);
    }
    if (options->json) {
        print_json(stdout, version_to_json(*version));
    } else {
        print_version_text(stdout, *version);
    }
    return 0;
}

}  // namespace belay::cli
