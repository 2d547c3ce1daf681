// The settings of one connection (and of the file it has open) that belay sets, reads or puts
// back around its work: foreign-key enforcement during a step, the settings a migration must not
// carry into the next step, the journal mode and page size of a copy, the page cache of a restore.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace belay::sqlite {

class Database;

// Turns foreign-key enforcement off for the object's lifetime (it cannot change inside a
// transaction, so this comes before the step's) and puts back what the connection had when it
// goes, unless a transaction is still open then.
class ForeignKeysOff {
  public:
    explicit ForeignKeysOff(Database& db);
    ~ForeignKeysOff();
    ForeignKeysOff(const ForeignKeysOff&) = delete;
    ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;

  private:
    Database& m_db;
    bool m_was_on = false;
};

// Puts back the settings a migration must not carry into the next step or into belay's own
// writes, whatever the step before did: writable_schema, ignore_check_constraints and
// query_only off, synchronous not OFF (FULL), a journal (DELETE when it was OFF or MEMORY).
// Returns the statements it had to run, one per setting put back.
Result<std::vector<std::string>> restore_connection_settings(Database& db);

// query_only off: the one setting a migration may turn on that would refuse belay's own writes.
Result<void> allow_writes(Database& db);

// The file's journal mode ("delete", "wal", ...) and page size, as SQLite reports them.
Result<std::string> journal_mode(Database& db);
Result<std::int64_t> page_size(Database& db);

// Leaves the file in rollback-journal mode (DELETE): readable alone, without -wal or -shm.
Result<void> use_rollback_journal(Database& db);

// Rebuilds the file (VACUUM) in rollback-journal mode with `page_size`-byte pages; VACUUM keeps
// every rowid.
Result<void> rebuild_with_page_size(Database& db, std::int64_t page_size);

// Bounds the connection's page cache to `kib` KiB (a large copy in one transaction then spills
// to the file, and syncs the journal, less often than with SQLite's default 2 MiB).
Result<void> set_page_cache(Database& db, std::int64_t kib);

}  // namespace belay::sqlite
