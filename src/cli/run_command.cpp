#include "run_command.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "belay/api.hpp"
#include "belay/migrate.hpp"
#include "color.hpp"
#include "progress_bar.hpp"
#include "render.hpp"
#include "words.hpp"

namespace belay::cli {

namespace {

// A switch the command may not have: false when it is not one of its options.
bool switch_set(const ParsedOptions& vm, const char* name) {
    return vm.count(name) != 0 && vm[name].as<bool>();
}

Result<void> read_target(const ParsedOptions& vm, MigrateOptions& options) {
    if (!vm.count("to")) {
        return {};
    }
    const auto text = vm["to"].as<std::string>();
    options.target = Version::parse_dotted(text);
    if (!options.target) {
        return usage_error(
            "--to {}: a version is the digits at the start of a file name, e.g. --to 0003", text);
    }
    return {};
}

Result<void> read_down_options(const ParsedOptions& vm, MigrateOptions& options) {
    if (!vm.count("steps")) {
        return {};
    }
    if (options.target) {
        return usage_error(
            "--steps and --to contradict each other: give one (see belay db down --help)");
    }
    options.steps = vm["steps"].as<int>();
    if (options.steps < 1) {
        return usage_error("--steps {}: revert at least 1 migration", options.steps);
    }
    return {};
}

// --backup-only contradicts --no-backup and --dry-run. The command line wins over a standing
// setting (configuration.md): `backup-only = true` in belay.ini and --dry-run on the command
// line make a dry run. Both from the command line, or both standing, are refused.
Result<void> read_backup_options(const ParsedOptions& vm, MigrateOptions& options) {
    options.backup = !vm["no-backup"].as<bool>();
    options.backup_only = switch_set(vm, "backup-only");
    if (options.backup_only && !options.backup) {
        const auto dropped = vm.overruled("backup-only", "no-backup");
        if (dropped.empty()) {
            return usage_error("{} and {} contradict each other", vm.named("backup-only"),
                               vm.named("no-backup"));
        }
        options.backup_only = false;
    }
    if (options.backup_only && options.dry_run) {
        const auto dropped = vm.overruled("backup-only", "dry-run");
        if (dropped.empty()) {
            return usage_error(
                "{} and {} contradict each other: a dry run writes no backup; use `belay db "
                "backup` for an on-demand one",
                vm.named("backup-only"), vm.named("dry-run"));
        }
        (dropped == "dry-run" ? options.dry_run : options.backup_only) = false;
    }
    if (options.operation == Operation::migrate && vm.count("keep")) {
        options.keep = vm["keep"].as<int>();
        if (*options.keep < 1) {
            return vm.bad_value("keep", "keep at least 1 backup");
        }
    }
    return {};
}

Result<void> read_validation(const ParsedOptions& vm, MigrateOptions& options) {
    auto step_timeout = seconds_option(vm, "step-timeout");
    BELAY_TRY(step_timeout);
    options.step_timeout = *step_timeout;
    const auto level = vm["validate"].as<std::string>();
    if (level == "normal") {
        options.validation = ValidationLevel::normal;
    } else if (level == "full") {
        options.validation = ValidationLevel::full;
    } else if (level == "strict") {
        options.validation = ValidationLevel::strict;
    } else {
        return vm.bad_value("validate", "expected normal, full or strict");
    }
    return {};
}

// What stays as it was after a failed run, for the message's second line.
std::string what_stays(const RunReport& report, const StepReport* failed) {
    const auto done = std::ranges::count_if(report.steps, [](const StepReport& step) {
        return step.result == StepResult::applied || step.result == StepResult::reverted;
    });
    const char* stay = report.operation == Operation::migrate ? "stay applied" : "stay done";
    if (report.dry_run) {
        return "Dry run: nothing was changed.";
    }
    if (failed != nullptr && failed->no_transaction && report.error->code != ErrorCode::busy) {
        return fmt::format(
            "{} earlier step(s) of this run {}; {} may be partly {} and is marked "
            "dirty, so belay refuses to run until that is resolved (docs/recovery.md).",
            done, stay, step_label(*failed),
            failed->direction == Direction::up ? "applied" : "reverted");
    }
    if (report.error->code == ErrorCode::snapshot_failed) {
        return "No migration ran; the database is as it was.";
    }
    if (done == 0) {
        return fmt::format("Nothing of this run was done; the database is at version {} as before.",
                           shown_version(report.version_after));
    }
    return fmt::format("{} earlier step(s) of this run {}; the database is now at version {}.",
                       done, stay, shown_version(report.version_after));
}

// The message for a failed run: what failed, what stayed as it was, and how to undo the run.
std::string failure_message(const RunReport& report) {
    auto message = words(*report.error);
    const auto failed = std::ranges::find_if(report.steps, [](const StepReport& step) {
        return step.result == StepResult::failed || step.result == StepResult::would_fail;
    });
    const StepReport* failed_step = failed != report.steps.end() ? &*failed : nullptr;
    if (failed_step != nullptr) {
        message = fmt::format("{}migration {} failed: {}",
                              failed_step->repeatable                   ? "repeatable "
                              : failed_step->direction == Direction::up ? ""
                                                                        : "reverting ",
                              step_label(*failed_step), message);
    }
    message += "\n" + what_stays(report, failed_step);
    if (report.snapshot && report.undo && !report.dry_run) {
        message +=
            fmt::format("\nThe snapshot taken before this run is {}. To undo the whole run:\n  {}",
                        *report.snapshot, words(*report.undo));
    }
    return message;
}

}  // namespace

Result<MigrateOptions> read_run_options(const ParsedOptions& vm, const CommonOptions& common,
                                        Operation operation) {
    MigrateOptions options;
    options.db = common.db;
    options.operation = operation;
    options.dry_run = vm["dry-run"].as<bool>();
    options.allow_out_of_order = switch_set(vm, "allow-out-of-order");
    options.allow_missing_down = switch_set(vm, "allow-missing-down");
    options.assume_yes = switch_set(vm, "yes");
    options.record_words = [](const Message& message) { return words(message); };
    BELAY_TRY(read_target(vm, options));
    BELAY_TRY(read_down_options(vm, options));
    BELAY_TRY(read_backup_options(vm, options));
    BELAY_TRY(read_validation(vm, options));
    return options;
}

int run_command(const std::string& command, Operation operation, const Arguments& args) {
    ParsedOptions vm;
    auto common = parse_command(command, args, {}, true, vm);
    if (!common) {
        return report_error(common.error(), false);
    }
    auto options = read_run_options(vm, *common, operation);
    if (!options) {
        return report_error(options.error(), common->json);
    }
    options->backup_progress = progress_bar_for(*common);
    options->confirm = terminal_confirmation();
    options->on_warning = [&](const Message& warning) { print_warning(*common, words(warning)); };
    auto report = run_migrate(*options);
    if (!report) {
        return report_error(report.error(), common->json);
    }

    const int exit_code = report->error ? exit_code_for(*report->error) : 0;
    if (common->json) {
        print_json(stdout, run_to_json(*report, exit_code));
    } else {
        print_run_text(stdout, *report, colors_enabled(stdout));
    }
    if (report->error) {
        print_to_stderr("belay: error: {}\n", printable(failure_message(*report), true));
    }
    return exit_code;
}

}  // namespace belay::cli
