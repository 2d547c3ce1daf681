// Changes to the history alone, with no migration run: `db baseline`, `db repair`, `db force`.
//
// Each is planned as a list of HistoryChange values from the files and the history, before the
// database is written, so that the operator sees every change (and confirms it) first.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "belay/history.hpp"
#include "belay/history_edit.hpp"
#include "belay/migration.hpp"
#include "core/error.hpp"
#include "core/plan.hpp"

namespace belay {

struct HistoryChange {
    enum class Kind {
        add_row,            // record `migration` as applied without running it
        remove_row,         // delete the history row of `version` (its schema stays as it is)
        update_checksum,    // re-record the checksum of `version` as `checksum`
        clear_marks,        // remove the dirty mark and failed attempt of `version`
        mark_dirty,         // record `version` as a NoTransaction step that did not finish
        keep_table,         // rename another tool's table `name` to belay_adopted_<name>
        record_repeatable,  // record the repeatable migration `name` as applied with `checksum`
    };
    Kind kind = Kind::add_row;
    std::string version{};  // as written (the file's spelling, or the history's for removals)
    std::string name{};
    const Migration* migration = nullptr;  // for add_row
    std::string checksum{};     // for add_row, update_checksum and record_repeatable: belay's
    std::string description{};  // one line for the operator
    std::string applied_at{};   // for add_row and record_repeatable: when, if known (else now)
};

// What another tool's history table says (read by sqlite::read_foreign_history).
struct ForeignHistory {
    std::string tool;   // "goose", "golang-migrate", "dbmate", "sql-migrate", "pop", "diesel",
                        // "sqlx", "Prisma", "Drizzle", "Flyway"
    std::string table;  // its table, e.g. goose_db_version
    struct Row {
        // digits, as the tool stored them (Flyway: dotted); Drizzle: its created_at
        std::string version;
        std::string applied_at;  // UTC ISO-8601 when the tool recorded it, else empty
        // Prisma: the folder name it recorded, which the migration's folder must have too.
        std::string name{};
        // sqlx, Prisma, Flyway: the checksum it recorded of the file (sqlx and Prisma in
        // lowercase hex, Flyway its CRC-32 as a signed decimal), which the file must still have
        // (tool_checksum_matches).
        std::string checksum{};
        std::string hash{};  // Drizzle: the SHA-256 of the file it recorded
    };
    std::vector<Row> applied;  // all but golang-migrate: each applied version, ascending
    // golang-migrate: every migration up to this version is applied, this one too unless dirty
    std::optional<std::string> up_to;
    bool dirty = false;  // golang-migrate's dirty flag: `up_to` may be partly applied
    // Flyway: its baseline; every migration up to this version counts as applied (no file
    // need have the version itself).
    std::optional<std::string> baseline{};
    // sqlx (success = false), Prisma (neither finished_at nor rolled_back_at), Flyway (its
    // latest row for the version has success = 0): attempts that may have left part of a
    // migration applied; each becomes a dirty mark.
    std::vector<Row> failed{};
    // What the table holds that belay's history does not take over, one sentence each.
    std::vector<std::string> notes{};
    // Flyway: the latest row of each repeatable migration (no version), by description.
    struct RepeatableRow {
        std::string rank;         // installed_rank, for messages
        std::string description;  // as Flyway records it: the file's, '_' read as a space
        std::string script;       // the file as Flyway names it
        std::string checksum;     // Flyway's CRC-32 of the file, as a signed decimal
        std::string applied_at;   // UTC ISO-8601 when recorded, else empty
        bool succeeded = false;   // false: the attempt failed (success = 0)
        bool deleted = false;     // a DELETE row (flyway repair): no longer counts as applied
    };
    std::vector<RepeatableRow> repeatables{};
};

// The changes that turn `foreign` into belay's history: a row for each applied version (with
// the tool's time where it kept one; with Flyway's baseline, each file up to it) and a dirty
// mark for golang-migrate's dirty version and for each failed attempt sqlx, Prisma or Flyway
// recorded. The first change keeps the tool's table under the name belay_adopted_<table>.
// Refuses (refused) when belay's history already has rows, or when a file's checksum is not
// the one sqlx, Prisma or Flyway recorded (naming each such file: it changed since the tool
// applied it); invalid_input when a version has no migration file (listing them all).
//
// Flyway's repeatable migrations: each file whose description's latest row succeeded with the
// file's CRC-32 is recorded as applied then (belay_repeatable, with belay's checksum); any other
// is not recorded, so that the next migrate applies it again as Flyway would, and `notes` says
// which and why (changed since, failed, or never applied), as it names rows no file has.
Result<std::vector<HistoryChange>> plan_adopt(std::span<const Migration> migrations,
                                              std::span<const RepeatableMigration> repeatables,
                                              const History& history, const ForeignHistory& foreign,
                                              std::vector<Message>& notes);

// Every migration up to `target` recorded as applied. Refuses (refused) a database that already
// has history rows or marks; invalid_input when no file has version `target`.
Result<std::vector<HistoryChange>> plan_baseline(std::span<const Migration> migrations,
                                                 const History& history, const Version& target);

// Clears every dirty mark and failed attempt and re-records the checksum of every modified
// file. Missing files are not changed (see force); they are listed in `notes`.
std::vector<HistoryChange> plan_repair(const Plan& plan, std::vector<Message>& notes);

// Adds a row for every file up to `target` that is not applied, removes every row newer than
// `target`, and clears every dirty mark. `target` "0" removes every row; any other target must
// be a file's version or an applied one (else invalid_input).
Result<std::vector<HistoryChange>> plan_force(const Plan& plan, const Version& target);

}  // namespace belay
