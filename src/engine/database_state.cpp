#include "engine/database_state.hpp"

#include <algorithm>

#include <fmt/ranges.h>

#include "sqlite/foreign_history.hpp"
#include "sqlite/history_store.hpp"

namespace belay {

Result<History> read_history(sqlite::Database& db, const std::string& history_table) {
    sqlite::HistoryStore store(db, history_table);
    if (auto ok = store.check_ownership(); !ok) {
        return std::unexpected(ok.error());
    }
    return store.read();
}

Result<void> refuse_foreign_overlap(sqlite::Database& db, const History& history,
                                    std::span<const Migration> migrations) {
    if (!history.applied.empty()) {
        return {};
    }
    auto other = sqlite::read_foreign_history(db, std::nullopt);
    if (!other || !*other) {
        return other ? Result<void>() : std::unexpected(other.error());
    }
    const auto& foreign = **other;
    const auto applied_there = [&](const Migration& m) {
        if (foreign.up_to) {
            const auto limit = Version::parse(*foreign.up_to);
            return limit && !(*limit < m.version);
        }
        return std::ranges::any_of(foreign.applied, [&](const ForeignHistory::Row& row) {
            const auto version = Version::parse(row.version);
            return version && *version == m.version;
        });
    };
    std::vector<std::string> overlap;
    for (const auto& migration : migrations) {
        if (applied_there(migration)) {
            overlap.push_back(migration.version.text() + "_" + migration.name);
        }
    }
    if (overlap.empty()) {
        return {};
    }
    return fail(ErrorCode::refused,
                "{}: {}'s history table {} says {} already applied, and belay has no history "
                "here; running would apply them again. Take the history over with `belay db "
                "adopt` (or drop {} if it is stale). Nothing was changed",
                db.path().string(), foreign.tool, foreign.table, fmt::join(overlap, ", "),
                foreign.table);
}

Result<DatabaseState> read_database_state(const DatabaseOptions& options) {
    DatabaseState state;
    std::error_code ec;
    if (!std::filesystem::exists(options.database, ec)) {
        return state;
    }
    auto db =
        sqlite::Database::open(options.database, sqlite::OpenMode::read_only, options.lock_timeout);
    if (!db) {
        return std::unexpected(db.error());
    }
    state.exists = true;
    state.size_bytes = std::filesystem::file_size(options.database, ec);
    auto history = read_history(*db, options.history_table);
    if (!history) {
        auto error = history.error();
        if (error.code == ErrorCode::step_failed) {
            error.code = ErrorCode::invalid_input;  // an unreadable database, not a failed step
        }
        return std::unexpected(error);
    }
    state.history = std::move(*history);
    return state;
}

}  // namespace belay
