#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "belay/api.hpp"
#include "belay/create.hpp"
#include "command.hpp"

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
                          vm["timestamp"].as<bool>(), common->db.layout};
    auto files = create_migration(options, std::chrono::system_clock::now());
    if (!files) {
        return report_error(files.error(), common->json);
    }
    if (common->json) {
        auto paths = nlohmann::json::array();
        for (const auto& file : *files) {
            paths.push_back(file.string());
        }
        fmt::print("{}\n",
                   nlohmann::json{{"path", files->front().string()}, {"files", paths}}.dump(2));
    } else {
        for (const auto& file : *files) {
            fmt::print("{}\n", file.string());
        }
    }
    return 0;
}

}  // namespace belay::cli
