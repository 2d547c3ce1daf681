// `db dump-schema [--out FILE] [--check FILE]`.
#include <fmt/format.h>

#include "belay/api.hpp"
#include "belay/dump_schema.hpp"
#include "command.hpp"
#include "render.hpp"

namespace belay::cli {

int command_dump_schema(const Arguments& args) {
    ParsedOptions vm;
    DumpSchemaOptions options;
    auto common = parse_command("dump-schema", args, {}, false, vm);
    if (!common) {
        return report_error(common.error(), false);
    }
    options.run.db = common->db;
    options.written_by = "belay db dump-schema";
    if (vm.count("out")) {
        options.out = vm["out"].as<std::string>();
    }
    if (vm.count("check")) {
        options.check = vm["check"].as<std::string>();
    }
    // --out comes only from the command line, and there wins over a standing `check`
    // (configuration.md): the regeneration `db dump-schema --check` advises must run.
    if (options.out && options.check) {
        if (vm.overruled("out", "check").empty()) {
            return report_error(Error{ErrorCode::invalid_input,
                                      fmt::format("{} and {} contradict each other: give one",
                                                  vm.named("out"), vm.named("check"))},
                                common->json);
        }
        options.check.reset();
    }
    if (!options.check && common->db.database.empty()) {
        return report_error(Error{ErrorCode::invalid_input,
                                  "no database given: pass --db PATH (or --check FILE to compare "
                                  "a dump with the migrations)"},
                            common->json);
    }
    auto report = run_dump_schema(options);
    if (!report) {
        return report_error(report.error(), common->json);
    }
    if (!options.check) {
        if (common->json) {
            print_json(stdout, schema_dump_to_json(*report, options.out));
        } else {
            print_schema_dump_text(stdout, *report, options.out);
        }
        return 0;
    }
    if (common->json) {
        print_json(stdout, schema_check_to_json(*options.check, *report));
    } else {
        print_schema_check_text(stdout, *options.check, *report);
    }
    return report->differences.empty() ? 0 : static_cast<int>(ErrorCode::findings);
}

}  // namespace belay::cli
