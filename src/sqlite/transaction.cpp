#include "sqlite/transaction.hpp"

#include "sqlite/database.hpp"

namespace belay::sqlite {

Result<void> roll_back_open_transaction(Database& db) {
    return db.exec("ROLLBACK");
}

Result<Transaction> Transaction::begin_immediate(Database& db) {
    BELAY_TRY(db.exec("BEGIN IMMEDIATE"));
    return Transaction(db);
}

Result<Transaction> Transaction::begin_read(Database& db) {
    BELAY_TRY(db.exec("BEGIN"));
    return Transaction(db);
}

Transaction::Transaction(Transaction&& other) noexcept : m_db(other.m_db) {
    other.m_db = nullptr;
}

Transaction::~Transaction() {
    (void)rollback();
}

Result<void> Transaction::commit() {
    if (m_db == nullptr) {
        return fail(ErrorCode::step_failed, "commit of a transaction that is already over");
    }
    auto ok = m_db->exec("COMMIT");
    if (!ok) {
        (void)rollback();
    }
    m_db = nullptr;
    return ok;
}

Result<void> Transaction::rollback() {
    if (m_db == nullptr) {
        return {};
    }
    Database* db = m_db;
    m_db = nullptr;
    if (!db->in_transaction()) {
        return {};
    }
    return db->exec("ROLLBACK");
}

}  // namespace belay::sqlite
