// The fleet calls of belay/api.hpp: the one-database calls over a selection (fleet_run.hpp runs
// them; fleet_actions.hpp is what each does to one database).
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>

#include "api/fleet_actions.hpp"
#include "api/fleet_run.hpp"
#include "api/option_checks.hpp"
#include "belay/api.hpp"
#include "belay/cancellation.hpp"
#include "core/elapsed.hpp"
#include "core/utc_time.hpp"
#include "engine/migration_set.hpp"
#include "engine/scratch_directory.hpp"

namespace belay {

namespace {

using Clock = std::chrono::steady_clock;

Result<void> check_fleet_options(const FleetOptions& options) {
    if (options.max_failures && *options.max_failures < 1) {
        return fail(ErrorCode::invalid_input, "{} {}: give 1 or more", Option::max_failures,
                    *options.max_failures);
    }
    if (options.canary < 0) {
        return fail(ErrorCode::invalid_input, "canary {}: give 0 or more databases",
                    options.canary);
    }
    if (options.command == FleetCommand::migrate && !options.each.dry_run &&
        options.journal.empty()) {
        return fail(ErrorCode::invalid_input, "a fleet migrate needs a journal ({})",
                    Option::journal);
    }
    if (options.command == FleetCommand::migrate &&
        (options.each.operation != Operation::migrate || options.each.backup_only)) {
        return fail(ErrorCode::invalid_input, "a fleet run applies migrations only");
    }
    return check_database_options(options.each.db);
}

// Applies every migration to an empty database in a scratch directory, before any database of
// the fleet is touched: a migration that cannot apply at all stops the run there.
Result<void> rehearse_once(const FleetOptions& options) {
    auto scratch = engine::ScratchDirectory::create("belay-fleet-rehearsal");
    BELAY_TRY(scratch);
    MigrateOptions rehearsal = options.each;
    rehearsal.db.database = scratch->path() / "rehearsal.db";
    rehearsal.db.backup_dir = scratch->path();
    rehearsal.backup = false;
    rehearsal.dry_run = false;
    rehearsal.keep.reset();
    rehearsal.create_missing = true;
    rehearsal.on_warning = [](const Message&) {};
    rehearsal.on_snapshot = {};
    auto report = run_migrate(rehearsal);
    const Error* error = !report ? &report.error() : report->error ? &*report->error : nullptr;
    if (error == nullptr) {
        return {};
    }
    if (error->code == ErrorCode::interrupted) {  // a signal stopped it: nothing failed
        return fail(ErrorCode::interrupted,
                    "interrupted by a signal during the rehearsal on an empty scratch database; "
                    "no database of the fleet was touched");
    }
    // The failed step's own error: the run's adds advice about the scratch database.
    Message why = error->what();
    for (const auto& step : report ? report->steps : std::vector<StepReport>{}) {
        if (step.result == StepResult::failed && !step.error.text().empty()) {
            why = step.error;
        }
    }
    Error stopped = *error;
    stopped.said = said(
        "the rehearsal on an empty scratch database failed, so no database of "
        "the fleet was touched: {} (migrations that need tables the databases "
        "already have: {})",
        why, Option::rehearse);
    stopped.message = stopped.said.text();
    stopped.subject.path.clear();
    return std::unexpected(stopped);
}

nlohmann::ordered_json journal_header(const FleetOptions& options, const MigrationSet& set,
                                      std::size_t selected) {
    const auto& each = options.each;
    std::error_code ec;
    nlohmann::ordered_json header{
        {"belay_fleet_journal", 1},
        {"command", "migrate"},
        {"started_at", iso8601_utc(std::chrono::system_clock::now())},
        {"belay", std::string(library_version())},
        {"cwd", std::filesystem::current_path(ec).string()},
        {"migrations", std::filesystem::absolute(each.db.migrations_dir, ec).string()},
        {"migrations_sha256", fleet::migrations_checksum(set)},
        {"layout", each.db.layout ? std::string(to_string(*each.db.layout)) : std::string()},
        {"table", each.db.history_table},
        {"target", each.target ? each.target->text() : std::string()},
        {"lock_timeout_ms", each.db.lock_timeout.count()},
        {"step_timeout_ms", each.step_timeout.count()},
        {"validation", each.validation == ValidationLevel::strict ? "strict"
                       : each.validation == ValidationLevel::full ? "full"
                                                                  : "normal"},
        {"backup", each.backup},
        {"backup_dir", each.db.backup_dir.empty()
                           ? std::string()
                           : std::filesystem::absolute(each.db.backup_dir, ec).string()},
        {"allow_out_of_order", each.allow_out_of_order},
        {"jobs", options.jobs},
        {"canary", options.canary},
        {"max_failures", options.max_failures ? *options.max_failures : 0},
        {"keep", each.keep ? *each.keep : 0},
        {"selected", selected}};
    return header;
}

// The notes and checks of a fleet migrate before its first database: files, lint, rehearsal.
// What every database's run would refuse alike, refused once before any is touched.
Result<void> refuse_for_all(const FleetOptions& options, const MigrationSet& set) {
    const auto& dir = options.each.db.migrations_dir;
    if (set.migrations.empty() && set.repeatables.empty()) {
        return fail(dir, ErrorCode::invalid_input,
                    "{} holds no migration files; point {} at the right directory", dir.string(),
                    Option::migrations_dir);
    }
    const auto& target = options.each.target;
    if (target && std::ranges::none_of(set.migrations, [&](const Migration& migration) {
            return migration.version == *target;
        })) {
        return fail(ErrorCode::invalid_input,
                    "{} {}: no migration in {} has that version; give one of its files' versions",
                    Option::target, target->text(), dir.string());
    }
    return {};
}

// `options.each.migration_set` holds the migrations, read once.
Result<void> prepare_migrate(const FleetOptions& options, FleetSummary& summary) {
    BELAY_TRY(refuse_for_all(options, *options.each.migration_set));
    auto lint = run_lint(options.each);
    BELAY_TRY(lint);
    if (cancellation_requested()) {  // lint's checks on a scratch database give way to it
        return fail(ErrorCode::interrupted,
                    "interrupted by a signal while the migrations were checked; no database of "
                    "the fleet was touched");
    }
    if (!lint->warnings.empty()) {
        summary.notes.push_back(said("the migrations have {} lint warning(s); {} lists them",
                                     lint->warnings.size(), run(Command::lint, {})));
    }
    if (options.rehearse) {
        BELAY_TRY(rehearse_once(options));
    } else {
        summary.notes.push_back(said("no rehearsal on a scratch database ({})", Option::rehearse));
    }
    return {};
}

// What each database gets: the command's one-database call.
fleet::Action action_for(const FleetOptions& options, FleetJournal* journal) {
    switch (options.command) {
        case FleetCommand::migrate:
            return [&options, journal](const FleetMember& member, std::size_t index) {
                return fleet::migrate_one(options, member, index, journal);
            };
        case FleetCommand::backup:
            return [&options](const FleetMember& member, std::size_t) {
                return fleet::backup_one(options, member);
            };
        case FleetCommand::check:
            return [&options](const FleetMember& member, std::size_t) {
                return fleet::check_one(options, member);
            };
        case FleetCommand::status:
            break;
    }
    return [&options](const FleetMember& member, std::size_t) {
        return fleet::status_one(options, *options.each.migration_set, member);
    };
}

// What the summary says of the selection: names left out as aliases, an empty shard.
void note_selection(const FleetSelected& selected, const FleetSelection& selection,
                    FleetSummary& summary) {
    if (!selected.aliases.empty()) {
        std::string examples;
        for (std::size_t i = 0; i < selected.aliases.size() && i < 3; ++i) {
            examples += fmt::format("{}{} (selected as {})", i == 0 ? "" : ", ",
                                    selected.aliases[i].first, selected.aliases[i].second);
        }
        summary.notes.push_back(
            said("{} path(s) name a file selected under another name and "
                 "were left out: {}{}",
                 selected.aliases.size(), examples, selected.aliases.size() > 3 ? ", ..." : ""));
    }
    if (selected.members.empty() && selection.shard) {
        summary.notes.push_back(said("shard {}/{} holds none of the databases selected",
                                     selection.shard->index, selection.shard->count));
    }
}

FleetSummary empty_summary(const FleetOptions& options, std::size_t selected) {
    FleetSummary summary;
    summary.command = options.command;
    summary.dry_run = options.each.dry_run;
    summary.target = options.each.target ? options.each.target->text() : std::string();
    summary.selected = selected;
    summary.list_all = options.list_all;
    return summary;
}

}  // namespace

Result<FleetSummary> run_fleet(const FleetOptions& options) {
    const auto started = Clock::now();
    BELAY_TRY(check_fleet_options(options));
    BELAY_TRY(fleet::prepare_jobs(options.jobs));
    auto selected = select_fleet(options.selection);
    BELAY_TRY(selected);
    auto* members = &selected->members;
    auto summary = empty_summary(options, members->size());
    note_selection(*selected, options.selection, summary);
    // Every database's run gets the migrations read here, once.
    auto each_run = options;
    if (options.command == FleetCommand::migrate || options.command == FleetCommand::status) {
        auto loaded = load_migration_set(options.each.db);
        BELAY_TRY(loaded);
        each_run.each.migration_set = std::make_shared<const MigrationSet>(std::move(*loaded));
        if (options.command == FleetCommand::migrate) {
            BELAY_TRY(prepare_migrate(each_run, summary));
        }
    }
    std::optional<FleetJournal> journal;
    if (options.command == FleetCommand::migrate && !options.each.dry_run) {
        auto created = FleetJournal::create(
            options.journal, journal_header(options, *each_run.each.migration_set, members->size()),
            *members);
        BELAY_TRY(created);
        journal.emplace(std::move(*created));
        summary.journals.push_back(options.journal.string());
        if (options.on_journal) {
            options.on_journal(options.journal);
        }
    }
    fleet::Run run;
    run.members = members;
    run.journal = journal ? &*journal : nullptr;
    run.jobs = options.jobs;
    run.canary = options.command == FleetCommand::migrate ? options.canary : 0;
    run.max_failures = options.max_failures;
    run.action = action_for(each_run, run.journal);
    run.on_progress = options.on_progress;
    const bool snapshots = options.command == FleetCommand::backup ||
                           (options.command == FleetCommand::migrate && !options.each.dry_run);
    run.snapshots = snapshots ? &options.each.db : nullptr;
    fleet::run_members(run, summary);
    summary.duration_ms = milliseconds_since(started);
    return summary;
}

}  // namespace belay
