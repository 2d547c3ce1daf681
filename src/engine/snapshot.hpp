// Verified online snapshots, and their verification later: belay's backup policy.
//
// A snapshot is never half a snapshot: it is copied into an exclusively created temporary file
// beside its final name (with the database's mode and owner from the start), in
// rollback-journal mode so it opens alone, verified (quick_check, page count, schema
// fingerprint), flushed, hashed, described by a durably written sidecar, and only then renamed
// to its final `.bak` name, which is never an existing file or symlink (backup_files.hpp).
//
// How the pages are copied, raw or through SQLite's backup API, and how a copy is checked is the
// SQLite layer's (sqlite/consistent_read.hpp, raw_copy.hpp, page_copy.hpp, copy_check.hpp).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "belay/backup.hpp"
#include "belay/options.hpp"
#include "core/backup_metadata.hpp"
#include "core/error.hpp"

namespace belay::engine {

struct SnapshotRequest {
    std::filesystem::path database;            // the source database file
    std::filesystem::path directory;           // where the backup goes when `out` is empty
    std::optional<std::filesystem::path> out;  // an exact path instead (`db backup --out`)
    std::string reason;                        // one of the k_reason_* values
    std::string schema_version = "0";          // the source's current version, for the sidecar
    bool verify = true;                        // quick_check + page count + fingerprint
    std::chrono::milliseconds lock_timeout{5000};
    BackupProgress progress;  // may be empty
    // Another connection of this process holds a lock on the database (the migration's write
    // lock). The snapshot then touches the file only through SQLite: a descriptor of belay's
    // own, once closed, would drop that connection's locks (POSIX record-lock semantics).
    bool beside_own_lock = false;
};

// Takes a snapshot of `request.database` as one consistent state: the copy runs inside one read
// transaction of its own connection, so it never restarts, and in WAL mode writers go on
// meanwhile (in rollback-journal mode they wait until the copy is done). Safe to call while
// another connection of this process holds BEGIN IMMEDIATE on the database: the snapshot is
// then exactly the state that connection's transaction starts from.
//
// Fails, leaving no file behind, with snapshot_failed (no room, cannot write, verification
// failed), busy (the source stayed locked past lock_timeout) or interrupted.
Result<Snapshot> take_snapshot(const SnapshotRequest& request);

// The checks of one backup file against its sidecar: SHA-256, then (opened read-only with
// SQLite's defences for untrusted files) quick_check, page count and schema fingerprint. The
// file is opened immutable (OpenMode::immutable_evidence): a -journal or -wal beside it is
// never read, nothing is created beside it, and its bytes never change. A sidecar missing a
// field these checks need (missing_fields) gives one problem starting "unverifiable:" that
// names the sidecar and the fields. An empty list means it is intact. Fails only when the file
// cannot be read at all, or is not a regular file (a FIFO is never waited on).
Result<std::vector<std::string>> verify_backup(const std::filesystem::path& backup,
                                               const BackupMetadata& metadata);

}  // namespace belay::engine
