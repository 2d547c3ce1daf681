#include "api/fleet_actions.hpp"

#include <sys/stat.h>
#include "core/elapsed.hpp"

#include <chrono>
#include <string>

#include "belay/api.hpp"
#include "core/checksum.hpp"
#include "core/plan.hpp"
#include "engine/database_state.hpp"
#include "engine/migration_set.hpp"

namespace belay::fleet {

namespace {

using Clock = std::chrono::steady_clock;

std::string worded(const FleetOptions& options, const Message& message) {
    return options.words ? options.words(message) : message.text();
}

FleetOutcome outcome_for(ErrorCode code) {
    switch (code) {
        case ErrorCode::invalid_input:
            return FleetOutcome::unreadable;
        case ErrorCode::snapshot_failed:
            return FleetOutcome::backup_failed;
        case ErrorCode::busy:
            return FleetOutcome::busy;
        case ErrorCode::refused:
            return FleetOutcome::refused;
        case ErrorCode::interrupted:
            return FleetOutcome::interrupted;
        case ErrorCode::step_failed:
        case ErrorCode::findings:
            return FleetOutcome::failed;
    }
    return FleetOutcome::failed;
}

// A result for `member`; false when the selection already found it unusable (then `result` says
// so and nothing may open it).
bool start_result(const FleetMember& member, FleetResult& result) {
    result.database = member.path.string();
    const auto why = member_changed(member);
    if (why.empty()) {
        return true;
    }
    result.outcome = FleetOutcome::unreadable;
    result.error = fmt::format("{} {}", result.database, why);
    return false;
}

void take_error(const FleetOptions& options, const Error& error, FleetResult& result) {
    result.outcome = outcome_for(error.code);
    result.error = worded(options, error.what());
    result.migration = error.subject.migration;
}

void take_report(const FleetOptions& options, const RunReport& report, FleetResult& result) {
    result.version_before = report.version_before;
    // A dry run changed nothing: its copy's version is not the database's.
    result.version_after = report.dry_run ? std::string() : report.version_after.value_or("");
    result.snapshot = report.snapshot.value_or(result.snapshot);
    for (const auto& step : report.steps) {
        if (step.result == StepResult::applied || step.result == StepResult::would_apply) {
            ++result.steps;
        }
    }
    if (report.error) {
        take_error(options, *report.error, result);
        return;
    }
    result.outcome = result.steps == 0 ? FleetOutcome::up_to_date
                     : report.dry_run  ? FleetOutcome::would_migrate
                                       : FleetOutcome::migrated;
}

// A plan's first problem, as "dirty 0003_add_index" (and how many more there are).
std::string first_problem(const Plan& plan) {
    std::size_t count = 0;
    std::string first;
    for (const auto& entry : plan.entries) {
        const bool problem = entry.status == MigrationStatus::dirty ||
                             entry.status == MigrationStatus::modified ||
                             entry.status == MigrationStatus::missing ||
                             entry.status == MigrationStatus::failed || entry.out_of_order;
        if (problem && count++ == 0) {
            first = fmt::format("{} {}_{}",
                                entry.out_of_order ? "out of order" : to_string(entry.status),
                                entry.version.text(), entry.name);
        }
    }
    return count > 1 ? fmt::format("{} (and {} more)", first, count - 1) : first;
}

// A result for `member`: unreadable when its path no longer names the file selected, else what
// `body` makes of it; timed either way.
template <typename Body>
FleetResult timed(const FleetMember& member, Body&& body) {
    const auto started = Clock::now();
    FleetResult result;
    if (start_result(member, result)) {
        body(result);
    }
    result.duration_ms = milliseconds_since(started);
    return result;
}

// A database migrated, then moved or replaced before its run ended: its steps committed into
// the file the run opened, which its path no longer names, so the file there now was not.
void check_still_there(const FleetMember& member, FleetResult& result) {
    if (member.inode == 0 || result.outcome != FleetOutcome::migrated) {
        return;
    }
    struct stat now {};
    if (::stat(member.path.c_str(), &now) == 0 &&
        static_cast<std::uint64_t>(now.st_dev) == member.device &&
        static_cast<std::uint64_t>(now.st_ino) == member.inode) {
        return;
    }
    result.outcome = FleetOutcome::failed;
    result.error = fmt::format(
        "{} names another file now, or none: the file this run migrated was moved or replaced "
        "while it ran, and the file at that path was not migrated; find what moved it, then run "
        "again",
        result.database);
}

}  // namespace

std::string migrations_checksum(const MigrationSet& set) {
    // The files' checksums, and the SQL that runs: goose's ENVSUB substitutes environment
    // variables when a file is read, which its checksum (of the file as written) does not see.
    const auto sql = [](const SqlSection& section) {
        return section.present ? sha256_hex(section.sql) : std::string("-");
    };
    std::string text;
    for (const auto& migration : set.migrations) {
        text += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\n", migration.version.text(), migration.name,
                            migration.checksum, sql(migration.up), sql(migration.down),
                            sql(migration.verify));
    }
    for (const auto& repeatable : set.repeatables) {
        text += fmt::format("R\t{}\t{}\t{}\n", repeatable.name, repeatable.checksum,
                            sql(repeatable.up));
    }
    return sha256_hex(text);
}

