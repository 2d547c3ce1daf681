// `belay fleet migrate|resume|status|backup|check`: the library's fleet calls (belay/fleet.hpp)
// from the command line.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "belay/api.hpp"
#include "belay/cancellation.hpp"
#include "command.hpp"
#include "command_fleet.hpp"
#include "render.hpp"
#include "run_command.hpp"
#include "words.hpp"

namespace belay::cli {

namespace {

// The selection's --db values, taken out of `args` (a fleet selects its databases only from its
// command line: BELAY_DB and belay.ini's db would add one the operator did not name here).
Arguments take_databases(const Arguments& args, std::vector<std::string>& patterns) {
    Arguments rest;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--db" && i + 1 < args.size()) {
            patterns.push_back(args[++i]);
        } else if (args[i].starts_with("--db=")) {
            patterns.push_back(args[i].substr(5));
        } else {
            rest.push_back(args[i]);
        }
    }
    return rest;
}

Result<FleetSelection> read_selection(const ParsedOptions& vm, std::vector<std::string> patterns) {
    FleetSelection selection;
    selection.patterns = std::move(patterns);
    if (vm.count("db-list")) {
        for (const auto& list : vm["db-list"].as<std::vector<std::string>>()) {
            selection.lists.emplace_back(list);
        }
    }
    if (vm.count("shard")) {
        auto shard = parse_shard(vm["shard"].as<std::string>());
        if (!shard) {
            return vm.bad_value("shard",
                                "expected I/N with I below N, e.g. 0/4 for the first of "
                                "four shares (0/4 ... 3/4)");
        }
        selection.shard = *shard;
    }
    if (selection.patterns.empty() && selection.lists.empty() && !vm.count("journal")) {
        return usage_error(
            "no databases selected: give --db PATH or PATTERN (repeatable) or "
            "--db-list FILE");
    }
    return selection;
}

// The time in a default journal's name ("belay-fleet-20261207-101500.journal"), if it is one.
std::optional<std::time_t> time_in_journal_name(const std::string& name) {
    std::tm parts{};
    char end = 0;
    if (name.size() != std::string_view("belay-fleet-YYYYMMDD-HHMMSS.journal").size() ||
        !name.starts_with("belay-fleet-") || !name.ends_with(".journal") ||
        std::sscanf(name.c_str(), "belay-fleet-%4d%2d%2d-%2d%2d%2d.journa%c", &parts.tm_year,
                    &parts.tm_mon, &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec,
                    &end) != 7) {
        return std::nullopt;
    }
    parts.tm_year -= 1900;
    parts.tm_mon -= 1;
    return ::timegm(&parts);
}

// belay-fleet-YYYYMMDD-HHMMSS.journal, here, with the time now; or, when the clock is behind a
// default journal already here (it stepped back), one second after the latest of them: the
// names sort in the order the runs started, which fleet status --journal goes by.
Result<std::string> default_journal() {
    auto stamp = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(".", ec)) {
        if (const auto taken = time_in_journal_name(entry.path().filename().string())) {
            stamp = std::max(stamp, *taken + 1);
        }
    }
    constexpr std::time_t k_last_name = 253402300799;  // 9999-12-31 23:59:59 UTC
    if (stamp > k_last_name) {
        return usage_error(
            "a journal here is named for the last second of the year 9999, so no default name "
            "sorts after it: name this run's journal with --journal FILE");
    }
    return fmt::format("belay-fleet-{:%Y%m%d-%H%M%S}.journal", fmt::gmtime(stamp));
}

// The progress line on a terminal: databases done of all, failures, time left.
std::function<void(const FleetProgress&)> progress_for(const CommonOptions& common) {
    if (common.json || common.quiet || ::isatty(STDERR_FILENO) == 0) {
        return nullptr;
    }
    const auto started = std::chrono::steady_clock::now();
    return [started](const FleetProgress& progress) {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const double left = progress.done > 0
                                ? seconds / static_cast<double>(progress.done) *
                                      static_cast<double>(progress.total - progress.done)
                                : 0.0;
        print_to_stderr("\r{}/{} databases  {} failed  ETA {:.0f}s   {}", progress.done,
                        progress.total, progress.failures, left,
                        progress.done == progress.total ? "\n" : "");
    };
}

