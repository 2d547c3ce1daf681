// fleet resume and the journals' view (belay/api.hpp): a fleet migrate's journal read back.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>

#include "api/fleet_actions.hpp"
#include "api/fleet_run.hpp"
#include "belay/api.hpp"
#include "core/backup_metadata.hpp"
#include "core/elapsed.hpp"
#include "core/fleet_journal.hpp"
#include "core/utc_time.hpp"

namespace belay {

namespace {

using Clock = std::chrono::steady_clock;

// A journaled path as the run used it: relative ones from the directory the run started in.
std::filesystem::path as_run_saw_it(const nlohmann::json& header,
                                    const std::filesystem::path& path) {
    const auto cwd = header.value("cwd", std::string());
    return path.is_relative() && !cwd.empty() ? std::filesystem::path(cwd) / path : path;
}

// The options the journal's run was started with (nlohmann's exceptions for a value of the
// wrong type are caught by options_of).
Result<FleetOptions> read_options(const nlohmann::json& header,
                                  const std::filesystem::path& journal) {
    FleetOptions options;
    auto& each = options.each;
    each.db.migrations_dir = header.value("migrations", std::string());
    if (const auto layout = header.value("layout", std::string()); !layout.empty()) {
        each.db.layout = parse_layout(layout);
    }
    each.db.history_table = header.value("table", std::string("schema_migrations"));
    if (const auto target = header.value("target", std::string()); !target.empty()) {
        each.target = Version::parse_dotted(target);
    }
    each.db.lock_timeout = std::chrono::milliseconds(header.value("lock_timeout_ms", 5000));
    each.step_timeout = std::chrono::milliseconds(header.value("step_timeout_ms", 30000));
    const auto validation = header.value("validation", std::string("normal"));
    each.validation = validation == "strict" ? ValidationLevel::strict
                      : validation == "full" ? ValidationLevel::full
                                             : ValidationLevel::normal;
    each.backup = header.value("backup", true);
    each.db.backup_dir = header.value("backup_dir", std::string());
    each.allow_out_of_order = header.value("allow_out_of_order", false);
    options.jobs = header.value("jobs", 1);
    options.canary = header.value("canary", 0);
    if (const int limit = header.value("max_failures", 0); limit > 0) {
        options.max_failures = limit;
    }
    if (const int keep = header.value("keep", 0); keep > 0) {
        each.keep = keep;
    }
    options.journal = journal;
    if (each.db.migrations_dir.empty() || options.jobs < 1 || options.canary < 0) {
        return fail(journal, ErrorCode::invalid_input,
                    "{}: its header lacks the run's options; the journal was edited or damaged",
                    journal.string());
    }
    return options;
}

Result<FleetOptions> options_of(const nlohmann::json& header,
                                const std::filesystem::path& journal) {
    try {
        return read_options(header, journal);
    } catch (const nlohmann::json::exception&) {
        return fail(journal, ErrorCode::invalid_input,
                    "{}: its header holds a value of the wrong type; the journal was edited or "
                    "damaged",
                    journal.string());
    }
}

// Why this journal's run cannot be resumed, or, when it can, the migrations it started with.
Result<std::shared_ptr<const MigrationSet>> refuse_resume(const FleetJournalContents& contents,
                                                          const FleetOptions& options,
                                                          const std::filesystem::path& journal) {
    if (contents.header.value("command", std::string()) != "migrate") {
        return fail(journal, ErrorCode::invalid_input, "{} is not the journal of a fleet migrate",
                    journal.string());
    }
    if (!contents.selection_complete) {
        return fail(journal, ErrorCode::refused,
                    "{} ends before its selection does: the run stopped before it touched any "
                    "database; start it again with {}",
                    journal.string(), run(Command::fleet_migrate, {}));
    }
    if (contents.stopped_kind == "canary" || contents.stopped_kind == "max_failures") {
        return fail(journal, ErrorCode::refused,
                    "the run of {} stopped on purpose ({}); fix the cause, then start a new {}: "
                    "the databases it migrated are up to date and stay as they are",
                    journal.string(), contents.stopped, run(Command::fleet_migrate, {}));
    }
    auto set = load_migration_set(options.each.db);
    if (!set) {
        return fail(journal, ErrorCode::refused,
                    "the migrations the run of {} started with cannot be read any more; a resumed "
                    "run applies what the run started with: put them back in {}",
                    journal.string(), options.each.db.migrations_dir.string());
    }
    if (fleet::migrations_checksum(*set) !=
        contents.header.value("migrations_sha256", std::string())) {
        return fail(journal, ErrorCode::refused,
                    "the migrations in {} changed since the run of {} started (their files, or "
                    "the environment variables ENVSUB puts in them); a resumed run applies what "
                    "the run started with: put them back, or start a new {}",
                    options.each.db.migrations_dir.string(), journal.string(),
                    run(Command::fleet_migrate, {}));
    }
    return std::make_shared<const MigrationSet>(std::move(*set));
}

// The journal's paths as the run used them (relative ones from the directory it started in):
// each database, and the snapshots its lines name.
void resolve_paths(const nlohmann::json& header, FleetJournalContents& contents) {
    const auto resolved = [&](const std::string& path) {
        return path.empty() ? path : as_run_saw_it(header, path).string();
    };
    for (std::size_t i = 0; i < contents.members.size(); ++i) {
        contents.members[i].path = as_run_saw_it(header, contents.members[i].path);
        contents.snapshots[i] = resolved(contents.snapshots[i]);
        if (auto& end = contents.ends[i]) {
            end->database = contents.members[i].path.string();
            end->snapshot = resolved(end->snapshot);
        }
    }
}

// A database an earlier run of the journal started and took its snapshot of: its result counts
// from that snapshot, the state the upgrade started from, not from where this run found it
// (the earlier run may have applied every step before the crash took its end line).
void count_from_first_snapshot(FleetResult& result, const std::string& snapshot,
                               const MigrationSet& set) {
    result.snapshot = snapshot;
    auto taken = read_backup_metadata(snapshot + ".json");
    if (!taken || taken->schema_version == result.version_before) {
        return;  // its sidecar is gone (this run's view stands), or nothing ran before the crash
    }
    result.version_before = taken->schema_version;
    const auto from = Version::parse_dotted(result.version_before);
    const auto to = Version::parse_dotted(result.version_after);
    if (!from || !to) {
        return;
    }
    result.steps = static_cast<int>(std::ranges::count_if(set.migrations, [&](const Migration& m) {
        return *from < m.version && !(*to < m.version);
    }));
    if (result.outcome == FleetOutcome::up_to_date && result.steps > 0) {
        result.outcome = FleetOutcome::migrated;
    }
}

}  // namespace

Result<FleetSummary> resume_fleet(const FleetResumeOptions& resume) {
    const auto started = Clock::now();
    auto contents = read_fleet_journal(resume.journal);
    BELAY_TRY(contents);
    auto options = options_of(contents->header, resume.journal);
    BELAY_TRY(options);
    auto set = refuse_resume(*contents, *options, resume.journal);
    BELAY_TRY(set);
    options->each.migration_set = *set;  // read once, for every database
    options->jobs = resume.jobs.value_or(options->jobs);
    BELAY_TRY(fleet::prepare_jobs(options->jobs));
    options->words = resume.words;
    options->on_progress = resume.on_progress;
    resolve_paths(contents->header, *contents);
    // A database a signal stopped mid-run is left to do, as one the run never reached.
    for (auto& end : contents->ends) {
        if (end && end->outcome == FleetOutcome::interrupted) {
            end.reset();
        }
    }
    FleetSummary summary;
    summary.target = contents->header.value("target", std::string());
    summary.selected = contents->members.size();
    summary.journals.push_back(resume.journal.string());
    auto journal = FleetJournal::reopen(resume.journal);
    BELAY_TRY(journal);
    if (!contents->finished) {
        BELAY_TRY(journal->append({{"resumed", iso8601_utc(std::chrono::system_clock::now())}}));
    }
    fleet::Run run;
    run.members = &contents->members;
    // Every database has its end line when the run finished: nothing runs, nothing is written.
    run.journal = contents->finished ? nullptr : &*journal;
    run.earlier = std::move(contents->ends);
    run.jobs = options->jobs;
    run.canary = options->canary;
    run.max_failures = options->max_failures;
    run.on_progress = options->on_progress;
    run.snapshots = &options->each.db;
    // A database the crash caught mid-run names the snapshot that run took before its first
    // step: the state the upgrade started from (the resumed run's own is in the journal too).
    run.action = [&options, &run, &contents](const FleetMember& member, std::size_t index) {
        const auto& first = contents->snapshots[index];
        if (first.empty()) {
            return fleet::migrate_one(*options, member, index, run.journal);
        }
        // --keep would count the first snapshot among the old ones, and may remove it: this
        // database is not pruned in the resumed run (the next run with --keep prunes it).
        auto unpruned = *options;
        unpruned.each.keep.reset();
        auto result = fleet::migrate_one(unpruned, member, index, run.journal);
        count_from_first_snapshot(result, first, *options->each.migration_set);
        return result;
    };
    fleet::run_members(run, summary);
    summary.duration_ms = milliseconds_since(started);
    return summary;
}

Result<FleetSummary> read_fleet_journals(const std::vector<std::filesystem::path>& journals,
                                         bool list_all) {
    // Each database's latest word: a journal named later overrides one named earlier (clocks
    // step back; the order given does not).
    std::vector<FleetJournalContents> read;
    for (const auto& path : journals) {
        auto contents = read_fleet_journal(path);
        BELAY_TRY(contents);
        read.push_back(std::move(*contents));
    }
    std::map<std::string, FleetResult> latest;
    FleetSummary summary;
    summary.command = FleetCommand::status;
    summary.list_all = list_all;
    for (auto& contents : read) {
        resolve_paths(contents.header, contents);
        summary.finished = summary.finished && contents.finished;
        for (std::size_t i = 0; i < contents.members.size(); ++i) {
            FleetResult result;
            result.database = contents.members[i].path.string();
            if (contents.ends[i]) {
                result = *contents.ends[i];
            } else if (contents.started[i]) {
                result.outcome = FleetOutcome::interrupted;
                result.snapshot = contents.snapshots[i];
                result.error = "the run ended while this database was being migrated; resume it";
            }
            latest[result.database] = std::move(result);
        }
    }
    for (const auto& path : journals) {
        summary.journals.push_back(path.string());
    }
    summary.selected = latest.size();
    for (const auto& [database, result] : latest) {
        fleet::add_result(summary, result);
    }
    fleet::finish_summary(summary);
    return summary;
}

}  // namespace belay
