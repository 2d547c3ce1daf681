#include "app.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "belay/belay.hpp"
#include "belay/cancellation.hpp"
#include "command.hpp"
#include "command_fleet.hpp"
#include "command_help.hpp"
#include "completion.hpp"

namespace belay::cli {

namespace {

constexpr int k_internal_error = 70;

struct CommandEntry {
    const char* name;
    int (*handler)(const Arguments&);
};

// Each command's summary, usage and examples are in command_help.cpp.
constexpr CommandEntry k_commands[] = {
    {"status", command_status},
    {"migrate", command_migrate},
    {"down", command_down},
    {"rollback", command_down},
    {"redo", command_redo},
    {"reset", command_reset},
    {"refresh", command_refresh},
    {"adopt", command_adopt},
    {"baseline", command_baseline},
    {"repair", command_repair},
    {"force", command_force},
    {"version", command_version},
    {"create", command_create},
    {"backup", command_backup},
    {"backups", command_backups},
    {"restore", command_restore},
    {"prune", command_prune},
    {"check", command_check},
    {"dump-schema", command_dump_schema},
    {"exec", command_exec},
    {"lint", command_lint},
};

std::string usage() {
    std::string text = fmt::format(
        "belay {}: backup-first schema migrations for SQLite\n\n"
        "Usage: belay db <command> [options]\n       belay fleet <command> [options]\n"
        "       belay --version\n"
        "       belay completion bash\n\nCommands:\n",
        library_version());
    for (const auto& command : command_help()) {
        text += fmt::format("  db {:<11} {}\n", command.name, command.summary);
    }
    return text + "\nRun `belay db <command> --help` for a command's options.\n";
}

extern "C" void on_signal(int signal_number) {
    request_cancellation(signal_number);
}

// SIGINT/SIGTERM request cancellation; the engine rolls back the current step and returns.
// SA_RESETHAND: a second signal ends the process at once (SQLite's journal keeps the database
// safe even then).
void install_signal_handlers() {
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    // Past the file-size limit (ulimit -f) a write should fail with EFBIG and be reported,
    // not end the process mid-backup without a word.
    std::signal(SIGXFSZ, SIG_IGN);
}

int dispatch(const std::vector<std::string>& args) {
    if (args.empty()) {
        write_to_stderr(usage());
        return static_cast<int>(ErrorCode::invalid_input);
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        fmt::print("{}", usage());
        return 0;
    }
    if (args[0] == "--version") {
        fmt::print("belay {} (SQLite {}, {})\nSQLite source: {}\n", library_version(),
                   sqlite_library_version(), sqlite_is_bundled() ? "bundled" : "system",
                   sqlite_source_id());
        return 0;
    }
    if (args[0] == "completion") {
        if (args.size() == 2 && args[1] == "bash") {
            fmt::print("{}", bash_completion_script());
            return 0;
        }
        write_to_stderr("belay: error: expected `belay completion bash`\n");
        return static_cast<int>(ErrorCode::invalid_input);
    }
    if (args[0] == "db" && args.size() == 2 &&
        (args[1] == "--help" || args[1] == "-h" || args[1] == "help")) {
        fmt::print("{}", usage());
        return 0;
    }
    if (args[0] == "fleet") {
        install_signal_handlers();
        return command_fleet(Arguments(args.begin() + 1, args.end()));
    }
    if (args[0] != "db" || args.size() < 2) {
        print_to_stderr("belay: error: unknown command '{}'; expected `belay db <command>`\n",
                        fmt::join(args, " "));
        write_to_stderr(usage());
        return static_cast<int>(ErrorCode::invalid_input);
    }
    for (const auto& command : k_commands) {
        if (args[1] != command.name) {
            continue;
        }
        const Arguments rest(args.begin() + 2, args.end());
        for (const auto& arg : rest) {
            if (arg == "--help" || arg == "-h") {
                print_command_help(command.name);
                return 0;
            }
        }
        install_signal_handlers();
        return command.handler(rest);
    }
    print_to_stderr("belay: error: unknown command 'db {}'\n", args[1]);
    write_to_stderr(usage());
    return static_cast<int>(ErrorCode::invalid_input);
}

// Opens /dev/null onto each of descriptors 0, 1 and 2 that is closed (`belay ... 2>&-`):
// otherwise the first file belay opens (its run lock, a backup, the database) would take the
// number, and messages meant for stderr would be written into it. False when /dev/null cannot
// be opened (no /dev in a chroot): belay then refuses to run at all.
bool standard_descriptors_open() {
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
        if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) {
            continue;
        }
        const int opened = ::open("/dev/null", O_RDWR);
        if (opened < 0) {
            return false;
        }
        // The lowest free number: `fd` itself, as the ones below it are open.
        if (opened != fd) {
            ::dup2(opened, fd);
            ::close(opened);
        }
    }
    return true;
}

}  // namespace

int run(int argc, char** argv) {
    if (!standard_descriptors_open()) {
        return k_internal_error;
    }
    try {
        return dispatch(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::exception& e) {
        print_to_stderr("belay: error: internal error (please report it): {}\n", e.what());
    } catch (...) {
        write_to_stderr("belay: error: internal error (please report it)\n");
    }
    return k_internal_error;
}

}  // namespace belay::cli
