// Fleet mode: the same call over many databases (one per tenant, device or workspace), each on
// its own, several at a time. A fleet run is made of the single-database calls of belay/api.hpp
// (run_migrate, run_backup, run_check, build_status), each with its own run lock and snapshot;
// what the fleet adds is the selection, the order (a canary first), the limits and the journal.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "belay/error.hpp"
#include "belay/message.hpp"
#include "belay/options.hpp"

namespace belay {

// A stable share of a selection: the databases whose path hashes (64-bit FNV-1a of the path's
// bytes) to `index` modulo `count`. Shares of one selection never overlap and together hold all
// of it, and a database keeps its share when others are added or removed.
struct Shard {
    std::uint32_t index = 0;  // 0 ... count - 1
    std::uint32_t count = 1;
};

// "I/N" with 0 <= I < N <= 1000000; fails with invalid_input naming the text.
Result<Shard> parse_shard(std::string_view text);
bool in_shard(std::string_view path, const Shard& shard);

// Which databases a fleet command works on.
struct FleetSelection {
    // Paths or glob patterns (`*`, `?`, `[...]`, also in directory parts), expanded as a shell
    // expands them. A pattern that matches nothing is an error; a plain path that does not
    // exist is selected and reported (unreadable), as is a directory a pattern could not enter.
    std::vector<std::string> patterns;
    // Files listing one path per line (`-`: standard input). Blank lines and lines starting with
    // `#` are skipped; paths are taken as written (no patterns), relative to the current
    // directory.
    std::vector<std::filesystem::path> lists;
    std::optional<Shard> shard;
};

// One selected database. The selection holds each file once (two paths to one file, by device
// and inode, count once: the first in path order), sorted by path.
struct FleetMember {
    std::filesystem::path path;
    // Set when the selection could not look at it (does not exist, a directory a pattern could
    // not enter, not a regular file, empty): it is reported unreadable and never opened.
    std::string problem;
    // The file it was when selected (0 with a problem): a path that names another file by the
    // time its turn comes (swapped for a link, say) is reported, not followed.
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
};

struct FleetSelected {
    std::vector<FleetMember> members;
    // Paths left out as other names (a symlink, a hard link) of a file selected under another
    // name: {left out, selected}. A name that is not a symlink is preferred.
    std::vector<std::pair<std::string, std::string>> aliases;
};

// Expands and sorts the selection, then takes the shard. Fails with invalid_input when nothing
// is named or selected, a pattern matches nothing, or a list cannot be read.
Result<FleetSelected> select_fleet(const FleetSelection& selection);

// Why `member`'s path no longer names the file selected (or cannot be looked at), in words
// that follow the path; empty when it still does.
std::string member_changed(const FleetMember& member);

// What happened to one database of a fleet run (or, for fleet status, where it stands).
enum class FleetOutcome {
    migrated,       // migrate: every step up to the target applied
    up_to_date,     // nothing to do (status: nothing pending, nothing wrong)
    would_migrate,  // dry run: every pending step succeeded on a copy
    backed_up,      // backup: a verified backup written
    checked,        // check: no findings
    behind,         // status: migrations pending
    findings,       // check: findings; status: dirty, failed, modified, missing or out of order
    failed,         // a step failed (rolled back; earlier steps stay), or would fail (dry run)
    refused,        // unsafe state belay will not run on (exit 5 of the one-database command)
    busy,           // another run or writer held the database past the lock timeout
    unreadable,     // does not exist, not a database, cannot be opened or read
    backup_failed,  // the snapshot (or backup) could not be made: nothing ran
    interrupted,    // a signal stopped it (its step rolled back)
    not_started,    // the run stopped before this database's turn
};
inline constexpr std::size_t k_fleet_outcome_count = 14;

std::string_view to_string(FleetOutcome outcome);
std::optional<FleetOutcome> fleet_outcome_from_string(std::string_view text);
// migrated, up_to_date, would_migrate, backed_up, checked: nothing left to do there.
bool is_success(FleetOutcome outcome);

// One database's result.
struct FleetResult {
    std::string database;
    FleetOutcome outcome = FleetOutcome::not_started;
    std::string version_before;  // empty when not read
    std::string version_after;
    int steps = 0;          // steps applied (migrate) or pending (status)
    std::string migration;  // the migration that failed, "<version>_<name>"
    std::string error;      // why, in the words of FleetOptions::words
    std::string snapshot;   // the backup taken before its first step (or by fleet backup)
    std::int64_t duration_ms = 0;
};

enum class FleetCommand { migrate, backup, check, status };
std::string_view to_string(FleetCommand command);

// Called after each database is done, from the thread that ran it, one call at a time.
struct FleetProgress {
    std::size_t done = 0;
    std::size_t total = 0;
    std::size_t failures = 0;  // outcomes that are not is_success
    const FleetResult* last = nullptr;
};

struct FleetOptions {
    FleetCommand command = FleetCommand::migrate;
    FleetSelection selection;
    // For each database: these options with db.database set to it (migrate: also dry_run,
    // target, timeouts, validation; backup_dir empty: beside each database).
    MigrateOptions each;
    int jobs = 1;    // databases at a time, 1 ... 256
    int canary = 0;  // migrate: run these first (in selection order); stop if any is not a success
    std::optional<int> max_failures;  // start no more databases once this many are not successes
    // migrate: before any database is touched, apply every migration to an empty scratch
    // database (false: skip it, for migrations that expect tables the databases already have).
    bool rehearse = true;
    // migrate (not dry_run): the journal to write; must not exist. Required for migrate.
    std::filesystem::path journal;
    // check: verify each database's backups too.
    bool check_backups = false;
    // status: keep every database's result in FleetSummary::attention, not only the ones that
    // need attention.
    bool list_all = false;
    // How an error's message is worded in results and the journal (empty: Message::text()).
    std::function<std::string(const Message&)> words;
    std::function<void(const FleetProgress&)> on_progress;
    // Called once the journal is created and durable, before any database is touched.
    std::function<void(const std::filesystem::path&)> on_journal;
};

// fleet resume: the journal of a fleet migrate that a crash, kill -9 or signal ended early.
struct FleetResumeOptions {
    std::filesystem::path journal;
    std::optional<int> jobs;  // empty: as the run was started
    std::function<std::string(const Message&)> words;
    std::function<void(const FleetProgress&)> on_progress;
};

// Counts by outcome, and the results worth reading.
struct FleetSummary {
    FleetCommand command = FleetCommand::migrate;
    bool dry_run = false;
    std::string target;  // migrate: --to, empty for the newest
    std::size_t selected = 0;
    std::array<std::size_t, k_fleet_outcome_count> counts{};
    // Every result that is not a success (with list_all: every result), in selection order.
    std::vector<FleetResult> attention;
    bool list_all = false;
    std::vector<FleetResult> slowest;   // the five slowest databases, slowest first
    std::vector<Message> notes;         // about the whole run (lint warnings, a skipped rehearsal)
    std::string stopped;                // why databases were not started; empty: none was left
    std::string stopped_kind;           // canary, max_failures, interrupted or journal
    std::vector<std::string> journals;  // the journals read or written
    bool finished = true;               // false: a journal's run has databases left to resume
    std::int64_t duration_ms = 0;
    std::size_t count(FleetOutcome outcome) const {
        return counts[static_cast<std::size_t>(outcome)];
    }
};

}  // namespace belay
