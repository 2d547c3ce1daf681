#include "sqlite/connection_settings.hpp"

#include <fmt/format.h>

#include "sqlite/database.hpp"

namespace belay::sqlite {

ForeignKeysOff::ForeignKeysOff(Database& db) : m_db(db) {
    m_was_on = db.query_int("PRAGMA foreign_keys").value_or(0) != 0;
    (void)db.exec("PRAGMA foreign_keys = OFF");
}

ForeignKeysOff::~ForeignKeysOff() {
    if (m_was_on && !m_db.in_transaction()) {
        (void)m_db.exec("PRAGMA foreign_keys = ON");
    }
}

Result<std::vector<std::string>> restore_connection_settings(Database& db) {
    struct Setting {
        const char* query;
        std::int64_t wanted;
        const char* reset;
    };
    static constexpr Setting k_settings[] = {
        {"PRAGMA writable_schema", 0, "PRAGMA writable_schema = OFF"},
        {"PRAGMA ignore_check_constraints", 0, "PRAGMA ignore_check_constraints = OFF"},
        {"PRAGMA query_only", 0, "PRAGMA query_only = OFF"},
    };
    std::vector<std::string> restored;
    for (const auto& setting : k_settings) {
        auto value = db.query_int(setting.query);
        BELAY_TRY(value);
        if (*value != setting.wanted) {
            BELAY_TRY(db.exec(setting.reset));
            restored.emplace_back(setting.reset);
        }
    }
    auto synchronous = db.query_int("PRAGMA synchronous");
    BELAY_TRY(synchronous);
    if (*synchronous == 0) {
        BELAY_TRY(db.exec("PRAGMA synchronous = FULL"));
        restored.emplace_back("PRAGMA synchronous = FULL");
    }
    auto mode = journal_mode(db);
    BELAY_TRY(mode);
    if (*mode == "off" || *mode == "memory") {
        BELAY_TRY(use_rollback_journal(db));
        restored.emplace_back("PRAGMA journal_mode = DELETE");
    }
    return restored;
}

Result<void> allow_writes(Database& db) {
    return db.exec("PRAGMA query_only = OFF");
}

Result<std::string> journal_mode(Database& db) {
    return db.query_text("PRAGMA journal_mode");
}

Result<std::int64_t> page_size(Database& db) {
    return db.query_int("PRAGMA page_size");
}

Result<void> use_rollback_journal(Database& db) {
    return db.exec("PRAGMA journal_mode = DELETE");
}

Result<void> rebuild_with_page_size(Database& db, std::int64_t page_size) {
    return db.exec(
        fmt::format("PRAGMA journal_mode = DELETE; PRAGMA page_size = {}; VACUUM", page_size));
}

Result<void> set_page_cache(Database& db, std::int64_t kib) {
    return db.exec(fmt::format("PRAGMA cache_size = -{}", kib));
}

}  // namespace belay::sqlite
