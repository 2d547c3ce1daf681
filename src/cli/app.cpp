#include "cli/app.hpp"

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "core/cancellation.hpp"

namespace belay::cli {

namespace {

constexpr int k_internal_error = 70;

struct CommandEntry {
    const char* name;
    const char* summary;
    int (*handler)(const Arguments&);
};

constexpr CommandEntry k_commands[] = {
    {"status", "show every migration and whether it is applied", command_status},
    {"migrate", "apply pending migrations (--dry-run rehearses on a copy)", command_migrate},
    {"down", "revert the newest applied migration (--steps N, --to VERSION)", command_down},
    {"rollback", "the same as db down", command_down},
    {"redo", "revert the newest applied migration and apply it again", command_redo},
    {"reset", "revert every applied migration (asks first)", command_reset},
    {"refresh", "reset, then migrate (asks first)", command_refresh},
    {"adopt", "turn goose's, golang-migrate's, dbmate's or sql-migrate's history into belay's",
     command_adopt},
    {"baseline", "record migrations up to VERSION as applied, without running them",
     command_baseline},
    {"repair", "clear failed and dirty marks, re-record changed checksums (asks first)",
     command_repair},
    {"force", "make the history say VERSION is the current version (asks first)", command_force},
    {"version", "print the current version", command_version},
    {"create", "write a new migration file", command_create},
    {"backup", "take a verified snapshot now", command_backup},
    {"backups", "list this database's backups, newest first", command_backups},
    {"restore", "put a verified backup back in place", command_restore},
    {"prune", "remove old backups of this database", command_prune},
    {"check", "integrity, validation, history and drift checks", command_check},
    {"dump-schema", "the schema as SQL, with the history (--check FILE against the migrations)",
     command_dump_schema},
    {"lint", "warnings about the migration files (--strict: exit 6 on any)", command_lint},
};

void print_usage(std::FILE* out) {
    fmt::print(out,
               "belay {}: backup-first schema migrations for SQLite\n\n"
               "Usage: belay db <command> [options]\n       belay --version\n\nCommands:\n",
               BELAY_VERSION);
    for (const auto& command : k_commands) {
        fmt::print(out, "  db {:<10} {}\n", command.name, command.summary);
    }
    fmt::print(out, "\nRun `belay db <command> --help` for a command's options.\n");
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
        print_usage(stderr);
        return static_cast<int>(ErrorCode::invalid_input);
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_usage(stdout);
        return 0;
    }
    if (args[0] == "--version") {
        fmt::print("belay {}\n", BELAY_VERSION);
        return 0;
    }
    if (args[0] != "db" || args.size() < 2) {
        fmt::print(stderr, "belay: error: unknown command '{}'; expected `belay db <command>`\n",
                   fmt::join(args, " "));
        print_usage(stderr);
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
    fmt::print(stderr, "belay: error: unknown command 'db {}'\n", args[1]);
    print_usage(stderr);
    return static_cast<int>(ErrorCode::invalid_input);
}

}  // namespace

int run(int argc, char** argv) {
    try {
        return dispatch(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::exception& e) {
        fmt::print(stderr, "belay: error: internal error (please report it): {}\n", e.what());
    } catch (...) {
        fmt::print(stderr, "belay: error: internal error (please report it)\n");
    }
    return k_internal_error;
}

}  // namespace belay::cli
