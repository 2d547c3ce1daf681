#include "engine/lint.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/embedded_migrations.hpp"
#include "core/migration_lint.hpp"
#include "core/migration_source.hpp"
#include "core/plan.hpp"
#include "engine/migration_set.hpp"
#include "engine/scratch_run.hpp"
#include "sqlite/database.hpp"
#include "sqlite/identifiers.hpp"
#include "sqlite/schema_inspection.hpp"
#include "sqlite/statement_split.hpp"

namespace belay::engine {

namespace {

using TableColumns = std::map<std::string, std::set<std::string>>;

// Warns where a table that stays loses, in `step`'s Up, a column no DROP COLUMN of that file
// accounts for: `before` and `after` are every table's columns around the step.
void warn_lost_columns(const Migration& step, const TableColumns& before, const TableColumns& after,
                       LintReport& report) {
    const auto file = step.file_of(step.up);
    const bool drops_columns = std::ranges::any_of(report.warnings, [&](const LintWarning& w) {
        return w.rule == "drop-column" && w.file == file;
    });
    for (const auto& [table, names] : before) {
        const auto now = after.find(table);
        if (now == after.end() || drops_columns) {
            continue;
        }
        std::vector<std::string> lost;
        std::ranges::set_difference(names, now->second, std::back_inserter(lost));
        if (!lost.empty()) {
            report.warnings.push_back(LintWarning{
                "lost-column", file, std::max(step.up.first_line - 1, 1),
                fmt::format("after this Up, table {} no longer has column(s) {}: a table "
                            "rebuild that leaves them out deletes their data",
                            table, fmt::join(lost, ", "))});
        }
    }
}

// Applies each Up in order on a scratch database, then each repeatable migration (as a run that
// applies the newest version ends with them), and warns where a table that stays loses a column
// (warn_lost_columns). A step that fails ends the check with a note naming it.
Result<void> find_lost_columns(const MigrateOptions& options, const MigrationFiles& files,
                               LintReport& report) {
    auto scratch = ScratchRun::create("belay-lint", options);
    BELAY_TRY(scratch);
    const auto steps = files.migrations.size() + files.repeatables.size();
    for (std::size_t i = 0; i < steps; ++i) {
        const bool repeatable = i >= files.migrations.size();
        const auto* of_repeatable =
            repeatable ? &files.repeatables[i - files.migrations.size()] : nullptr;
        const Migration step = repeatable ? step_of(*of_repeatable) : files.migrations[i];
        auto before = sqlite::table_columns(scratch->db());
        BELAY_TRY(before);
        auto outcome =
            repeatable ? scratch->apply(*of_repeatable) : scratch->apply(step, Direction::up);
        auto after = sqlite::table_columns(scratch->db());
        BELAY_TRY(after);
        if (outcome.error) {
            report.notes.push_back(fmt::format(
                "the column check stopped at {}: {} fails on a database built from the "
                "migrations before it: {}",
                repeatable ? "R__" + step.name : step.version.text() + "_" + step.name,
                repeatable ? "the repeatable migration" : "its Up", outcome.error->message));
            return {};
        }
        warn_lost_columns(step, *before, *after, report);
    }
    return {};
}

// The files to lint: the embedded migrations, or a directory's (with its repeatable ones, which
// are linted as steps: step_of).
Result<MigrationFiles> files_to_lint(const MigrateOptions& options) {
    if (options.db.embedded_migrations) {
        auto migrations = embedded_to_migrations(*options.db.embedded_migrations);
        BELAY_TRY(migrations);
        return MigrationFiles{std::move(*migrations), {}};
    }
    return load_migration_files(options.db.migrations_dir, options.db.layout);
}

// The per-file rules for each repeatable migration.
void lint_repeatables(const std::vector<RepeatableMigration>& repeatables, LintReport& report) {
    for (const auto& repeatable : repeatables) {
        const auto step = step_of(repeatable);
        SplitMigration split{.migration = &step,
                             .up = sqlite::split_statements(step.up),
                             .down = {},
                             .verify = {},
                             .repeatable = true};
        std::ranges::move(lint_migration(split), std::back_inserter(report.warnings));
    }
}

}  // namespace

Result<LintReport> run_lint(const MigrateOptions& options) {
    auto files = files_to_lint(options);
    BELAY_TRY(files);
    const auto* migrations = &files->migrations;
    std::vector<std::string> problems;
    for (const auto& migration : *migrations) {
        if (auto problem = name_problem(migration)) {
            problems.push_back(std::move(*problem));
        }
    }
    for (const auto& repeatable : files->repeatables) {
        if (auto problem = name_problem(step_of(repeatable))) {
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
    lint_repeatables(files->repeatables, report);
    BELAY_TRY(find_lost_columns(options, *files, report));
    std::ranges::stable_sort(report.warnings, [](const LintWarning& a, const LintWarning& b) {
        return std::pair(a.file, a.line) < std::pair(b.file, b.line);
    });
    return report;
}

}  // namespace belay::engine
