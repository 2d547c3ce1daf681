// What belay does, as calls: every entry point of the library but the Database class
// (belay/database.hpp), which wraps the same calls for one database.
//
// The other headers of belay/ are the vocabulary these calls speak (options, reports, errors,
// migrations): plain types and the few pure functions on them. This header and database.hpp
// are implemented in the library's api layer, which hands each call to the engine
// (ARCHITECTURE.md). Every call that can fail returns Result<T>; the contracts below say which
// ErrorCode each failure has. Besides those, every call that works on a database (all but
// load_migration_set, run_lint and create_migration) fails with invalid_input, before anything
// is opened or created, naming the option (Error::option()): for a lock_timeout below 0 or over
// 1e9 s; when the database path (as given, or the full path a backup's sidecar records) or
// backup_dir is not valid UTF-8 (sidecars and reports hold paths as JSON text, belay/utf8.hpp);
// for a history_table that history_table_problem() refuses (belay/options.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "belay/backup.hpp"
#include "belay/check.hpp"
#include "belay/create.hpp"
#include "belay/dump_schema.hpp"
#include "belay/embedded_migration.hpp"
#include "belay/error.hpp"
#include "belay/exec.hpp"
#include "belay/fleet.hpp"
#include "belay/history_edit.hpp"
#include "belay/lint.hpp"
#include "belay/migrate.hpp"
#include "belay/migration.hpp"
#include "belay/migrations.hpp"
#include "belay/options.hpp"
#include "belay/restore.hpp"
#include "belay/run_report.hpp"
#include "belay/status.hpp"

