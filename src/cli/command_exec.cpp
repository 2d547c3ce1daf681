#include <algorithm>
#include <csignal>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "belay/api.hpp"
#include "belay/cancellation.hpp"
#include "belay/exec.hpp"
#include "color.hpp"
#include "command.hpp"
#include "progress_bar.hpp"
#include "render.hpp"
#include "words.hpp"

namespace belay::cli {

namespace {

extern "C" void on_exec_signal(int signal_number) {
    request_cancellation(signal_number);
}

// SIGINT, SIGTERM, SIGHUP and SIGQUIT ask belay to stop: the command's process group gets the
// signal (then SIGKILL), and belay reports what it left. Unlike the other commands (app.cpp),
// a second signal does not end belay at once: that would leave the command's processes running
// unwatched, and the operator without the report and its restore command.
void forward_signals() {
    struct sigaction action {};
    action.sa_handler = on_exec_signal;
    sigemptyset(&action.sa_mask);
    for (const int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
        sigaction(signal_number, &action, nullptr);
    }
}

Result<void> read_environment(const ParsedOptions& vm, ExecOptions& options) {
    if (!vm.count("env")) {
        return {};
    }
    for (const auto& entry : vm["env"].as<std::vector<std::string>>()) {
        const auto equals = entry.find('=');
        if (equals == std::string::npos || equals == 0) {
            return usage_error(
                "--env {}: expected NAME=VALUE, e.g. --env "
                "DATABASE_URL=file:{{db}}",
                shell_quote(entry));
        }
        options.environment.emplace_back(entry.substr(0, equals), entry.substr(equals + 1));
    }
    return {};
}

Result<ExecOptions> read_exec_options(const ParsedOptions& vm, const CommonOptions& common,
                                      std::vector<std::string> command) {
    ExecOptions options;
    options.db = common.db;
    options.command = std::move(command);
    options.dry_run = vm["dry-run"].as<bool>();
    options.restore_on_failure = vm["restore-on-failure"].as<bool>();
    if (vm.count("timeout")) {
        auto timeout = seconds_option(vm, "timeout");
        BELAY_TRY(timeout);
        options.timeout = *timeout;
    }
    const auto level = vm["validate"].as<std::string>();
    if (level == "normal" || level == "full") {
        options.validation = level == "full" ? ValidationLevel::full : ValidationLevel::normal;
    } else if (level == "strict") {
        options.validation = ValidationLevel::strict;
    } else {
        return vm.bad_value("validate", "expected normal, full or strict");
    }
    BELAY_TRY(read_environment(vm, options));
    options.command_output_to_stderr = common.json;
    return options;
}

// What belay says before the command runs (on stderr: the command's own output follows).
void announce(const CommonOptions& common, const ExecReport& so_far) {
    if (common.quiet || common.json) {
        return;
    }
    if (so_far.snapshot) {
        print_to_stderr("belay: snapshot {}\n", printable(so_far.snapshot->string()));
    }
    std::vector<std::string> quoted;
    for (const auto& word : so_far.command.argv) {
        quoted.push_back(shell_quote(word));
    }
    print_to_stderr("belay: running {}{}\n", printable(fmt::format("{}", fmt::join(quoted, " "))),
                    so_far.dry_run ? " (dry run, on a copy)" : "");
}

}  // namespace

int command_exec(const Arguments& args) {
    const auto separator = std::ranges::find(args, std::string("--"));
    ParsedOptions vm;
    auto common = parse_command("exec", Arguments(args.begin(), separator), {}, true, vm);
    if (!common) {
        return report_error(common.error(), false);
    }
    if (separator == args.end() || separator + 1 == args.end() || separator[1].empty()) {
        return report_error(Error{ErrorCode::invalid_input,
                                  "db exec needs the migration command after `--`, e.g. belay "
                                  "db exec --db app.db -- dbmate --url sqlite:{db} up"},
                            common->json);
    }
    auto options =
        read_exec_options(vm, *common, std::vector<std::string>(separator + 1, args.end()));
    if (!options) {
        return report_error(options.error(), common->json);
    }
    options->backup_progress = progress_bar_for(*common);
    options->on_start = [&](const ExecReport& so_far) { announce(*common, so_far); };
    forward_signals();
    auto report = run_exec(*options);
    if (!report) {
        return report_error(report.error(), common->json);
    }
    const int exit_code = report->error ? exit_code_for(*report->error) : 0;
    if (common->json) {
        print_json(stdout, exec_to_json(*report, exit_code));
    } else {
        print_exec_text(stdout, *report, colors_enabled(stdout));
    }
    if (report->error) {
        print_to_stderr("belay: {} {}\n", paint("error:", Color::red, colors_enabled(stderr)),
                        printable(words(*report->error), true));
    }
    return exit_code;
}

}  // namespace belay::cli
