// A transaction that rolls back in its destructor unless committed.
#pragma once

#include "core/error.hpp"

namespace belay::sqlite {

class Database;

// Rolls back whatever transaction the connection has open, one that statements other than a
// Transaction's began (a migration's own BEGIN or SAVEPOINT).
Result<void> roll_back_open_transaction(Database& db);

class Transaction {
  public:
    // BEGIN IMMEDIATE: takes the write lock now (waiting through the connection's busy handler),
    // so no later statement of the step can fail with a deadlock-avoidance BUSY. Fails with
    // ErrorCode::busy when the lock stays held by another connection.
    static Result<Transaction> begin_immediate(Database& db);
    // BEGIN (deferred): the first read takes the shared lock and keeps it to the end, so every
    // read sees one committed state, and a dozen small reads lock the file once instead of once
    // each. For reads only; the destructor ends it.
    static Result<Transaction> begin_read(Database& db);

    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();

    // COMMIT. On failure the transaction is rolled back (if SQLite left it open) and the error
    // returned; either way the transaction is over.
    Result<void> commit();
    // ROLLBACK if SQLite still has the transaction open (an interrupt may already have ended it).
    Result<void> rollback();

  private:
    explicit Transaction(Database& db) : m_db(&db) {}
    Database* m_db;  // null once committed or rolled back
};

}  // namespace belay::sqlite
