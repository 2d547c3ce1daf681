#include "engine/migration_set.hpp"

#include "belay/utf8.hpp"
#include "core/embedded_migrations.hpp"
#include "core/migration_source.hpp"
#include "core/plan.hpp"
#include "core/problems.hpp"
#include "core/sql_lint.hpp"
#include "sqlite/statement_split.hpp"

namespace belay::engine {

namespace {

// Checks each statement of one section as it is split off: a PRAGMA belay's statement rules
// refuse is a problem in any section; in a section that will run inside a transaction, so is a
// statement that cannot run there, and a PRAGMA foreign_keys, which belay makes harmless by
// managing enforcement itself, is a note. Each problem is about the section's file and the
// statement's line.
class SectionCheck final : public sqlite::StatementSink {
  public:
    SectionCheck(const Migration& migration, std::string_view name, const SqlSection& section,
                 bool transactional, Problems& problems, std::vector<std::string>& notes)
        : m_migration(migration),
          m_name(name),
          m_section(section),
          m_transactional(transactional),
          m_problems(problems),
          m_notes(notes) {}

    void statement(std::string_view text, int line) override {
        const auto& file = m_migration.file_of(m_section);
        if (auto problem = refused_statement_problem(m_migration, m_name, text, line)) {
            m_problems.add(file, line, std::move(*problem));
            return;
        }
        if (!m_transactional) {
            return;
        }
        if (sets_foreign_keys_pragma(text)) {
            m_notes.push_back(fmt::format(
                "{}:{}: PRAGMA foreign_keys has no effect inside a transaction; belay turns "
                "enforcement off around each step and checks foreign keys before COMMIT",
                file.string(), line));
        }
        if (auto problem = transactional_statement_problem(m_migration, m_name, text, line)) {
            m_problems.add(file, line, std::move(*problem));
        }
    }

  private:
    const Migration& m_migration;
    std::string_view m_name;
    const SqlSection& m_section;
    bool m_transactional;
    Problems& m_problems;
    std::vector<std::string>& m_notes;
};

void check_section(const Migration& migration, std::string_view name, const SqlSection& section,
                   bool transactional, Problems& problems, std::vector<std::string>& notes) {
    if (!section.present) {
        return;
    }
    SectionCheck check(migration, name, section, transactional, problems, notes);
    sqlite::for_each_statement(section, check);
}

// Checks each statement of a repeatable migration, which always runs inside a transaction: a
// statement belay's rules refuse, or one that cannot run there, is a problem; a PRAGMA
// foreign_keys a note, as in a versioned migration.
class RepeatableCheck final : public sqlite::StatementSink {
  public:
    RepeatableCheck(const RepeatableMigration& repeatable, Problems& problems,
                    std::vector<std::string>& notes)
        : m_repeatable(repeatable),
          m_as_step(step_of(repeatable)),
          m_problems(problems),
          m_notes(notes) {}

    void statement(std::string_view text, int line) override {
        const auto& file = m_repeatable.path;
        if (auto problem = refused_statement_problem(m_as_step, "Up", text, line)) {
            m_problems.add(file, line, std::move(*problem));
        } else if (auto blocked = repeatable_statement_problem(m_repeatable, text, line)) {
            m_problems.add(file, line, std::move(*blocked));
        } else if (sets_foreign_keys_pragma(text)) {
            m_notes.push_back(fmt::format(
                "{}:{}: PRAGMA foreign_keys has no effect inside a transaction; belay turns "
                "enforcement off around each step and checks foreign keys before COMMIT",
                file.string(), line));
        }
    }

  private:
    const RepeatableMigration& m_repeatable;
    Migration m_as_step;  // for the messages shared with versioned migrations
    Problems& m_problems;
    std::vector<std::string>& m_notes;
};

void check_repeatables(const MigrationSet& set, Problems& problems,
                       std::vector<std::string>& notes) {
    for (const auto& repeatable : set.repeatables) {
        if (auto problem = name_problem(step_of(repeatable))) {
            problems.add(repeatable.path, std::move(*problem));
        }
        RepeatableCheck check(repeatable, problems, notes);
        sqlite::for_each_statement(repeatable.up, check);
    }
}

// Checks every name and section; fails listing every problem, those found before
// (`problems`) first.
Result<MigrationSet> checked_set(std::vector<Migration> migrations,
                                 std::vector<RepeatableMigration> repeatables, Problems problems) {
    MigrationSet set{
        .migrations = std::move(migrations), .notes = {}, .repeatables = std::move(repeatables)};
    for (const auto& migration : set.migrations) {
        if (auto problem = name_problem(migration)) {
            problems.add(migration.path, std::move(*problem));
        }
        check_section(migration, "Up", migration.up, !migration.up_no_transaction, problems,
                      set.notes);
        check_section(migration, "Down", migration.down, !migration.down_no_transaction, problems,
                      set.notes);
        // Verify always runs inside the step's transaction when there is one.
        check_section(migration, "Verify", migration.verify, !migration.up_no_transaction, problems,
                      set.notes);
    }
    check_repeatables(set, problems, set.notes);
    if (!problems.empty()) {
        return std::unexpected(problems.error());
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
    auto files = load_migration_files(directory, layout);
    BELAY_TRY(files);
    return checked_set(std::move(files->migrations), std::move(files->repeatables), Problems{});
}

Result<MigrationSet> load_migration_set(const std::vector<EmbeddedMigration>& migrations) {
    // Problems of the list and of the statements of its usable migrations, reported together.
    Problems problems;
    auto usable = embedded_to_migrations(migrations, problems);
    return checked_set(std::move(usable), {}, std::move(problems));
}

Result<MigrationSet> load_migration_set(const DatabaseOptions& options) {
    if (options.embedded_migrations) {
        return load_migration_set(*options.embedded_migrations);
    }
    return load_migration_set(options.migrations_dir, options.layout);
}

}  // namespace belay::engine
