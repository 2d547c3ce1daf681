#include "core/history_edit.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/drizzle_history.hpp"
#include "core/migration_files.hpp"
#include "core/migration_flyway.hpp"
#include "core/tool_checksums.hpp"

namespace belay {

std::string_view to_string(HistoryEdit edit) {
    switch (edit) {
        case HistoryEdit::adopt:
            return "adopt";
        case HistoryEdit::baseline:
            return "baseline";
        case HistoryEdit::repair:
            return "repair";
        case HistoryEdit::force:
            return "force";
    }
    return "unknown";
}

namespace {

HistoryChange add_row(const Migration& migration) {
    return HistoryChange{.kind = HistoryChange::Kind::add_row,
                         .version = migration.version.text(),
                         .name = migration.name,
                         .migration = &migration,
                         .checksum = migration.checksum,
                         .description = fmt::format("record {}_{} as applied (it is not run)",
                                                    migration.version.text(), migration.name)};
}

HistoryChange clear_marks(const PlanEntry& entry, std::string_view what) {
    return HistoryChange{.kind = HistoryChange::Kind::clear_marks,
                         .version = entry.version.text(),
                         .name = entry.name,
                         .description = fmt::format("clear the {} of {}_{}", what,
                                                    entry.version.text(), entry.name)};
}

}  // namespace

Result<std::vector<HistoryChange>> plan_baseline(std::span<const Migration> migrations,
                                                 const History& history, const Version& target) {
    if (!history.applied.empty() || !history.dirty.empty() || !history.failures.empty()) {
        return fail(ErrorCode::refused,
                    "{} is for a database belay has never migrated, and this one has history "
                    "({} applied migration(s), {} dirty mark(s), {} failed attempt(s)); nothing "
                    "was changed. Use {} to see it, or {} to rewrite it",
                    named(Command::baseline), history.applied.size(), history.dirty.size(),
                    history.failures.size(), run(Command::status),
                    run(Command::force, {placeholder("VERSION")}));
    }
    if (std::ranges::none_of(migrations, [&](const Migration& m) { return m.version == target; })) {
        return fail(ErrorCode::invalid_input,
                    "{} {}: no migration file has that version; run {} to see the versions",
                    named(Command::baseline), target.text(), run(Command::status));
    }
    std::vector<HistoryChange> changes;
    for (const auto& migration : migrations) {
        if (target < migration.version) {
            break;
        }
        changes.push_back(add_row(migration));
    }
    return changes;
}

std::vector<HistoryChange> plan_repair(const Plan& plan, std::vector<Message>& notes) {
    std::vector<HistoryChange> changes;
    for (const auto& entry : plan.entries) {
        // One entry may need several changes (a dirty step whose file was then edited).
        if (entry.status == MigrationStatus::dirty || entry.last_failure) {
            const bool dirty = entry.status == MigrationStatus::dirty;
            const bool failed = entry.last_failure.has_value();
            changes.push_back(clear_marks(entry, dirty && failed
                                                     ? "dirty mark and the failed attempt"
                                                 : dirty ? "dirty mark"
                                                         : "failed attempt"));
        }
        if (entry.applied && entry.migration &&
            entry.applied->checksum != entry.migration->checksum) {
            changes.push_back(HistoryChange{
                .kind = HistoryChange::Kind::update_checksum,
                .version = entry.applied->version,
                .name = entry.name,
                .checksum = entry.migration->checksum,
                .description =
                    fmt::format("re-record the checksum of {}_{}: {} -> {}", entry.applied->version,
                                entry.name, entry.applied->checksum.substr(0, 12),
                                entry.migration->checksum.substr(0, 12))});
        }
        if (entry.applied && !entry.migration && from_program(plan)) {
            notes.push_back(said(
                "{}_{} is applied but no longer among the program's embedded migrations; put it "
                "back in the list, or remove its row with {}",
                entry.applied->version, entry.name, run(Command::force)));
        } else if (entry.applied && !entry.migration) {
            notes.push_back(said(
                "{}_{} is applied but its file is gone; restore the file, or remove its row with "
                "{}",
                entry.applied->version, entry.name, run(Command::force)));
        }
    }
    return changes;
}

Result<std::vector<HistoryChange>> plan_force(const Plan& plan, const Version& target) {
    const bool known =
        target.numeric() == "0" || std::ranges::any_of(plan.entries, [&](const PlanEntry& e) {
            return e.version == target && (e.migration || e.applied);
        });
    if (!known) {
        return fail(ErrorCode::invalid_input,
                    "{} {}: no migration file or history row has that version; give one of "
                    "them, or 0 for no migration applied",
                    named(Command::force), target.text());
    }
    std::vector<HistoryChange> changes;
    for (const auto& entry : plan.entries) {
        const bool up_to_target = !(target < entry.version);
        if (entry.status == MigrationStatus::dirty) {
            changes.push_back(clear_marks(entry, "dirty mark"));
        }
        if (up_to_target && !entry.applied && entry.migration) {
            changes.push_back(add_row(*entry.migration));
        } else if (!up_to_target && entry.applied) {
            changes.push_back(HistoryChange{
                .kind = HistoryChange::Kind::remove_row,
                .version = entry.applied->version,
                .name = entry.name,
                .description = fmt::format(
                    "remove {}_{} from the history (what it changed in the schema stays)",
                    entry.applied->version, entry.name)});
        }
    }
    return changes;
}

namespace {

// The migration file whose version is `version` (as another tool wrote it), if any.
const Migration* file_of(std::span<const Migration> migrations, const std::string& version) {
    const auto parsed = Version::parse_dotted(version);
    const auto it = std::ranges::find_if(
        migrations, [&](const Migration& m) { return parsed && m.version == *parsed; });
    return it == migrations.end() ? nullptr : &*it;
}

// The migration file a row of another tool's history stands for: by version, and for a tool
// that records the folder's name (Prisma) by that name too.
const Migration* file_of(std::span<const Migration> migrations, const ForeignHistory::Row& row) {
    const auto* migration = file_of(migrations, row.version);
    if (migration != nullptr && !row.name.empty() &&
        migration->path.parent_path().filename().string() != row.name) {
        return nullptr;
    }
    return migration;
}

// How the tool names the row's migration in messages: Prisma's folder name, else the version.
const std::string& label_of(const ForeignHistory::Row& row) {
    return row.name.empty() ? row.version : row.name;
}

// The rows another tool's history stands for. A tool that records only the newest version
// (golang-migrate) stands for every file up to it; its dirty flag concerns that newest one,
// which `dirty` receives instead of a row. Versions no file has go to `missing`.
std::vector<ForeignHistory::Row> rows_standing_for(std::span<const Migration> migrations,
                                                   const ForeignHistory& foreign,
                                                   std::vector<std::string>& missing,
                                                   std::optional<std::string>& dirty) {
    auto rows = foreign.applied;
    if (foreign.baseline) {
        // Flyway's baseline stands for every file up to it, which no row of its own names.
        const auto baseline = Version::parse_dotted(*foreign.baseline);
        for (const auto& migration : migrations) {
            const bool listed = std::ranges::any_of(rows, [&](const ForeignHistory::Row& row) {
                const auto version = Version::parse_dotted(row.version);
                return version && *version == migration.version;
            });
            if (baseline && !(*baseline < migration.version) && !listed) {
                rows.push_back({migration.version.text(), {}});
            }
        }
        const auto numeric = [](const ForeignHistory::Row& row) {
            const auto version = Version::parse_dotted(row.version);
            return version ? version->numeric() : row.version;
        };
        std::ranges::stable_sort(rows, [&](const auto& left, const auto& right) {
            return compare_numeric_versions(numeric(left), numeric(right)) < 0;
        });
    }
    if (!foreign.up_to) {
        return rows;
    }
    const auto limit = Version::parse_dotted(*foreign.up_to);
    if (!limit || file_of(migrations, *foreign.up_to) == nullptr) {
        missing.push_back(*foreign.up_to);
    }
    for (const auto& migration : migrations) {
        if (limit && !(*limit < migration.version)) {
            if (foreign.dirty && migration.version == *limit) {
                dirty = migration.version.text();
            } else {
                rows.push_back({migration.version.text(), {}});
            }
        }
    }
    return rows;
}

// An add_row change per row, each keeping when the other tool applied it. Versions compare as
// numbers: two rows such as '1' and '0001' are one migration, and belay's history can record
// it only once. Which row is right is the operator's call (refused, naming both).
Result<void> record_rows(std::span<const Migration> migrations, const ForeignHistory& foreign,
                         const std::vector<ForeignHistory::Row>& rows,
                         std::vector<std::string>& missing, std::vector<HistoryChange>& changes) {
    std::map<const Migration*, std::string> recorded_as;
    for (const auto& row : rows) {
        const auto* migration = file_of(migrations, row);
        if (migration == nullptr) {
            missing.push_back(label_of(row));
            continue;
        }
        if (const auto [it, added] = recorded_as.emplace(migration, row.version); !added) {
            return fail(ErrorCode::refused,
                        "{}: {} records {}_{} twice, as version '{}' and as '{}' (versions "
                        "compare as numbers); delete the row that is wrong (DELETE FROM {} WHERE "
                        "version = '{}') and run {} again. Nothing was changed",
                        named(Command::adopt), foreign.table, migration->version.text(),
                        migration->name, it->second, row.version, foreign.table, row.version,
                        named(Command::adopt));
        }
        auto change = add_row(*migration);
        change.applied_at = row.applied_at;
        change.description = fmt::format("record {}_{} as applied ({} applied it{})",
                                         migration->version.text(), migration->name, foreign.tool,
                                         row.applied_at.empty() ? "" : " at " + row.applied_at);
        changes.push_back(std::move(change));
    }
    return {};
}

HistoryChange keep_foreign_table(const ForeignHistory& foreign) {
    return HistoryChange{.kind = HistoryChange::Kind::keep_table,
                         .name = foreign.table,
                         .description = fmt::format("keep {}'s table {} as belay_adopted_{}",
                                                    foreign.tool, foreign.table, foreign.table)};
}

// `why`: how the tool says the migration did not finish.
HistoryChange mark_dirty(const Migration& migration, std::string_view why) {
    return HistoryChange{
        .kind = HistoryChange::Kind::mark_dirty,
        .version = migration.version.text(),
        .name = migration.name,
        .migration = &migration,
        .description = fmt::format("mark {}_{} dirty ({}: it may be partly applied)",
                                   migration.version.text(), migration.name, why)};
}

// The statement that records `checksum` (what the tool computes for the file now) in the
// tool's table for `row`.
std::string record_checksum_statement(const ForeignHistory& foreign, const ForeignHistory::Row& row,
                                      const std::string& checksum) {
    if (foreign.tool == "sqlx") {
        return fmt::format("  UPDATE {} SET checksum = X'{}' WHERE version = {};", foreign.table,
                           checksum, row.version);
    }
    if (foreign.tool == "Flyway") {
        return fmt::format("  UPDATE {} SET checksum = {} WHERE version = '{}' AND success = 1;",
                           foreign.table, checksum, row.version);
    }
    std::string quoted;
    for (const char c : row.name) {
        quoted += c == '\'' ? std::string("''") : std::string(1, c);
    }
    return fmt::format("  UPDATE {} SET checksum = '{}' WHERE migration_name = '{}';",
                       foreign.table, checksum, quoted);
}

// Refuses (refused) when a file sqlx, Prisma or Flyway applied no longer has the checksum the tool
// recorded: recording it as applied as it is now would hide the change.
Result<void> refuse_changed_files(std::span<const Migration> migrations,
                                  const ForeignHistory& foreign) {
    std::vector<std::string> changed;
    std::vector<std::string> fixes;
    for (const auto& row : foreign.applied) {
        const auto* migration = row.checksum.empty() ? nullptr : file_of(migrations, row);
        if (migration == nullptr) {
            continue;
        }
        auto contents = read_whole_file(migration->path);
        BELAY_TRY(contents);
        if (tool_checksum_matches(foreign.tool, *contents, row.checksum)) {
            continue;
        }
        const auto now = tool_checksum(foreign.tool, *contents);
        // A digest is named by its first 12 digits; Flyway's CRC-32 whole.
        const auto shown = [](const std::string& checksum) {
            return checksum.size() > 12 ? checksum.substr(0, 12) + "..." : checksum;
        };
        changed.push_back(fmt::format("  {}: {} recorded the checksum {}, the file has {}",
                                      migration->path.string(), foreign.tool, shown(row.checksum),
                                      shown(now)));
        fixes.push_back(record_checksum_statement(foreign, row, now));
    }
    if (changed.empty()) {
        return {};
    }
    return fail(ErrorCode::refused,
                "{}: {} file(s) changed after {} applied them:\n{}\nbelay would record them as "
                "applied as they are now and hide the change. Restore each file as {} applied it "
                "(git log -p shows the change); or, if the database has the file's present "
                "contents already, record its checksum in {} and run {} again:\n{}\nNothing was "
                "changed",
                named(Command::adopt), changed.size(), foreign.tool, fmt::join(changed, "\n"),
                foreign.tool, foreign.table, run(Command::adopt), fmt::join(fixes, "\n"));
}

// The change that records `repeatable` as Flyway last applied it, when that row is the file as
// it is now; else std::nullopt, with a note saying why it runs again.
Result<std::optional<HistoryChange>> adopt_repeatable(const RepeatableMigration& repeatable,
                                                      const ForeignHistory::RepeatableRow& row,
                                                      const ForeignHistory& foreign,
                                                      std::vector<Message>& notes) {
    const auto file = repeatable.path.string();
    const auto next_run = said(
        "it is not recorded, so the next {} applies it again, as Flyway's "
        "migrate would",
        named(Command::migrate));
    if (row.deleted || !row.succeeded) {
        notes.push_back(said("{}: Flyway's latest row of it (row {}) {}; {}", file, row.rank,
                             row.deleted ? "marks it deleted (flyway repair)" : "failed",
                             next_run));
        return std::nullopt;
    }
    auto contents = read_whole_file(repeatable.path);
    BELAY_TRY(contents);
    if (!tool_checksum_matches(foreign.tool, *contents, row.checksum)) {
        const auto recorded =
            row.checksum.empty() ? std::string("no checksum") : "the checksum " + row.checksum;
        notes.push_back(
            said("{}: changed since Flyway last applied it (row {} records {}, the "
                 "file has {}); {}",
                 file, row.rank, recorded, tool_checksum(foreign.tool, *contents), next_run));
        return std::nullopt;
    }
    return HistoryChange{
        .kind = HistoryChange::Kind::record_repeatable,
        .name = repeatable.name,
        .checksum = repeatable.checksum,
        .description = fmt::format("record repeatable R__{} as applied ({} applied it{}, as the "
                                   "file is now)",
                                   repeatable.name, foreign.tool,
                                   row.applied_at.empty() ? "" : " at " + row.applied_at),
        .applied_at = row.applied_at};
}

// Flyway's repeatable migrations, matched with its rows by description (Flyway's: '_' is a
// space): a change for each file whose latest row is the file as it is now, a note for every
// other file and for each row no file has.
Result<void> adopt_repeatables(std::span<const RepeatableMigration> repeatables,
                               const ForeignHistory& foreign, std::vector<HistoryChange>& changes,
                               std::vector<Message>& notes) {
    std::map<std::string, const ForeignHistory::RepeatableRow*> rows;
    for (const auto& row : foreign.repeatables) {
        rows.emplace(row.description, &row);
    }
    for (const auto& repeatable : repeatables) {
        const auto row = rows.find(flyway_description(repeatable.name));
        if (row == rows.end()) {
            notes.push_back(said("{}: {} has no row of it; the next {} applies it",
                                 repeatable.path.string(), foreign.table, named(Command::migrate)));
            continue;
        }
        auto change = adopt_repeatable(repeatable, *row->second, foreign, notes);
        BELAY_TRY(change);
        if (*change) {
            changes.push_back(std::move(**change));
        }
        rows.erase(row);
    }
    for (const auto& [description, row] : rows) {
        notes.push_back(
            said("{}: row {} records the repeatable migration {} ({}), which no "
                 "R__ file has now; not taken over (what it created stays in the "
                 "database)",
                 foreign.table, row->rank, row->script, description));
    }
    return {};
}

}  // namespace

Result<std::vector<HistoryChange>> plan_adopt(std::span<const Migration> migrations,
                                              std::span<const RepeatableMigration> repeatables,
                                              const History& history, const ForeignHistory& foreign,
                                              std::vector<Message>& notes) {
    if (!history.applied.empty()) {
        return fail(ErrorCode::refused,
                    "{}: belay's history already has {} applied migration(s); nothing was "
                    "changed. {} stays as it is",
                    named(Command::adopt), history.applied.size(), foreign.table);
    }
    // Drizzle's rows name their migrations by the journal's "when" and a hash, not a version.
    std::optional<ForeignHistory> by_version;
    if (foreign.tool == "Drizzle") {
        auto mapped = drizzle_rows_as_versions(migrations, foreign);
        BELAY_TRY(mapped);
        by_version = std::move(*mapped);
    }
    std::vector<std::string> missing;
    std::optional<std::string> dirty;
    const auto rows = rows_standing_for(migrations, by_version.value_or(foreign), missing, dirty);
    std::vector<HistoryChange> changes{keep_foreign_table(foreign)};
    BELAY_TRY(record_rows(migrations, foreign, rows, missing, changes));
    if (const auto* migration = dirty ? file_of(migrations, *dirty) : nullptr) {
        changes.push_back(mark_dirty(*migration, foreign.tool + " left it dirty"));
    }
    for (const auto& row : foreign.failed) {
        if (const auto* migration = file_of(migrations, row)) {
            changes.push_back(mark_dirty(*migration, foreign.tool + " recorded a failed attempt"));
        } else {
            missing.push_back(label_of(row));
        }
    }
    if (!missing.empty()) {
        return fail(ErrorCode::invalid_input,
                    "{}: {} records version(s) {} but no migration file has them; put the files "
                    "in the migrations directory (from version control) and run it again. "
                    "Nothing was changed",
                    named(Command::adopt), foreign.table, fmt::join(missing, ", "));
    }
    BELAY_TRY(refuse_changed_files(migrations, foreign));
    BELAY_TRY(adopt_repeatables(repeatables, foreign, changes, notes));
    return changes;
}

}  // namespace belay
