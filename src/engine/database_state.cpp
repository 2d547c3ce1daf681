#include "engine/database_state.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/ranges.h>

#include "core/log.hpp"
#include "core/plan.hpp"
#include "sqlite/foreign_history.hpp"
#include "sqlite/history_store.hpp"
#include "sqlite/transaction.hpp"

namespace belay::engine {

Result<History> read_history(sqlite::Database& db, const std::string& history_table) {
    sqlite::HistoryStore store(db, history_table);
    BELAY_TRY(store.check_ownership());
    return store.read();
}

std::optional<std::string> read_version_after(sqlite::Database& db,
                                              const std::string& history_table,
                                              std::span<const Migration> migrations) {
    auto history = read_history(db, history_table);
    if (!history) {
        logger()->warn("the version after this change is unknown: {}", history.error().message);
        return std::nullopt;
    }
    return build_plan(migrations, *history).current_version;
}

bool guards_against_foreign_history(const DatabaseOptions& options) {
    return options.history_table == DatabaseOptions{}.history_table;
}

Result<void> refuse_foreign_overlap(sqlite::Database& db, const History& history,
                                    std::span<const Migration> migrations) {
    auto other = sqlite::read_foreign_history(db, std::nullopt);
    if (!other || !*other) {
        return other ? Result<void>() : std::unexpected(other.error());
    }
    const auto& foreign = **other;
    // Versions compare as numbers ("0001" is "1"): both sides as Version::numeric() spells them.
    const auto numeric_versions = [](const auto& rows) {
        std::set<std::string> versions;
        for (const auto& row : rows) {
            if (const auto version = Version::parse_dotted(row.version)) {
                versions.insert(version->numeric());
            }
        }
        return versions;
    };
    // A failed attempt (sqlx, Prisma, Flyway) may have left part of its migration applied:
    // belay must not run it over that either.
    auto there = numeric_versions(foreign.applied);
    const auto attempted = numeric_versions(foreign.failed);
    there.insert(attempted.begin(), attempted.end());
    const auto here = numeric_versions(history.applied);
    const auto limit = foreign.up_to ? Version::parse_dotted(*foreign.up_to) : std::nullopt;
    const auto baseline =
        foreign.baseline ? Version::parse_dotted(*foreign.baseline) : std::nullopt;
    // Drizzle's rows name a migration by its journal entry's "when", not by its version.
    const bool by_when = foreign.tool == "Drizzle";
    const auto applied_there = [&](const Migration& m) {
        if (foreign.up_to) {
            return limit && !(*limit < m.version);
        }
        return there.contains(by_when ? std::to_string(m.journal_when) : m.version.numeric()) ||
               (baseline && !(*baseline < m.version));
    };
    const auto applied_here = [&](const Migration& m) {
        return here.contains(m.version.numeric());
    };
    std::vector<std::string> overlap;
    bool failed_there = false;  // one of them only as a failed attempt
    for (const auto& migration : migrations) {
        if (applied_there(migration) && !applied_here(migration)) {
            overlap.push_back(migration.version.text() + "_" + migration.name);
            failed_there = failed_there || attempted.contains(migration.version.numeric());
        }
    }
    if (overlap.empty()) {
        return {};
    }
    return fail(ErrorCode::refused,
                "{}: {}'s history table {} says {} already applied{}, and belay's history does "
                "not record it; belay would apply it again. Take {}'s history over with `{}` (it "
                "keeps {} as belay_adopted_{}), or, if {} keeps running its own migrations here, "
                "give belay a history table of its own. Nothing was changed",
                db.path().string(), foreign.tool, foreign.table, fmt::join(overlap, ", "),
                failed_there ? " (or that an attempt at it failed part-way)" : "", foreign.tool,
                run(Command::adopt), foreign.table, foreign.table, foreign.tool);
}

Result<void> refuse_foreign_overlap(const DatabaseOptions& options, const History& history,
                                    std::span<const Migration> migrations) {
    std::error_code ec;
    if (!guards_against_foreign_history(options) ||
        !std::filesystem::exists(options.database, ec)) {
        return {};
    }
    auto db =
        sqlite::Database::open(options.database, sqlite::OpenMode::read_only, options.lock_timeout);
    BELAY_TRY(db);
    return refuse_foreign_overlap(*db, history, migrations);
}

namespace {

// read_database_state, and with `any` a history table that is not belay's is no error. With
// `overlap`, refuse_foreign_overlap for those migrations, on the same connection.
Result<AnyDatabaseState> read_state(const DatabaseOptions& options, bool any,
                                    const std::span<const Migration>* overlap = nullptr) {
    AnyDatabaseState result;
    auto& state = result.state;
    std::error_code ec;
    if (!std::filesystem::exists(options.database, ec)) {
        return result;
    }
    auto db =
        sqlite::Database::open(options.database, sqlite::OpenMode::read_only, options.lock_timeout);
    BELAY_TRY(db);
    state.exists = true;
    state.size_bytes = std::filesystem::file_size(options.database, ec);
    auto read = sqlite::Transaction::begin_read(*db);  // one lock for every read below
    BELAY_TRY(read);
    const auto unreadable = [](Error error) {
        if (error.code == ErrorCode::step_failed) {
            error.code = ErrorCode::invalid_input;  // an unreadable database, not a failed step
        }
        return std::unexpected(std::move(error));
    };
    sqlite::HistoryStore store(*db, options.history_table);
    if (auto ok = store.check_ownership(); !ok) {
        if (!any || ok.error().code != ErrorCode::refused) {
            return unreadable(ok.error());
        }
        result.not_belays = ok.error().what();
        return result;
    }
    auto history = store.read();
    if (!history) {
        return unreadable(history.error());
    }
    state.history = std::move(*history);
    if (overlap != nullptr && guards_against_foreign_history(options)) {
        BELAY_TRY(refuse_foreign_overlap(*db, state.history, *overlap));
    }
    return result;
}

}  // namespace

Result<DatabaseState> read_checked_state(const DatabaseOptions& options,
                                         std::span<const Migration> migrations) {
    auto read = read_state(options, false, &migrations);
    BELAY_TRY(read);
    return std::move(read->state);
}

Result<DatabaseState> read_database_state(const DatabaseOptions& options) {
    auto read = read_state(options, false);
    BELAY_TRY(read);
    return std::move(read->state);
}

Result<AnyDatabaseState> read_any_database_state(const DatabaseOptions& options) {
    return read_state(options, true);
}

Result<std::optional<std::string>> read_any_version(const DatabaseOptions& options) {
    auto read = read_any_database_state(options);
    BELAY_TRY(read);
    if (read->not_belays) {
        return std::nullopt;
    }
    return build_plan({}, read->state.history).current_version;
}

Result<std::string> read_version_for_backup(const DatabaseOptions& options) {
    auto version = read_any_version(options);
    if (!version) {
        return std::unexpected(version.error());
    }
    return version->value_or("-");
}

}  // namespace belay::engine
