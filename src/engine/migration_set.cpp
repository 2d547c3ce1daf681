#include "engine/migration_set.hpp"

#include <fmt/ranges.h>

#include "core/migration_source.hpp"
#include "core/sql_lint.hpp"
#include "sqlite/statement_split.hpp"

namespace belay {

namespace {

// Lints one section that will run inside a transaction; notes a PRAGMA foreign_keys, which
// belay makes harmless by managing enforcement itself.
void check_section(const Migration& migration, std::string_view name, const SqlSection& section,
                   std::vector<std::string>& problems, std::vector<std::string>& notes) {
    if (!section.present) {
        return;
    }
    const auto statements = sqlite::split_statements(section);
    for (const auto& statement : statements) {
        if (sets_foreign_keys_pragma(statement.text)) {
            notes.push_back(fmt::format(
                "{}:{}: PRAGMA foreign_keys has no effect inside a transaction; belay turns "
                "enforcement off around each step and checks foreign keys before COMMIT",
                migration.file_of(section).string(), statement.line));
        }
    }
    if (auto ok = check_transactional_statements(migration, name, statements); !ok) {
        problems.push_back(ok.error().message);
    }
}

}  // namespace

Result<MigrationSet> load_migration_set(const std::filesystem::path& directory,
                                        std::optional<Layout> layout) {
    auto migrations = load_migrations(directory, layout);
    if (!migrations) {
        return std::unexpected(migrations.error());
    }
    MigrationSet set{std::move(*migrations), {}};
    std::vector<std::string> problems;
    for (const auto& migration : set.migrations) {
        if (!migration.up_no_transaction) {
            check_section(migration, "Up", migration.up, problems, set.notes);
        }
        if (!migration.down_no_transaction) {
            check_section(migration, "Down", migration.down, problems, set.notes);
        }
        // Verify always runs inside the step's transaction when there is one.
        if (!migration.up_no_transaction) {
            check_section(migration, "Verify", migration.verify, problems, set.notes);
        }
    }
    if (!problems.empty()) {
        return fail(ErrorCode::invalid_input, "{}", fmt::join(problems, "\n"));
    }
    return set;
}

}  // namespace belay
