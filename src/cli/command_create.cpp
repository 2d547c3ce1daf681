#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "engine/create_migration.hpp"

namespace belay::cli {

int command_create(const Arguments& args) {
    po::variables_map vm;
    auto common = parse_command("create", args, {"name"}, false, vm);
    if (!common) {
        return report_error(common.error(), false);
    }
    if (vm.count("name") == 0) {
        return report_error(Error{ErrorCode::invalid_input,
                                  "db create needs a name, e.g. `belay db create add_users`"},
                            common->json);
    }
    CreateOptions options{common->db.migrations_dir, vm["name"].as<std::string>(),
                          vm["timestamp"].as<bool>()};
    auto path = create_migration(options, std::chrono::system_clock::now());
    if (!path) {
        return report_error(path.error(), common->json);
    }
    if (common->json) {
        fmt::print("{}\n", nlohmann::json{{"path", path->string()}}.dump(2));
    } else {
        fmt::print("{}\n", path->string());
    }
    return 0;
}

}  // namespace belay::cli
