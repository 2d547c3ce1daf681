#include "command_help.hpp"

#include <algorithm>

namespace belay::cli {

namespace {

// Every example must run as written in a directory holding `migrations/` (the shipped set) and
// `registry.db` (tests/e2e/help_test.cpp runs them all).
constexpr Example k_status[] = {
    {"belay db status --db registry.db", "every migration, applied or pending"},
    {"belay db status --db registry.db --exit-code", "exit 6 when anything is pending (for CI)"},
    {"belay db status --db registry.db --json", "the same as one JSON document"},
};
constexpr Example k_migrate[] = {
    {"belay db migrate --db registry.db --dry-run", "rehearse every pending step on a copy"},
    {"belay db migrate --db registry.db", "snapshot, then apply every pending migration"},
    {"belay db migrate --db registry.db --to 0005", "stop after version 0005"},
    {"belay db migrate --db registry.db --keep 10", "then keep only the 10 newest backups"},
};
constexpr Example k_down[] = {
    {"belay db down --db registry.db", "revert the newest applied migration"},
    {"belay db down --db registry.db --steps 2 --dry-run", "rehearse reverting the newest two"},
    {"belay db down --db registry.db --to 0003", "revert everything newer than 0003"},
};
constexpr Example k_rollback[] = {
    {"belay db rollback --db registry.db", "the same as belay db down"},
};
constexpr Example k_redo[] = {
    {"belay db redo --db registry.db", "revert the newest migration and apply it again"},
};
constexpr Example k_reset[] = {
    {"belay db reset --db registry.db --yes", "revert every applied migration, newest first"},
};
constexpr Example k_refresh[] = {
    {"belay db refresh --db registry.db --yes", "revert everything, then apply everything"},
};
constexpr Example k_adopt[] = {
    {"belay db adopt --db registry.db", "take over the history of the tool found in it"},
    {"belay db adopt --db registry.db --from goose", "take over goose's goose_db_version"},
};
constexpr Example k_baseline[] = {
    {"belay db baseline 0004 --db registry.db",
     "record 0001 to 0004 as applied without running them"},
};
constexpr Example k_repair[] = {
    {"belay db repair --db registry.db --yes", "clear failed and dirty marks, re-record checksums"},
};
constexpr Example k_force[] = {
    {"belay db force 0006 --db registry.db --yes", "make the history say version 0006"},
};
constexpr Example k_version[] = {
    {"belay db version --db registry.db", "print the current version, nothing else"},
};
constexpr Example k_create[] = {
    {"belay db create add_license", "write migrations/0008_add_license.sql"},
    {"belay db create add_license --timestamp", "a version from the UTC time instead"},
};
constexpr Example k_backup[] = {
    {"belay db backup --db registry.db", "a verified registry-YYYYMMDD-HHMMSS.bak beside it"},
    {"belay db backup --db registry.db --out before-upgrade.bak", "to a file of your choice"},
};
constexpr Example k_backups[] = {
    {"belay db backups --db registry.db", "every backup, newest first, verified"},
};
constexpr Example k_restore[] = {
    {"belay db restore --db registry.db --latest --yes", "put the newest intact backup back"},
};
constexpr Example k_prune[] = {
    {"belay db prune --db registry.db --keep 5 --dry-run", "show what keeping 5 would remove"},
    {"belay db prune --db registry.db --keep-days 30", "remove backups older than 30 days"},
};
constexpr Example k_check[] = {
    {"belay db check --db registry.db", "integrity, validation, history and drift"},
    {"belay db check --db registry.db --backups", "and verify every backup too"},
    {"belay db check --db registry.db --roundtrip", "and prove each Down undoes its Up"},
};
constexpr Example k_dump_schema[] = {
    {"belay db dump-schema --db registry.db --out schema.sql", "the schema and history as SQL"},
    {"belay db dump-schema --db registry.db --check schema.sql",
     "exit 6 when the migrations no longer build schema.sql"},
};
constexpr Example k_exec[] = {
    {"belay db exec --db registry.db --dry-run -- sqlite3 {db} VACUUM",
     "rehearse another tool's command on a copy of the database"},
    {"belay db exec --db registry.db --restore-on-failure --timeout 600 -- sqlite3 {db} VACUUM",
     "snapshot, run it, check; put the snapshot back if anything fails"},
};
constexpr Example k_lint[] = {
    {"belay db lint", "warnings about the files in migrations/"},
    {"belay db lint --migrations migrations --strict", "exit 6 on any warning (for CI)"},
};

constexpr CommandHelp k_commands[] = {
    {"status", "status [options]", "show every migration and whether it is applied",
     "Lists each migration file with its status (applied, pending, failed, dirty, modified, "
     "missing), when it was applied and how long it took. Changes nothing.",
     k_status},
    {"migrate", "migrate [options]", "apply pending migrations (--dry-run rehearses on a copy)",
     "Takes a verified snapshot, then applies each pending migration in its own transaction, "
     "validated and bounded by a timeout. On failure it stops, says what stayed applied and "
     "prints the command that restores the snapshot.",
     k_migrate},
    {"down", "down [options]", "revert the newest applied migration (--steps N, --to VERSION)",
     "Runs Down sections, newest first, each in its own validated transaction, after a "
     "snapshot.",
     k_down},
    {"rollback", "rollback [options]", "the same as db down", "", k_rollback},
    {"redo", "redo [options]", "revert the newest applied migration and apply it again", "",
     k_redo},
    {"reset", "reset [options]", "revert every applied migration (asks first)", "", k_reset},
    {"refresh", "refresh [options]", "reset, then migrate (asks first)", "", k_refresh},
    {"adopt", "adopt [options]",
     "turn goose's, golang-migrate's, dbmate's, sql-migrate's, pop's, diesel's, sqlx's, "
     "Prisma's, Drizzle's or Flyway's history into belay's",
     "Reads another tool's history table and records the same versions in belay's, after a "
     "snapshot; the other table is kept, renamed belay_adopted_<name>.",
     k_adopt},
    {"baseline", "baseline VERSION [options]",
     "record migrations up to VERSION as applied, without running them",
     "For a database that already has the schema those migrations build.", k_baseline},
    {"repair", "repair [options]",
     "clear failed and dirty marks, re-record changed checksums (asks first)", "", k_repair},
    {"force", "force VERSION [options]",
     "make the history say VERSION is the current version (asks first)", "", k_force},
    {"version", "version [options]", "print the current version", "", k_version},
    {"create", "create NAME [options]", "write a new migration file",
     "Writes the next version's file with empty Up and Down sections in the migrations "
     "directory, in its layout.",
     k_create},
    {"backup", "backup [options]", "take a verified snapshot now",
     "Copies the database with SQLite's backup API while it stays online, verifies the copy and "
     "writes a JSON sidecar with its SHA-256.",
     k_backup},
    {"backups", "backups [options]", "list this database's backups, newest first", "", k_backups},
    {"restore", "restore (PATH | --latest) [options]", "put a verified backup back in place",
     "Verifies the backup, takes a safety snapshot of the current database, then copies the "
     "backup into place in one transaction.",
     k_restore},
    {"prune", "prune [options]", "remove old backups of this database", "", k_prune},
    {"check", "check [options]", "integrity, validation, history and drift checks", "", k_check},
    {"dump-schema", "dump-schema [options]",
     "the schema as SQL, with the history (--check FILE against the migrations)", "",
     k_dump_schema},
    {"lint", "lint [options]", "warnings about the migration files (--strict: exit 6 on any)", "",
     k_lint},
    {"exec", "exec [options] -- COMMAND [ARG...]",
     "run another tool's migration command with a snapshot before and checks after",
     "Takes a verified snapshot, runs COMMAND (no shell; every {db} in its arguments becomes the "
     "database's path), then checks integrity, foreign keys, views and triggers, and reports "
     "the schema changes and what the tool's history table recorded. On failure it prints the "
     "restore command, or with --restore-on-failure puts the snapshot back.",
     k_exec},
};

}  // namespace

std::span<const CommandHelp> command_help() {
    return k_commands;
}

const CommandHelp* find_command_help(std::string_view name) {
    const auto found =
        std::ranges::find(k_commands, name, [](const CommandHelp& help) { return help.name; });
    return found == std::end(k_commands) ? nullptr : &*found;
}

}  // namespace belay::cli
