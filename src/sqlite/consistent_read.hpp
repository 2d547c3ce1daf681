// The read transaction a snapshot is copied in, and what it pins: one committed state of the
// source, the facts a copy is checked against, and how that state can be copied.
//
// The copy is raw whenever the committed state can be read from the files directly: the main
// file under the read transaction's SHARED lock (rollback journal), or the main file plus the
// WAL frames of the pinned snapshot (WAL, see wal_snapshot.hpp). Otherwise SQLite's backup API
// copies it page by page (page_copy.hpp). Both give the same pages
// (tests/unit/engine/snapshot_consistency_test.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "sqlite/raw_copy.hpp"
#include "sqlite/wal_snapshot.hpp"

namespace belay::sqlite {

class Database;

// What the read transaction sees of the source.
struct SourceFacts {
    std::int64_t page_count = 0;
    std::int64_t page_size = 0;
    std::string fingerprint;  // schema_fingerprint of the main database
    bool wal = false;         // WAL mode: committed pages may be in the -wal, not in the main file
    // WAL mode: the wal-index header the read transaction is known to have started from, when
    // it could be pinned (see wal_snapshot.hpp); without it the copy uses the backup API.
    std::optional<WalIndexHeader> wal_index;
};

// Opens the read transaction on `source` (no transaction open) that a copy runs in, and reads
// what the copy is checked against. The caller ends it with end_consistent_read. Fails with
// SQLite's error (busy when the source stays locked past the connection's timeout).
Result<SourceFacts> begin_consistent_read(Database& source);

// Ends the read transaction begin_consistent_read opened: writers may go on.
Result<void> end_consistent_read(Database& source);

// The raw copy's plan for the state `facts` describes, or std::nullopt (with the reason logged)
// when only the backup API can copy it. `source` must still be in the read transaction
// begin_consistent_read opened.
std::optional<RawCopyPlan> plan_raw_copy(Database& source, const SourceFacts& facts);

}  // namespace belay::sqlite
