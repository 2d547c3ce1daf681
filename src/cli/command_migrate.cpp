#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/progress_bar.hpp"
#include "cli/render.hpp"
#include "engine/migrate.hpp"

namespace belay::cli {

namespace {

Result<MigrateOptions> read_migrate_options(const po::variables_map& vm,
                                            const CommonOptions& common) {
    MigrateOptions options;
    options.db = common.db;
    options.dry_run = vm["dry-run"].as<bool>();
    options.allow_out_of_order = vm["allow-out-of-order"].as<bool>();
    if (vm.count("to")) {
        const auto text = vm["to"].as<std::string>();
        options.target = Version::parse(text);
        if (!options.target) {
            return fail(ErrorCode::invalid_input,
                        "--to {}: a version is the digits at the start of a file name, e.g. "
                        "--to 0003",
                        text);
        }
    }
    options.backup = !vm["no-backup"].as<bool>();
    options.backup_only = vm["backup-only"].as<bool>();
    if (options.backup_only && !options.backup) {
        return fail(ErrorCode::invalid_input,
                    "--backup-only and --no-backup contradict each other");
    }
    if (options.backup_only && options.dry_run) {
        return fail(ErrorCode::invalid_input,
                    "--backup-only and --dry-run contradict each other: a dry run writes no "
                    "backup; use `belay db backup` for an on-demand one");
    }
    if (vm.count("keep")) {
        options.keep = vm["keep"].as<int>();
        if (*options.keep < 1) {
            return fail(ErrorCode::invalid_input, "--keep {}: keep at least 1 backup",
                        *options.keep);
        }
    }
    auto step_timeout = seconds_option(vm, "step-timeout");
    if (!step_timeout) {
        return std::unexpected(step_timeout.error());
    }
    options.step_timeout = *step_timeout;
    const auto level = vm["validate"].as<std::string>();
    if (level == "normal") {
        options.validation = ValidationLevel::normal;
    } else if (level == "full") {
        options.validation = ValidationLevel::full;
    } else if (level == "strict") {
        options.validation = ValidationLevel::strict;
    } else {
        return fail(ErrorCode::invalid_input, "--validate {}: expected normal, full or strict",
                    level);
    }
    return options;
}

// The message for a failed run: what failed, and what stayed as it was.
Error failure_message(const RunReport& report) {
    auto error = *report.error;
    const auto failed = std::ranges::find_if(report.steps, [](const StepReport& step) {
        return step.result == StepResult::failed || step.result == StepResult::would_fail;
    });
    if (failed != report.steps.end()) {
        error.message =
            fmt::format("migration {}_{} failed: {}", failed->version, failed->name, error.message);
    }
    const auto applied = std::ranges::count_if(
        report.steps, [](const StepReport& step) { return step.result == StepResult::applied; });
    if (report.dry_run) {
        error.message += "\nDry run: nothing was changed.";
    } else if (failed != report.steps.end() && failed->no_transaction &&
               error.code != ErrorCode::busy) {
        error.message += fmt::format(
            "\n{} earlier step(s) of this run stay applied; {}_{} may be partly applied and is "
            "marked dirty, so belay refuses to run until that is resolved (docs/recovery.md).",
            applied, failed->version, failed->name);
    } else if (error.code == ErrorCode::snapshot_failed) {
        error.message += "\nNo migration ran; the database is as it was.";
    } else if (applied == 0) {
        error.message += fmt::format(
            "\nNothing of this run was applied; the database is at version {} as before.",
            report.version_after);
    } else {
        error.message += fmt::format(
            "\n{} earlier step(s) of this run stay applied; the database is now at version {}.",
            applied, report.version_after);
    }
    if (report.snapshot && !report.dry_run) {
        error.message +=
            fmt::format("\nThe snapshot taken before this run is {}. To undo the whole run:\n  {}",
                        *report.snapshot, report.restore_command);
    }
    return error;
}

}  // namespace

int command_migrate(const Arguments& args) {
    po::variables_map vm;
    auto common = parse_command("migrate", args, {}, true, vm);
    if (!common) {
        return report_error(common.error(), false);
    }
    auto options = read_migrate_options(vm, *common);
    if (!options) {
        return report_error(options.error(), common->json);
    }
    options->backup_progress = progress_bar_for(*common);
    auto report = run_migrate(*options);
    if (!report) {
        return report_error(report.error(), common->json);
    }
    const int exit_code = report->error ? exit_code_for(*report->error) : 0;
    if (common->json) {
        fmt::print("{}\n", run_to_json(*report, exit_code).dump(2));
    } else {
        print_run_text(*report);
    }
    if (report->error) {
        fmt::print(stderr, "belay: error: {}\n", failure_message(*report).message);
    }
    return exit_code;
}

}  // namespace belay::cli
