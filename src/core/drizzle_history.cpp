#include "core/drizzle_history.hpp"

#include <map>
#include <vector>

#include <fmt/format.h>

#include "core/migration_drizzle.hpp"

namespace belay {

namespace {

// What one row of __drizzle_migrations is, in the words of a problem: "the row with created_at
// 1708710681721 (hash 4a168f2905be...)".
std::string row_label(const ForeignHistory::Row& row) {
    return fmt::format("the row with created_at {} (hash {}...)", row.version,
                       row.hash.substr(0, 12));
}

struct Mapping {
    std::vector<std::string> missing;  // rows no journal entry has the "when" of
    std::vector<std::string> refused;  // rows whose hash differs, or that repeat a migration
};

// The migration `row` stands for, or nullptr with the reason added to `mapping`.
const Migration* migration_of(std::span<const Migration> migrations, const ForeignHistory::Row& row,
                              const std::string& table, Mapping& mapping) {
    std::vector<const Migration*> same_when;
    for (const auto& migration : migrations) {
        if (migration.layout == Layout::drizzle &&
            std::to_string(migration.journal_when) == row.version) {
            same_when.push_back(&migration);
        }
    }
    for (const auto* migration : same_when) {
        if (drizzle_hash_matches(*migration, row.hash)) {
            return migration;
        }
    }
    if (same_when.empty()) {
        mapping.missing.push_back(fmt::format(
            "  {}: no entry of meta/_journal.json has that \"when\" (its entry was removed or its "
            "\"when\" changed: restore the journal from version control; if the migration left "
            "the project for good, delete the row: DELETE FROM {} WHERE created_at = {})",
            row_label(row), table, row.version));
        return nullptr;
    }
    const auto& file = *same_when.front();
    mapping.refused.push_back(fmt::format(
        "  {} is {}_{}, but the file's hash is {}: {} changed after Drizzle applied it. Restore "
        "it as it was applied (git log -p -- {}); or, if the database holds what the file now "
        "says, record the file's hash: UPDATE {} SET hash = '{}' WHERE created_at = {}",
        row_label(row), file.version.text(), file.name, file.checksum.substr(0, 12),
        file.path.string(), file.path.string(), table, file.checksum, row.version));
    return nullptr;
}

}  // namespace

Result<ForeignHistory> drizzle_rows_as_versions(std::span<const Migration> migrations,
                                                const ForeignHistory& drizzle) {
    ForeignHistory mapped = drizzle;
    mapped.applied.clear();
    Mapping mapping;
    std::map<const Migration*, const ForeignHistory::Row*> row_of;
    for (const auto& row : drizzle.applied) {
        const auto* migration = migration_of(migrations, row, drizzle.table, mapping);
        if (migration == nullptr) {
            continue;
        }
        if (const auto [it, added] = row_of.emplace(migration, &row); !added) {
            mapping.refused.push_back(fmt::format(
                "  {} and {} both stand for {}_{}: Drizzle writes one row per migration; delete "
                "one of them (by its rowid: SELECT rowid, * FROM {})",
                row_label(*it->second), row_label(row), migration->version.text(), migration->name,
                drizzle.table));
            continue;
        }
        mapped.applied.push_back(
            {.version = migration->version.text(), .applied_at = {}, .hash = row.hash});
    }
    if (!mapping.missing.empty() || !mapping.refused.empty()) {
        auto lines = mapping.missing;
        lines.insert(lines.end(), mapping.refused.begin(), mapping.refused.end());
        return fail(mapping.missing.empty() ? ErrorCode::refused : ErrorCode::invalid_input,
                    "{}: {} has rows belay cannot match with the migrations of "
                    "meta/_journal.json; nothing was changed:\n{}\nThen run {} again",
                    named(Command::adopt), drizzle.table, fmt::join(lines, "\n"),
                    named(Command::adopt));
    }
    return mapped;
}

}  // namespace belay