namespace belay {

// This library's version, e.g. "0.1.0" (the CLI's `belay --version`).
std::string_view library_version() noexcept;

// The SQLite library belay runs on: its version, e.g. "3.52.0" (sqlite3_libversion()); its
// source id, the date and hash of its check-in (sqlite3_sourceid()); and whether it is the
// SQLite built into belay (true, the default build) or the system's library (false, a build
// configured with -DBELAY_SQLITE=system). A program that makes SQLite calls of its own should
// link the same library, the CMake package's belay::sqlite3 (docs/embedding.md).
std::string_view sqlite_library_version() noexcept;
std::string_view sqlite_source_id() noexcept;
bool sqlite_is_bundled() noexcept;

// ---- migrations: the types are in belay/migrations.hpp

// Reads and parses every migration file in `directory`, then checks each transactional
// section (Up, Down, Verify) for statements that cannot work inside a transaction. Fails with
// invalid_input listing every problem with its file and line (also a migration file whose name
// is not valid UTF-8: its name could not be reported). A Flyway directory's repeatable
// migrations (R__) come in MigrationSet::repeatables, checked the same way (they always run in
// a transaction). Touches no database.
Result<MigrationSet> load_migration_set(const std::filesystem::path& directory,
                                        std::optional<Layout> layout = std::nullopt);

// The same for migrations compiled into the program, sorted by version. Each becomes a
// Migration whose path reads "(embedded) <version>_<name>" (so messages name it), whose
// sections start at line 1 of their own string and whose checksum is the SHA-256 of its Up,
// Down and Verify SQL and flags: changing an applied one's SQL makes it "modified", as editing
// a file does. Fails with invalid_input, listing every problem with the migration it concerns,
// for a version that is not digits, a missing or unusable name, two migrations with the same
// version, or a statement that cannot run inside a transaction.
Result<MigrationSet> load_migration_set(const std::vector<EmbeddedMigration>& migrations);

// The migrations `options` names: its embedded_migrations when set, else the files of
// migrations_dir in its layout.
Result<MigrationSet> load_migration_set(const DatabaseOptions& options);

// ---- status: the types are in belay/status.hpp

// Loads the files, reads the database read-only (creating nothing) and builds the plan.
// Fails like load_migration_set for bad files, and with refused for another tool's history
// table. A missing database is not an error: everything is pending.
Result<std::unique_ptr<StatusReport>> build_status(const DatabaseOptions& options);

// The newest applied version as written in its file name, "0" when none (also for a database
// that does not exist). Needs no migration files: it reads the history alone, read-only. Fails
// with invalid_input for a file that is not a readable SQLite database, refused for another
// tool's history table under history_table's name, busy when the database stays locked.
Result<std::string> read_current_version(const DatabaseOptions& options);

// ---- migrate: the types are in belay/migrate.hpp

// Loads and checks the migration files, opens the database (migrate creates it for a real
// run; the others need it to exist), takes the run lock, plans the steps of
// options.operation, refuses an unsafe plan, asks for confirmation where the operation reverts
// everything, snapshots, and runs each step (in its own transaction, validated, bounded by its
// timeout), then runs quick_check. A migrate run that leaves no versioned migration pending
// ends with a step for each repeatable migration that is new or changed (RunReport's steps mark
// them StepReport::repeatable). With dry_run, the same steps run on a temporary copy made with
// the backup API; the database itself is opened read-only and left as it was.
//
// Errors that stop the run before any step (invalid files, unsafe state, busy lock, not a
// database, no confirmation) come back as the unexpected value; once steps have started the
// report is returned with report.error set, so the caller can show what was done before the
// failure.
Result<RunReport> run_migrate(const MigrateOptions& options);

// The steps run_migrate(options) would take now, decided exactly as it decides them, without
// running, copying or writing anything (the database is opened read-only, and a missing one
// counts as empty). Fails as run_migrate does before its first step: invalid_input for bad
// migrations or an unknown target, refused for an unsafe state (dirty, modified, missing, out
// of order, another tool's history), busy when the database stays locked.
Result<RunPlan> plan_run(const MigrateOptions& options);

// ---- lint: the types are in belay/lint.hpp

// Reads the files (without refusing statements that cannot run in a transaction: those become
// warnings), applies the per-file and version rules (LintWarning::rule lists them), then applies
// the migrations in order to a scratch database to find Up sections that lose a column of a
// table that stays (a table rebuild that leaves one out). Touches no database of the user's.
// Fails with invalid_input only when the files cannot be read or parsed.
Result<LintReport> run_lint(const MigrateOptions& options);

// ---- backup: the types are in belay/backup.hpp

// Takes an on-demand online snapshot of an existing database, in one read transaction (WAL
// writers go on meanwhile), verified (quick_check, page count, schema fingerprint) before it
// gets its final name beside a sidecar. Never leaves a partial file. Fails with invalid_input
// when the database does not exist or is not SQLite, busy when it stays locked past
// db.lock_timeout, snapshot_failed (no room, cannot write, verification failed) or interrupted;
// with invalid_input, before anything is opened, for an `out` that is not valid UTF-8.
Result<Snapshot> run_backup(const BackupOptions& options);

// This database's backups in its backup directory, newest first (by the sidecars' sequence;
// sidecars from before it, after those, by created_at): every `*.bak` whose sidecar names this
// database (by canonical path) as its source. Sidecars that cannot be parsed, and any backup or
// sidecar name held by something other than a regular file (a FIFO, a directory, a symlink),
// are skipped with a warning that names them; they are never opened for reading. With `verify`,
// each one is checked (SHA-256 and integrity) and the result is in its `problems`. A backup
// directory that does not exist holds no backups. Fails with invalid_input only when the directory
// cannot be listed; changes nothing.
Result<std::vector<BackupEntry>> list_backups(const DatabaseOptions& options, bool verify);

// Verifies `entries` (newest first, as list_backups returns them) in order until one is intact,
// filling each checked entry's problems. Returns that entry's index, std::nullopt when none is.
std::optional<std::size_t> find_newest_intact(std::vector<BackupEntry>& entries);

// Removes this database's backups (with their sidecars) beyond the newest `keep` and older
// than `keep_days`: a backup survives when either rule keeps it. Never removes the newest
// backup that verifies intact. Files of other databases are never touched. Also removes the
// temporaries and orphaned sidecars a killed belay left behind (not with dry_run). Fails with
// invalid_input for keep < 1 or keep_days < 0, a backup directory that cannot be listed, or a
// backup that cannot be removed (those removed before it stay removed; the message names the
// one that could not be).
Result<PruneReport> run_prune(const PruneOptions& options,
                              std::chrono::system_clock::time_point now);

// ---- restore: the types are in belay/restore.hpp

// Restores a backup into `options.db.database`, which holds a complete database at every
// instant (kill -9 and a full disk included): the old one or the restored one, never none and
// never a part. A symlink is followed: its target gets the backup, and the run lock is the
// target's. A path that is a directory, FIFO, socket or device is refused (invalid_input) before
// anything is opened.
//
// Verifies the backup first (a corrupt or tampered one, or one without its sidecar or whose
// sidecar cannot be read or is not valid JSON, is refused with ErrorCode::refused, nothing
// touched); asks for confirmation (refused without a confirm
// function unless assume_yes; another database's backup with assume_yes only when
// from_other_database); takes the run lock and removes what a killed restore left beside the
// database; then:
// - a readable database: a safety snapshot (none for a 0-byte file), then the backup copied in
//   with the backup API in one transaction, keeping its journal mode (a WAL database whose page
//   size differs gets the backup copied with its page size first), owner and mode bits;
// - an unreadable one: the backup written completely under a temporary name, the old file kept
//   as `<stem>-corrupt-YYYYMMDD-HHMMSS.db` (a hard link) with its -wal/-shm/-journal, then the
//   copy renamed over the path;
// - none: the same without an old file (stray -wal/-shm/-journal files are moved aside).
// Fails with invalid_input when no backup is given, or both a backup and `latest` are, the
// backup's path (as given, or its full path) is not valid UTF-8, the file does not exist or
// `latest` finds no intact one; snapshot_failed when the safety snapshot cannot be taken (nothing
// replaced); busy when another process keeps the database locked past the lock timeout;
// interrupted; step_failed when the copy fails (the path holds the database as it was; the message
// names every file involved).
Result<RestoreReport> run_restore(const RestoreOptions& options);

// ---- check: the types are in belay/check.hpp

// Opens the database read-only and runs PRAGMA integrity_check and foreign_key_check, the
// per-step validation's checks (views that do not prepare, triggers that do not compile,
// foreign keys to missing tables), history against the files (modified, missing, failed,
// dirty, out of order) and drift: the schema against the one recorded after the last
// migration, listing the objects added, removed or changed outside migrations. Works on any
// SQLite database: another tool's history tables are listed in other_histories, and when the
// history table's name is one of them (or there are no migration files and no belay history)
// the history and drift checks are skipped and history_skipped says why. Fails (rather
// than reporting findings) only when the database or the files cannot be read at all. With
// roundtrip, each migration's round trip adds its problems as "roundtrip" findings; a database
// that does not exist then means the round trip alone is checked.
Result<CheckReport> run_check(const CheckOptions& options);

// ---- history edit: the types are in belay/history_edit.hpp

// Loads the files, opens the existing database, takes the run lock, plans the edit (see
// the HistoryEdit values above) and, when there is anything to change, asks for confirmation
// (repair, force), takes a snapshot under the write lock (reason "before <edit>") and makes every
// change in one transaction, recording the current schema as the reference for drift.
// Nothing to change: no snapshot, no write. Fails with invalid_input for a missing database,
// bad files or an unknown version; refused for a refused plan or a missing confirmation; busy
// and snapshot_failed as a migrate run does. Nothing is changed on any failure.
Result<HistoryEditReport> run_history_edit(const HistoryEditOptions& options);

// ---- dump schema: the types are in belay/dump_schema.hpp

// Without `check`: opens the database read-only and dumps its schema: a header comment, then in
// one transaction every table, index, view and trigger (in that order, each by name, as SQLite
// stores its SQL), then belay's history table and belay_schema with their rows, in version
// order, so a database loaded from the file (`sqlite3 new.db < schema.sql`) is at the same
// version and has no drift. Byte-identical for the same database. With `out`, written durably.
//
// With `check`: builds a scratch database from the migration files (every Up, in order) and
// compares its dump's schema part and versions with the file's; `differences` lists what is
// missing from the file or extra in it. Fails with invalid_input for a missing database or
// file, or migrations that do not apply on a scratch database.
Result<DumpSchemaReport> run_dump_schema(const DumpSchemaOptions& options);

// ---- exec: the types are in belay/exec.hpp

// Runs another tool's migration command inside belay's safety, without changing the tool.
// Before it: the run lock, a verified snapshot (reason "before exec") taken under the
// database's write lock, and in the same transaction the facts to compare with later (schema,
// foreign-key violations, views and triggers that do not compile, what each migration tool's
// history table records). Then the command runs directly (no shell), in a process group of its
// own, with every "{db}" in its arguments and environment values replaced by the database's
// path and BELAY_DB and BELAY_SNAPSHOT set; belay waits for it, ending the whole group at the
// timeout or when cancellation is requested (forwarding the signal). After it: integrity_check,
// the facts again, and what changed. The report's error is set (step_failed) when the command
// did not exit with 0 or a check failed; with restore_on_failure the snapshot is then put back
// (run_restore's way, keeping the failed state in a safety snapshot), refused (refused) when
// another process had the database open or the command's own processes still run; interrupted
// when cancellation stopped the command. With dry_run the command works on a scratch copy and
// the database is only read.
//
// Fails before the command runs, with nothing changed: invalid_input for bad options, a
// program that cannot be found, a path that is not a database; busy for the run lock or the
// write lock; snapshot_failed; refused with restore_on_failure when another process has the
// database open; interrupted. The snapshot, when one was taken, stays.
Result<ExecReport> run_exec(const ExecOptions& options);

// ---- create: the types are in belay/create.hpp

// Writes the migration in the directory's layout (creating the directory if needed) and returns
// the files it wrote: one file for sql-migrate, goose and dbmate (with that tool's Up and Down
// markers), an .up.sql and a .down.sql for golang-migrate and pop, a folder's up.sql and
// down.sql for diesel (whose versions are always timestamps); for Drizzle, <idx>_<name>.sql,
// drizzle-kit's snapshot for it when the folder has snapshots, and meta/_journal.json with its
// entry appended (replaced atomically, last). Never overwrites a migration: fails with
// invalid_input if the name normalises to nothing, or a file with that version or path exists.
// The version is sequential after the newest existing migration (same width; 4 digits when
// there is none) or, with `timestamp`, the UTC time `now`.
Result<std::vector<std::filesystem::path>> create_migration(
    const CreateOptions& options, std::chrono::system_clock::time_point now);

// ---- fleet: the types are in belay/fleet.hpp

// Runs options.command over the selection, options.jobs databases at a time, each with the
// one-database call (run_migrate, run_backup, run_check, or status as build_status reads it).
// One database's outcome never touches another's: every problem there is its FleetResult, and
// the call fails only before any database is touched: invalid_input for bad options, a
// selection that cannot be expanded, invalid migration files or a journal that exists already;
// step_failed when the rehearsal on a scratch database fails (migrate, unless rehearse is
// false). A migrate (not a dry run) writes options.journal as it goes (core/fleet_journal.hpp);
// its canary runs first and must all succeed; after max_failures databases that did not
// succeed, or a signal, no more databases are started, and those already started finish or
// roll back (their result says which).
Result<FleetSummary> run_fleet(const FleetOptions& options);

// Finishes the run a fleet migrate's journal records: every database without an end line runs
// again (one that was mid-run goes on from where its steps stopped); those with one are not
// opened. Refuses (refused) a run that stopped on purpose (canary, max_failures) and one whose
// migration files changed since it started; busy when another process holds the journal.
Result<FleetSummary> resume_fleet(const FleetResumeOptions& options);

// One view of the runs several journals record (a fleet spread over hosts by shard): each
// database's latest outcome, a database a run was in when it ended as interrupted, one it never
// reached as not_started. Opens no database. With list_all, every database's result is in the
// summary's attention list (FleetOptions::list_all).
Result<FleetSummary> read_fleet_journals(const std::vector<std::filesystem::path>& journals,
                                         bool list_all);

}  // namespace belay
