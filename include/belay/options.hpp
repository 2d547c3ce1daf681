// The options of belay's calls, as plain structs: a program (or the CLI, from its command line,
// environment and belay.ini) fills them; the calls only read them. Defaults are the CLI's.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "belay/embedded_migration.hpp"
#include "belay/error.hpp"
#include "belay/message.hpp"
#include "belay/migration.hpp"
#include "belay/run_report.hpp"
#include "belay/version.hpp"

namespace belay {

struct MigrationSet;  // belay/migrations.hpp

enum class ValidationLevel {
    normal,  // per-step checks; quick_check after the run; dangling foreign keys warn
    full,    // normal, plus quick_check after every step
    strict,  // full, and new dangling foreign keys fail the step
};

// What every call needs to find the database and its migrations.
struct DatabaseOptions {
    std::filesystem::path database;
    std::filesystem::path migrations_dir = "migrations";
    // Set: these migrations, compiled into the program, instead of migrations_dir's files
    // (layout is then unused). See belay/migrations.hpp.
    std::optional<std::vector<EmbeddedMigration>> embedded_migrations;
    // A name history_table_problem() accepts (Database::open refuses any other).
    std::string history_table = "schema_migrations";
    std::chrono::milliseconds lock_timeout{5000};
    std::filesystem::path backup_dir;  // empty: the directory of the database's file
    std::optional<Layout> layout;      // empty: detected from the directory

    // Where this database's backups go: backup_dir, or else the directory of the database's
    // file, a symlink followed (empty: the current directory).
    std::filesystem::path backup_directory() const;
};

// Why `name` cannot name the history table, in words that follow the name ("x: <why>"), or empty
// when it can. Refused: an empty name, one starting with belay_ or sqlite_ in any ASCII case
// (belay's own tables and SQLite's, compared as SQLite compares names), and one that is not
// valid UTF-8 or holds a control character (C0, DEL or C1): belay names the table in its
// messages, one line of text each, and in JSON reports, which hold UTF-8 only. The bad
// character is shown as an escape (\xNN, or \u00NN for C1).
std::string history_table_problem(std::string_view name);

// Reports bytes copied so far, bytes in all and bytes per page while a backup runs (for a
// progress bar).
using BackupProgress = std::function<void(std::int64_t, std::int64_t, std::int64_t)>;

// The options of every run of steps: migrate, down, redo, reset and refresh.
struct MigrateOptions {
    DatabaseOptions db;
    Operation operation = Operation::migrate;
    // migrate stops after this version; down leaves it applied and reverts everything
    // newer ("0" reverts all). Unused by redo, reset and refresh.
    std::optional<Version> target;
    int steps = 1;  // down without a target: how many of the newest applied migrations to revert
    bool dry_run = false;
    bool allow_out_of_order = false;
    // down, redo, reset and refresh: revert a migration that has no Down section as a no-op, as
    // goose does (its history row goes, what its Up did stays) instead of refusing the run.
    bool allow_missing_down = false;
    std::chrono::milliseconds step_timeout{30000};
    ValidationLevel validation = ValidationLevel::normal;
    bool backup = true;              // false: no snapshot (warned about loudly)
    bool backup_only = false;        // take the snapshot and stop
    std::optional<int> keep;         // prune to this many backups after a successful run
    BackupProgress backup_progress;  // may be empty
    // reset and refresh revert everything: they run only when assume_yes or confirm
    // returns true for the question it is asked (empty: no terminal to ask on, refused).
    bool assume_yes = false;
    std::function<bool(const Message&)> confirm;
    // How a failed step's message is worded where belay writes it into the database (its row
    // in belay_failures, which db status shows later): empty gives Message::text(), the
    // library's words. belay's command line words it with its flags, as it prints messages.
    std::function<std::string(const Message&)> record_words;
    // Receives the warnings of a run as they arise (a run about to go ahead without a snapshot);
    // empty: they go to belay's log, in the library's words.
    std::function<void(const Message&)> on_warning;
    // migrate only: false refuses a database file that does not exist (invalid_input) instead of
    // creating it, also one removed between the check and the open (a fleet's tenant that was
    // deleted is not made again, empty).
    bool create_missing = true;
    // Set: the database must be this file, {device, inode} as stat(2) gives them. A path that
    // names another file when the run opens it (a fleet's tenant swapped for a link after its
    // selection) is refused (invalid_input) before anything is written.
    std::optional<std::pair<std::uint64_t, std::uint64_t>> expected_file;
    // Called with the snapshot's path as soon as it is complete and verified, before the first
    // step commits (a fleet's journal records it then); may be empty. An error it returns ends
    // the run there: nothing is committed, and the run fails with that error.
    std::function<Result<void>(const std::string&)> on_snapshot;
    // Set: the migrations of db, as load_migration_set(db) returned them, used instead of reading
    // them again: a fleet reads them once, and every database gets the set that was linted and
    // rehearsed, even if the files change during the run. Empty: read from db.
    std::shared_ptr<const MigrationSet> migration_set;
};

}  // namespace belay
