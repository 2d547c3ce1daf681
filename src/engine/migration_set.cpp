#include "engine/migration_set.hpp"

#include <fmt/ranges.h>

#include "core/embedded_migrations.hpp"
#include "core/migration_source.hpp"
#include "core/sql_lint.hpp"
#include "core/utf8.hpp"
#include "sqlite/statement_split.hpp"

namespace belay::engine {

namespace {

// Checks each statement of one section as it is split off: a PRAGMA belay's statement rules
// refuse is a problem in any section; in a section that will run inside a transaction, so is a
// statement that cannot run there, and a PRAGMA foreign_keys, which belay makes harmless by
// managing enforcement itself, is a note.
class SectionCheck final : public sqlite::StatementSink {
  public:
    SectionCheck(const Migration& migration, std::string_view name, const SqlSection& section,
                 bool transactional, std::vector<std::string>& notes)
        : m_migration(migration),
          m_name(name),
          m_section(section),
          m_transactional(transactional),
          m_notes(notes) {}

    void statement(std::string_view text, int line) override {
        if (auto problem = refused_statement_problem(m_migration, m_name, text, line)) {
            m_problems.push_back(std::move(*problem));
            return;
        }
        if (!m_transactional) {
            return;
        }
        if (sets_foreign_keys_pragma(text)) {
            m_notes.push_back(fmt::format(
                "{}:{}: PRAGMA foreign_keys has no effect inside a transaction; belay turns "
                "enforcement off around each step and checks foreign keys before COMMIT",
                m_migration.file_of(m_section).string(), line));
        }
        if (auto problem = transactional_statement_problem(m_migration, m_name, text, line)) {
            m_problems.push_back(std::move(*problem));
        }
    }

    // The section's problems as one entry, a line each (as check_transactional_statements
    // words them), or nothing.
    void report(std::vector<std::string>& problems) const {
        if (!m_problems.empty()) {
            problems.push_back(fmt::format("{}", fmt::join(m_problems, "\n")));
        }
    }

  private:
    const Migration& m_migration;
    std::string_view m_name;
    const SqlSection& m_section;
    bool m_transactional;
    std::vector<std::string>& m_notes;
    std::vector<std::string> m_problems;
};

void check_section(const Migration& migration, std::string_view name, const SqlSection& section,
                   bool transactional, std::vector<std::string>& problems,
                   std::vector<std::string>& notes) {
    if (!section.present) {
        return;
    }
    SectionCheck check(migration, name, section, transactional, notes);
    sqlite::for_each_statement(section, check);
    check.report(problems);
}

// Checks every name and section; fails listing every problem.
Result<MigrationSet> checked_set(Result<std::vector<Migration>> migrations) {
    BELAY_TRY(migrations);
    MigrationSet set{std::move(*migrations), {}};
    std::vector<std::string> problems;
    for (const auto& migration : set.migrations) {
        if (auto problem = name_problem(migration)) {
            problems.push_back(std::move(*problem));
        }
        check_section(migration, "Up", migration.up, !migration.up_no_transaction, problems,
                      set.notes);
        check_section(migration, "Down", migration.down, !migration.down_no_transaction, problems,
                      set.notes);
        // Verify always runs inside the step's transaction when there is one.
        check_section(migration, "Verify", migration.verify, !migration.up_no_transaction, problems,
                      set.notes);
    }
    if (!problems.empty()) {
        return fail(ErrorCode::invalid_input, "{}", fmt::join(problems, "\n"));
    }
    return set;
}

}  // namespace

std::optional<std::string> name_problem(const Migration& migration) {
    if (is_valid_utf8(migration.name)) {
        return std::nullopt;
    }
    return fmt::format(
        "{}: the file name is not valid UTF-8 (the bytes that are not are shown as \\xNN); belay "
        "records migration names in its history and in JSON reports, which hold UTF-8 only. "
        "Rename the file to a UTF-8 name",
        escape_invalid_utf8(migration.path.native()));
}

Result<MigrationSet> load_migration_set(const std::filesystem::path& directory,
                                        std::optional<Layout> layout) {
    return checked_set(load_migrations(directory, layout));
}

Result<MigrationSet> load_migration_set(const std::vector<EmbeddedMigration>& migrations) {
    return checked_set(embedded_to_migrations(migrations));
}

Result<MigrationSet> load_migration_set(const DatabaseOptions& options) {
    if (options.embedded_migrations) {
        return load_migration_set(*options.embedded_migrations);
    }
    return load_migration_set(options.migrations_dir, options.layout);
}

}  // namespace belay::engine
