#include "core/migration_lint.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/sql_lint.hpp"

namespace belay {

namespace {

// The statement's text in upper case with string literals blanked, so that words inside
// strings are not taken for keywords.
std::string code_of(std::string_view statement) {
    std::string code = to_upper_ascii(statement);
    bool in_string = false;
    for (auto& c : code) {
        if (c == '\'') {
            in_string = !in_string;
        } else if (in_string) {
            c = ' ';
        }
    }
    return code;
}

bool has_word(const std::string& code, std::string_view word) {
    for (auto pos = code.find(word); pos != std::string::npos; pos = code.find(word, pos + 1)) {
        const bool starts = pos == 0 || !(std::isalnum(static_cast<unsigned char>(code[pos - 1])) ||
                                          code[pos - 1] == '_');
        const auto end = pos + word.size();
        const bool ends =
            end >= code.size() ||
            !(std::isalnum(static_cast<unsigned char>(code[end])) || code[end] == '_');
        if (starts && ends) {
            return true;
        }
    }
    return false;
}

// "ALTER TABLE x RENAME TO y" -> "Y"; std::nullopt for any other statement.
std::optional<std::string> renamed_to(const SqlStatement& statement) {
    const auto words = leading_keywords(statement.text, 6);
    if (words.size() >= 6 && words[0] == "ALTER" && words[1] == "TABLE" && words[3] == "RENAME" &&
        words[4] == "TO") {
        return words[5];
    }
    return std::nullopt;
}

struct Context {
    const Migration& migration;
    std::vector<LintWarning>& warnings;
    bool repeatable = false;  // a repeatable migration's step (SplitMigration::repeatable)
    void warn(std::string rule, const SqlSection& section, int line, Message message) const {
        warnings.push_back(
            LintWarning{std::move(rule), migration.file_of(section), line, std::move(message)});
    }
};

void lint_destructive(const Context& context, const std::vector<SqlStatement>& up) {
    for (std::size_t i = 0; i < up.size(); ++i) {
        const auto words = leading_keywords(up[i].text, 6);
        if (words.size() >= 3 && words[0] == "DROP" && words[1] == "TABLE") {
            const auto table = words[2] == "IF" && words.size() >= 5 ? words[4] : words[2];
            const bool rebuilt =
                std::any_of(up.begin() + static_cast<std::ptrdiff_t>(i) + 1, up.end(),
                            [&](const SqlStatement& later) { return renamed_to(later) == table; });
            if (!rebuilt) {
                context.warn("drop-table", context.migration.up, up[i].line,
                             fmt::format("DROP TABLE {} deletes the table and all its rows; make "
                                         "sure a backup or an earlier copy of the data exists",
                                         table));
            }
        }
        const auto code = code_of(up[i].text);
        if (words.size() >= 2 && words[0] == "ALTER" && words[1] == "TABLE") {
            if (has_word(code, "DROP") && !has_word(code, "RENAME")) {
                context.warn("drop-column", context.migration.up, up[i].line,
                             "ALTER TABLE ... DROP COLUMN deletes the column's data");
            }
            if (has_word(code, "ADD") && has_word(code, "NOT") && has_word(code, "NULL") &&
                !has_word(code, "DEFAULT")) {
                context.warn("not-null-without-default", context.migration.up, up[i].line,
                             "ADD COLUMN ... NOT NULL without a DEFAULT fails on any table "
                             "(SQLite cannot fill the existing rows); give it a DEFAULT");
            }
        }
    }
}

void lint_transaction_statements(const Context& context, const SqlSection& section,
                                 std::string_view name, bool no_transaction,
                                 const std::vector<SqlStatement>& statements) {
    for (const auto& statement : statements) {
        const auto words = leading_keywords(statement.text, 1);
        const auto first = words.empty() ? std::string() : words[0];
        const bool control = first == "BEGIN" || first == "COMMIT" || first == "END" ||
                             first == "ROLLBACK" || first == "SAVEPOINT" || first == "RELEASE";
        if (control) {
            context.warn("explicit-transaction", section, statement.line,
                         fmt::format("{} in a migration file: belay begins and commits each "
                                     "step's transaction itself; remove it",
                                     first));
        }
        const auto reason = refused_statement_reason(statement.text);
        if (reason) {
            context.warn("refused-statement", section, statement.line,
                         "belay refuses this statement in any migration: " + *reason);
        }
        // What db migrate refuses before it starts, said once per statement.
        if (!no_transaction && !control && !reason) {
            if (auto advice = context.repeatable ? repeatable_statement_advice(statement.text)
                                                 : transactional_statement_advice(
                                                       context.migration, name, statement.text)) {
                context.warn("needs-no-transaction", section, statement.line, *advice);
            }
        }
        if (!no_transaction && sets_foreign_keys_pragma(statement.text)) {
            context.warn("no-effect-in-transaction", section, statement.line,
                         "PRAGMA foreign_keys does nothing inside a transaction; belay turns "
                         "enforcement off around each step, so remove it");
        }
    }
}

}  // namespace

std::vector<LintWarning> lint_migration(const SplitMigration& split) {
    const auto& migration = *split.migration;
    std::vector<LintWarning> warnings;
    const Context context{migration, warnings, split.repeatable};
    // The Up marker's line; line 1 for a file that is all Up (a pair's up file).
    const int up_marker = std::max(migration.up.first_line - 1, 1);
    if (split.up.empty()) {
        context.warn("empty-up", migration.up, up_marker,
                     "the Up section is empty or holds only comments: the migration is a no-op");
    }
    // Prisma and Drizzle migrations have no Down to write: the warning would stand on every one.
    if (!migration.down.present && migration.layout != Layout::prisma &&
        migration.layout != Layout::drizzle && !split.repeatable) {
        context.warn("no-down", migration.up, up_marker,
                     said("no Down section: {} cannot revert this migration (only a restore can)",
                          named(Command::down)));
    }
    lint_destructive(context, split.up);
    lint_transaction_statements(context, migration.up, "Up", migration.up_no_transaction, split.up);
    lint_transaction_statements(context, migration.down, "Down", migration.down_no_transaction,
                                split.down);
    // Verify runs inside the Up step's transaction when there is one.
    lint_transaction_statements(context, migration.verify, "Verify", migration.up_no_transaction,
                                split.verify);
    return warnings;
}

std::vector<LintWarning> lint_versions(std::span<const Migration> migrations) {
    std::vector<LintWarning> warnings;
    // Plain numbers only: a gap between Flyway's 1.2 and 1.4 is no gap to count.
    const bool sequential = std::ranges::all_of(migrations, [](const Migration& m) {
        return m.version.numeric().size() < 10 &&
               m.version.numeric().find('.') == std::string::npos;
    });
    if (!sequential) {
        return warnings;
    }
    for (std::size_t i = 1; i < migrations.size(); ++i) {
        const auto before = std::stoll(migrations[i - 1].version.numeric());
        const auto here = std::stoll(migrations[i].version.numeric());
        if (here > before + 1) {
            warnings.push_back(LintWarning{
                "gap", migrations[i].path, 1,
                fmt::format("no migration between versions {} and {}: a file missing from the "
                            "set, or a skipped number",
                            migrations[i - 1].version.text(), migrations[i].version.text())});
        }
    }
    return warnings;
}

}  // namespace belay
