// Backups, as the calls of belay/api.hpp that take, list, verify and prune them speak of them
// (restoring one: belay/restore.hpp). Every backup is a `<stem>-YYYYMMDD-HHMMSS.bak` file beside a
// JSON sidecar
// `<name>.bak.json` that names its source database, its SHA-256 and the schema version.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "belay/error.hpp"
#include "belay/options.hpp"

namespace belay {

// Why a backup was taken; stored in the sidecar.
inline constexpr std::string_view k_reason_before_migrate = "before migrate";
inline constexpr std::string_view k_reason_before_down = "before down";
inline constexpr std::string_view k_reason_before_restore = "before restore";
inline constexpr std::string_view k_reason_manual = "manual";
inline constexpr std::string_view k_reason_before_exec = "before exec";

// The sidecar format this belay writes. 1: every sidecar before "format" and "sequence" existed
// (no "format" key); 2: adds them. Every sidecar belay has written holds every other field.
inline constexpr int k_sidecar_format = 2;

struct BackupMetadata {
    std::string source;              // absolute path of the database it was taken from
    std::string created_at;          // UTC ISO-8601
    std::string reason;              // one of the k_reason_* values
    std::string schema_version;      // the database's version at the time ("0" when none)
    std::string sha256;              // of the .bak file's bytes
    std::uintmax_t size_bytes = 0;   // of the .bak file
    std::int64_t page_count = 0;     // pages copied
    std::int64_t page_size = 0;      // bytes per page
    std::string schema_fingerprint;  // of the copied schema
    bool verified = false;           // quick_check, page count and fingerprint passed at creation
    std::string belay_version;       // the belay that wrote it
    // One more than the highest sequence among this database's backups in the directory it was
    // written to: the order backups were taken in, whatever the clock said. 0 in a format-1
    // sidecar, which predates it. (Added last, like `format`: positional initialisers stay valid.)
    std::int64_t sequence = 0;
    int format = k_sidecar_format;  // the sidecar format it was written in
    // Read, never written: the fields verification needs that the sidecar lacks although its
    // format has them (a damaged or edited sidecar). Not empty: the backup is unverifiable.
    std::vector<std::string> missing_fields;
};

struct BackupOptions {
    DatabaseOptions db;
    std::optional<std::filesystem::path> out;  // this path exactly, instead of a named file
    bool verify = true;                        // false: the copy is not verified
    std::string reason = std::string(k_reason_manual);
    BackupProgress progress;
};

// A verified backup file on disk.
struct Snapshot {
    std::filesystem::path path;  // the final `<stem>-YYYYMMDD-HHMMSS.bak`
    BackupMetadata metadata;     // what its sidecar (`<path>.json`) says
    // Copied raw (main file, plus the snapshot's WAL frames) rather than with SQLite's backup
    // API, which serves when a WAL snapshot cannot be pinned; the two give the same pages.
    bool raw_copy = false;
};

struct BackupEntry {
    std::filesystem::path path;  // the .bak file
    BackupMetadata metadata;     // from its sidecar
    // Filled by verification: empty when intact, else what is wrong. Unset when not checked.
    std::optional<std::vector<std::string>> problems;
};

struct PruneOptions {
    DatabaseOptions db;
    std::optional<int> keep;       // keep the newest N (default 10 when neither is given)
    std::optional<int> keep_days;  // keep those younger than D days
    bool dry_run = false;
    // A backup never removed, whatever the rules say: the snapshot taken by the run that prunes.
    std::optional<std::filesystem::path> protect;
};

struct PruneReport {
    std::vector<BackupEntry> removed;  // (or would be, with dry_run)
    std::vector<BackupEntry> kept;
    std::uintmax_t bytes_freed = 0;
    int abandoned_removed = 0;  // temporaries and sidecars a killed belay left behind
};

inline constexpr int k_default_keep = 10;

}  // namespace belay