FleetResult migrate_one(const FleetOptions& options, const FleetMember& member, std::size_t index,
                        FleetJournal* journal) {
    return timed(member, [&](FleetResult& result) {
        MigrateOptions each = options.each;
        each.db.database = member.path;
        each.create_missing = false;
        if (member.inode != 0) {
            each.expected_file = std::pair{member.device, member.inode};
        }
        each.assume_yes = false;
        each.confirm = {};
        each.backup_progress = {};
        each.on_warning = [](const Message&) {};  // the fleet warns once, before it starts
        each.on_snapshot = [&result, journal, index](const std::string& path) -> Result<void> {
            result.snapshot = path;
            // A snapshot the journal does not name would be lost to a resume: without its line
            // the database's run goes no further (its first step rolls back).
            return journal != nullptr ? journal->append({{"snapshot", index}, {"path", path}})
                                      : Result<void>();
        };
        auto report = run_migrate(each);
        if (report) {
            take_report(options, *report, result);
            check_still_there(member, result);
            return;
        }
        take_error(options, report.error(), result);
        if (result.outcome == FleetOutcome::refused) {
            // Refused before its first step (a dirty mark, say): the version it stands at.
            if (auto version = engine::read_any_version(each.db); version && *version) {
                result.version_before = **version;
                result.version_after = **version;
            }
        }
    });
}

FleetResult backup_one(const FleetOptions& options, const FleetMember& member) {
    return timed(member, [&](FleetResult& result) {
        BackupOptions backup;
        backup.db = options.each.db;
        backup.db.database = member.path;
        auto snapshot = run_backup(backup);
        if (!snapshot) {
            take_error(options, snapshot.error(), result);
            // A backup that could not be made is the backup's failure, whatever its code.
            if (result.outcome == FleetOutcome::failed) {
                result.outcome = FleetOutcome::backup_failed;
            }
            return;
        }
        result.outcome = FleetOutcome::backed_up;
        result.snapshot = snapshot->path.string();
        result.version_before = snapshot->metadata.schema_version;
    });
}

FleetResult check_one(const FleetOptions& options, const FleetMember& member) {
    return timed(member, [&](FleetResult& result) {
        CheckOptions check;
        check.db = options.each.db;
        check.db.database = member.path;
        check.backups = options.check_backups;
        auto report = run_check(check);
        if (!report) {
            take_error(options, report.error(), result);
            return;
        }
        const auto& findings = report->findings;
        result.version_before = report->version;
        result.outcome = findings.empty() ? FleetOutcome::checked : FleetOutcome::findings;
        result.steps = static_cast<int>(findings.size());
        if (!findings.empty()) {
            result.error = fmt::format(
                "{}: {}{}", findings.front().area, findings.front().message,
                findings.size() > 1 ? fmt::format(" (and {} more findings)", findings.size() - 1)
                                    : std::string());
        }
    });
}

FleetResult status_one(const FleetOptions& options, const MigrationSet& set,
                       const FleetMember& member) {
    return timed(member, [&](FleetResult& result) {
        DatabaseOptions db = options.each.db;
        db.database = member.path;
        auto state = engine::read_checked_state(db, set.migrations);
        if (!state) {
            take_error(options, state.error(), result);
            return;
        }
        if (!state->exists) {
            result.outcome = FleetOutcome::unreadable;
            result.error = fmt::format("{} does not exist", result.database);
            return;
        }
        const auto plan = build_plan(set.migrations, state->history);
        result.version_before = plan.current_version;
        result.steps = static_cast<int>(plan.pending().size());
        for (const auto& entry : plan_repeatables(set.repeatables, state->history)) {
            result.steps += entry.status == RepeatableStatus::applied ? 0 : 1;
        }
        result.error = first_problem(plan);
        result.outcome = !result.error.empty() ? FleetOutcome::findings
                         : result.steps > 0    ? FleetOutcome::behind
                                               : FleetOutcome::up_to_date;
    });
}

}  // namespace belay::fleet
