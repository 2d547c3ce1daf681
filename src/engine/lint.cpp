#include "engine/lint.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/embedded_migrations.hpp"
#include "core/migration_lint.hpp"
#include "core/migration_source.hpp"
#include "engine/migration_set.hpp"
#include "engine/scratch_run.hpp"
#include "sqlite/database.hpp"
#include "sqlite/identifiers.hpp"
#include "sqlite/schema_inspection.hpp"
#include "sqlite/statement_split.hpp"

namespace belay::engine {

namespace {

// Applies each Up in order on a scratch database and warns where a table that stays loses a
// column no DROP COLUMN of that migration accounts for.
Result<void> find_lost_columns(const MigrateOptions& options,
                               const std::vector<Migration>& migrations, LintReport& report) {
    auto scratch = ScratchRun::create("belay-lint", options);
    BELAY_TRY(scratch);
    for (const auto& migration : migrations) {
        auto before = sqlite::table_columns(scratch->db());
        BELAY_TRY(before);
        auto outcome = scratch->apply(migration, Direction::up);
        auto after = sqlite::table_columns(scratch->db());
        BELAY_TRY(after);
        if (outcome.error) {
            report.notes.push_back(fmt::format(
                "the column check stopped at {}_{}: its Up fails on a database built from the "
                "migrations before it: {}",
                migration.version.text(), migration.name, outcome.error->message));
            return {};
        }
        const bool drops_columns = std::ranges::any_of(report.warnings, [&](const LintWarning& w) {
            return w.rule == "drop-column" && w.file == migration.file_of(migration.up);
        });
        for (const auto& [table, names] : *before) {
            const auto now = after->find(table);
            if (now == after->end() || drops_columns) {
                continue;
            }
            std::vector<std::string> lost;
            std::ranges::set_difference(names, now->second, std::back_inserter(lost));
            if (!lost.empty()) {
                report.warnings.push_back(LintWarning{
                    "lost-column", migration.file_of(migration.up),
                    std::max(migration.up.first_line - 1, 1),
                    fmt::format("after this Up, table {} no longer has column(s) {}: a table "
                                "rebuild that leaves them out deletes their data",
                                table, fmt::join(lost, ", "))});
            }
        }
    }
    return {};
}

}  // namespace

Result<LintReport> run_lint(const MigrateOptions& options) {
    auto migrations = options.db.embedded_migrations
                          ? embedded_to_migrations(*options.db.embedded_migrations)
                          : load_migrations(options.db.migrations_dir, options.db.layout);
    BELAY_TRY(migrations);
    std::vector<std::string> problems;
    for (const auto& migration : *migrations) {
        if (auto problem = name_problem(migration)) {
            problems.push_back(std::move(*problem));
        }
    }
    if (!problems.empty()) {
        return fail(ErrorCode::invalid_input, "{}", fmt::join(problems, "\n"));
    }
    LintReport report;
    report.warnings = lint_versions(*migrations);
    for (const auto& migration : *migrations) {
        const SplitMigration split{&migration, sqlite::split_statements(migration.up),
                                   sqlite::split_statements(migration.down),
                                   sqlite::split_statements(migration.verify)};
        std::ranges::move(lint_migration(split), std::back_inserter(report.warnings));
    }
    BELAY_TRY(find_lost_columns(options, *migrations, report));
    std::ranges::stable_sort(report.warnings, [](const LintWarning& a, const LintWarning& b) {
        return std::pair(a.file, a.line) < std::pair(b.file, b.line);
    });
    return report;
}

}  // namespace belay::engine
