// `db dump-schema [--out FILE] [--check FILE]`.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "belay/api.hpp"
#include "belay/dump_schema.hpp"
#include "command.hpp"

namespace belay::cli {

int command_dump_schema(const Arguments& args) {
    po::variables_map vm;
    DumpSchemaOptions options;
    auto common = parse_command("dump-schema", args, {}, false, vm);
    if (!common) {
        return report_error(common.error(), false);
    }
    options.run.db = common->db;
    if (vm.count("out")) {
        options.out = vm["out"].as<std::string>();
    }
    if (vm.count("check")) {
        options.check = vm["check"].as<std::string>();
    }
    if (!options.check && common->db.database.empty()) {
        return report_error(Error{ErrorCode::invalid_input,
                                  "no database given: pass --db PATH (or --check FILE to compare "
                                  "a dump with the migrations)"},
                            common->json);
    }
    if (options.out && options.check) {
        return report_error(
            Error{ErrorCode::invalid_input, "--out and --check contradict each other: give one"},
            common->json);
    }
    auto report = run_dump_schema(options);
    if (!report) {
        return report_error(report.error(), common->json);
    }
    if (options.check) {
        const int exit_code =
            report->differences.empty() ? 0 : static_cast<int>(ErrorCode::findings);
        if (common->json) {
            fmt::print("{}\n", nlohmann::json{{"file", options.check->string()},
                                              {"up_to_date", report->differences.empty()},
                                              {"differences", report->differences}}
                                   .dump(2));
            return exit_code;
        }
        for (const auto& difference : report->differences) {
            fmt::print("{}\n", difference);
        }
        fmt::print("{} {}\n", options.check->string(),
                   report->differences.empty()
                       ? "matches the migrations"
                       : "does not match the migrations; regenerate it with belay db dump-schema "
                         "--out");
        return exit_code;
    }
    if (options.out) {
        fmt::print("{}\n", options.out->string());
        return 0;
    }
    fmt::print("{}", report->sql);
    return 0;
}

}  // namespace belay::cli
