#include "engine/database_state.hpp"

#include "sqlite/history_store.hpp"

namespace belay {

Result<History> read_history(sqlite::Database& db, const std::string& history_table) {
    sqlite::HistoryStore store(db, history_table);
    if (auto ok = store.check_ownership(); !ok) {
        return std::unexpected(ok.error());
    }
    return store.read();
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