int finish(const Result<FleetSummary>& summary, const CommonOptions& common, bool all,
           bool exit_code_wanted) {
    if (!summary) {
        return report_error(summary.error(), common.json);
    }
    const int code = fleet_exit_code(*summary, exit_code_wanted);
    if (common.json) {
        print_json(stdout, fleet_to_json(*summary, code));
    } else {
        print_fleet_text(stdout, *summary, all);
    }
    return code;
}

struct FleetArgs {
    ParsedOptions vm;
    CommonOptions common;
    FleetSelection selection;
};

Result<void> parse_fleet(const std::string& command, const Arguments& args,
                         const std::vector<std::string>& positional, FleetArgs& parsed) {
    std::vector<std::string> patterns;
    const auto rest = take_databases(args, patterns);
    auto common = parse_command("fleet-" + command, rest, positional, false, parsed.vm);
    BELAY_TRY(common);
    parsed.common = std::move(*common);
    parsed.common.db.database.clear();
    if (command == "status" && parsed.vm.count("journal") &&
        (!patterns.empty() || parsed.vm.count("db-list"))) {
        return usage_error(
            "--journal reads the journals instead of the databases: give either "
            "--journal or --db/--db-list");
    }
    if (command != "resume") {
        auto selection = read_selection(parsed.vm, std::move(patterns));
        BELAY_TRY(selection);
        parsed.selection = std::move(*selection);
    } else if (!patterns.empty()) {
        return usage_error("fleet resume takes its databases from the journal, not --db");
    }
    return {};
}

FleetOptions options_of(FleetArgs& parsed, FleetCommand command) {
    FleetOptions options;
    options.command = command;
    options.selection = parsed.selection;
    options.each.db = parsed.common.db;
    // fleet status has no default of its own: one database per core.
    options.jobs = parsed.vm.count("jobs") != 0
                       ? parsed.vm["jobs"].as<int>()
                       : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1U, 16U));
    options.words = [](const Message& message) { return words(message); };
    options.on_progress = progress_for(parsed.common);
    if (parsed.vm.count("max-failures")) {
        options.max_failures = parsed.vm["max-failures"].as<int>();
    }
    return options;
}

int fleet_migrate(const Arguments& args) {
    FleetArgs parsed;
    if (auto ok = parse_fleet("migrate", args, {}, parsed); !ok) {
        return report_error(ok.error(), false);
    }
    auto options = options_of(parsed, FleetCommand::migrate);
    // A fleet run always snapshots each database: there is no --no-backup to read.
    parsed.vm.insert({"no-backup", po::variable_value(false, true)});
    auto each = read_run_options(parsed.vm, parsed.common, Operation::migrate);
    if (!each) {
        return report_error(each.error(), parsed.common.json);
    }
    options.each = std::move(*each);
    options.canary = parsed.vm["canary"].as<int>();
    options.rehearse = !parsed.vm["no-rehearsal"].as<bool>();
    auto named =
        parsed.vm.count("journal") ? parsed.vm["journal"].as<std::string>() : default_journal();
    if (!named) {
        return report_error(named.error(), parsed.common.json);
    }
    options.journal = *named;
    if (!parsed.common.json && !parsed.common.quiet) {
        options.on_journal = [](const std::filesystem::path& journal) {
            print_to_stderr("belay: fleet journal {} (after a crash: `belay fleet resume {}`)\n",
                            journal.string(), shell_quote(journal.string()));
        };
    }
    return finish(run_fleet(options), parsed.common, false, false);
}

int fleet_resume(const Arguments& args) {
    FleetArgs parsed;
    if (auto ok = parse_fleet("resume", args, {"journal"}, parsed); !ok) {
        return report_error(ok.error(), false);
    }
    if (!parsed.vm.count("journal")) {
        return report_error(usage_error("expected `belay fleet resume JOURNAL`").error(),
                            parsed.common.json);
    }
    // The run goes on as it was started: its journal holds its options (BELAY_* variables and
    // belay.ini, which stand for every run, were not read for these).
    for (const auto& fixed : fleet_resume_fixed_options()) {
        if (parsed.vm.count(fixed) && !parsed.vm[fixed].defaulted() &&
            parsed.vm.origin(fixed).place == Origin::Place::command_line) {
            return report_error(
                usage_error("fleet resume goes on with the options its journal records; --{} "
                            "cannot change them (start a new `belay fleet migrate` instead)",
                            fixed)
                    .error(),
                parsed.common.json);
        }
    }
    FleetResumeOptions options;
    options.journal = parsed.vm["journal"].as<std::string>();
    if (!parsed.vm["jobs"].defaulted()) {
        // fleet status has no default of its own: one database per core.
        options.jobs =
            parsed.vm.count("jobs") != 0
                ? parsed.vm["jobs"].as<int>()
                : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1U, 16U));
    }
    options.words = [](const Message& message) { return words(message); };
    options.on_progress = progress_for(parsed.common);
    return finish(resume_fleet(options), parsed.common, false, false);
}

