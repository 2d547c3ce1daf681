// Verified online snapshots, and their verification later.
//
// A snapshot is never half a snapshot: it is copied into an exclusively created temporary file
// beside its final name (with the database's mode and owner from the start), in
// rollback-journal mode so it opens alone, verified (quick_check, page count, schema
// fingerprint), flushed, hashed, described by a durably written sidecar, and only then renamed
// to its final `.bak` name, which is never an existing file or symlink.
//
// The copy is raw whenever the committed state can be read from the files directly: the main
// file under the read transaction's SHARED lock (rollback journal), or the main file plus the
// WAL frames of the pinned snapshot (WAL, see wal_snapshot.hpp). Otherwise SQLite's backup API
// copies it page by page. Both give the same pages (tests/unit/sqlite/
// snapshot_consistency_test.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "belay/backup.hpp"
#include "core/backup_metadata.hpp"
#include "core/error.hpp"

namespace belay::sqlite {

// Called after each chunk: (bytes copied so far, bytes in all, bytes per page).
using CopyProgress = std::function<void(std::int64_t, std::int64_t, std::int64_t)>;

struct SnapshotRequest {
    std::filesystem::path database;            // the source database file
    std::filesystem::path directory;           // where the backup goes when `out` is empty
    std::optional<std::filesystem::path> out;  // an exact path instead (`db backup --out`)
    std::string reason;                        // one of the k_reason_* values
    std::string schema_version = "0";          // the source's current version, for the sidecar
    bool verify = true;                        // quick_check + page count + fingerprint
    std::chrono::milliseconds lock_timeout{5000};
    CopyProgress progress;  // may be empty
    // Another connection of this process holds a lock on the database (the migration's write
    // lock). The snapshot then touches the file only through SQLite: a descriptor of belay's
    // own, once closed, would drop that connection's locks (POSIX record-lock semantics).
    bool beside_own_lock = false;
};

using Snapshot = belay::Snapshot;  // belay/backup.hpp

// Takes a snapshot of `request.database` as one consistent state: the copy runs inside one read
// transaction of its own connection, so it never restarts, and in WAL mode writers go on
// meanwhile (in rollback-journal mode they wait until the copy is done). Safe to call while
// another connection of this process holds BEGIN IMMEDIATE on the database: the snapshot is
// then exactly the state that connection's transaction starts from.
//
// Fails, leaving no file behind, with snapshot_failed (no room, cannot write, verification
// failed), busy (the source stayed locked past lock_timeout) or interrupted.
Result<Snapshot> take_snapshot(const SnapshotRequest& request);

// Checks a copy of `source` just written to `copy` (opened immutable) against what was read from
// the source: quick_check, `page_count` and the schema `fingerprint`. Fails with
// snapshot_failed naming the source and what differs; when the copy cannot be checked at all,
// with SQLite's reason, the copy's path and, for a function this SQLite lacks, the schema
// objects that call it and what to do.
Result<void> verify_copy(const std::filesystem::path& copy, const std::filesystem::path& source,
                         std::int64_t page_count, const std::string& fingerprint);

// The checks of one backup file against its sidecar: SHA-256, then (opened read-only with
// SQLite's defences for untrusted files) quick_check, page count and schema fingerprint. The
// file is opened immutable (OpenMode::immutable_evidence): a -journal or -wal beside it is
// never read, nothing is created beside it, and its bytes never change. A sidecar missing a
// field these checks need (missing_fields) gives one problem starting "unverifiable:" that
// names the sidecar and the fields. An empty list means it is intact. Fails only when the file
// cannot be read at all, or is not a regular file (a FIFO is never waited on).
Result<std::vector<std::string>> verify_backup(const std::filesystem::path& backup,
                                               const BackupMetadata& metadata);

}  // namespace belay::sqlite
