// `db lint [--strict]`: warnings about the migration files, each with file and line.
#include "belay/api.hpp"
#include "belay/lint.hpp"
#include "command.hpp"
#include "render.hpp"

namespace belay::cli {

int command_lint(const Arguments& args) {
    ParsedOptions vm;
    auto common = parse_command("lint", args, {}, false, vm);
    if (!common) {
        return report_error(common.error(), false);
    }
    MigrateOptions options;
    options.db = common->db;
    auto report = run_lint(options);
    if (!report) {
        return report_error(report.error(), common->json);
    }
    const bool strict = vm["strict"].as<bool>();
    const int exit_code =
        strict && !report->warnings.empty() ? static_cast<int>(ErrorCode::findings) : 0;
    if (common->json) {
        print_json(stdout, lint_to_json(*report, common->db.migrations_dir));
    } else {
        print_lint_text(stdout, *report, common->db.migrations_dir);
    }
    return exit_code;
}

}  // namespace belay::cli