// With --journal: one view of the runs those journals record, no database opened.
int fleet_status(const Arguments& args) {
    FleetArgs parsed;
    if (auto ok = parse_fleet("status", args, {}, parsed); !ok) {
        return report_error(ok.error(), false);
    }
    const bool all = parsed.vm["all"].as<bool>();
    const bool exit_code = parsed.vm["exit-code"].as<bool>();
    if (!parsed.vm.count("journal")) {
        auto options = options_of(parsed, FleetCommand::status);
        options.list_all = all;
        return finish(run_fleet(options), parsed.common, all, exit_code);
    }
    std::vector<std::filesystem::path> journals;
    for (const auto& journal : parsed.vm["journal"].as<std::vector<std::string>>()) {
        journals.emplace_back(journal);
    }
    return finish(read_fleet_journals(journals, all), parsed.common, all, exit_code);
}

int fleet_backup_or_check(const std::string& command, const Arguments& args) {
    FleetArgs parsed;
    if (auto ok = parse_fleet(command, args, {}, parsed); !ok) {
        return report_error(ok.error(), false);
    }
    auto options =
        options_of(parsed, command == "backup" ? FleetCommand::backup : FleetCommand::check);
    if (command == "check") {
        options.check_backups = parsed.vm["backups"].as<bool>();
    }
    return finish(run_fleet(options), parsed.common, false, false);
}

// What `belay fleet <command> --help` shows after "Usage: belay fleet <command> ".
std::string synopsis_of(const std::string& command) {
    if (command == "resume") {
        return "JOURNAL [options]";
    }
    if (command == "status") {
        return "(--db PATTERN... | --journal FILE...) [options]";
    }
    return "--db PATTERN... [options]";
}

void print_fleet_help(const std::string& command) {
    po::options_description options("Options");
    if (command != "resume") {
        options.add_options()("db", po::value<std::string>()->value_name("PATTERN"),
                              "a database path, or a quoted glob pattern; repeatable");
    }
    const auto common = common_options_description();
    for (const auto& option : common.options()) {
        const auto& name = option->long_name();
        const bool for_resume = name == "json" || name == "verbose" || name == "quiet" ||
                                name == "log-level" || name == "config";
        if (name != "db" && (command != "resume" || for_resume)) {
            options.add(option);
        }
    }
    options.add(command_options_description("fleet-" + command));
    std::ostringstream text;
    text << options;
    fmt::print(
        "Usage: belay fleet {} {}\n\n{}\nSee docs/fleet.md (the databases come only "
        "from --db and --db-list).\n",
        command, synopsis_of(command), text.str());
}

}  // namespace

int command_fleet(const Arguments& args) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        fmt::print("{}", fleet_usage());
        return args.empty() ? static_cast<int>(ErrorCode::invalid_input) : 0;
    }
    const Arguments rest(args.begin() + 1, args.end());
    const bool known = args[0] == "migrate" || args[0] == "resume" || args[0] == "status" ||
                       args[0] == "backup" || args[0] == "check";
    if (known && std::ranges::any_of(
                     rest, [](const std::string& a) { return a == "--help" || a == "-h"; })) {
        print_fleet_help(args[0]);
        return 0;
    }
    if (args[0] == "migrate") {
        return fleet_migrate(rest);
    }
    if (args[0] == "resume") {
        return fleet_resume(rest);
    }
    if (args[0] == "status") {
        return fleet_status(rest);
    }
    if (args[0] == "backup" || args[0] == "check") {
        return fleet_backup_or_check(args[0], rest);
    }
    print_to_stderr("belay: error: unknown command 'fleet {}'\n", args[0]);
    write_to_stderr(fleet_usage());
    return static_cast<int>(ErrorCode::invalid_input);
}

}  // namespace belay::cli
