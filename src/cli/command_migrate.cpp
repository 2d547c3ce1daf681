#include "run_command.hpp"

namespace belay::cli {

int command_migrate(const Arguments& args) {
    return run_command("migrate", Operation::migrate, args);
}

int command_down(const Arguments& args) {
    return run_command("down", Operation::down, args);
}

int command_redo(const Arguments& args) {
    return run_command("redo", Operation::redo, args);
}

int command_reset(const Arguments& args) {
    return run_command("reset", Operation::reset, args);
}

int command_refresh(const Arguments& args) {
    return run_command("refresh", Operation::refresh, args);
}

}  // namespace belay::cli
