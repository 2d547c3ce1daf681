#include <chrono>

#include "belay/api.hpp"
#include "belay/create.hpp"
#include "command.hpp"
#include "render.hpp"

namespace belay::cli {

int command_create(const Arguments& args) {
    ParsedOptions vm;
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
        print_json(stdout, created_to_json(*files));
    } else {
        print_created_text(stdout, *files);
    }
    return 0;
}

}  // namespace belay::cli
