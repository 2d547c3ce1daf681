// Backups as data: their names and the sidecar (`<name>.bak.json`) that describes each one.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "belay/backup.hpp"
#include "core/error.hpp"

namespace belay {

// The sidecar's JSON text (pretty-printed, stable key order).
std::string to_json_text(const BackupMetadata& metadata);

// Parses a sidecar; fails with invalid_input naming `where` when the JSON is malformed or not an
// object, a field has the wrong type (naming the field and the type it must have), sequence is
// not a whole number from 0 to k_max_sequence, or source, created_at, reason or schema_version
// is missing. A missing field that verification needs (sha256, size_bytes, page_count,
// page_size, schema_fingerprint, and sequence from format 2 on) is named in missing_fields
// instead: the backup is unverifiable. Fails with refused, naming `where` and the belay that
// wrote it, for a format newer than k_sidecar_format: that belay (or a later one) reads it.
Result<BackupMetadata> parse_backup_metadata(std::string_view json, std::string_view where);

// Reads and parses the sidecar file at `sidecar`. Fails with invalid_input naming the file when
// it is not a regular file (a FIFO is never waited on, a symlink never followed), cannot be
// read, or is not a valid sidecar; with refused when a newer belay wrote it.
Result<BackupMetadata> read_backup_metadata(const std::filesystem::path& sidecar);

// The largest sequence a sidecar may hold (2^53 - 1: exact as a JSON number in every reader).
inline constexpr std::int64_t k_max_sequence = (std::int64_t{1} << 53) - 1;

// The highest sequence among the sidecars (`*.bak.json`, regular files only) in `directory`
// that name `source`; 0 when none has one. Unreadable sidecars are left out, and so, unread,
// are sidecars named as another stem's automatic backups (`<other>-YYYYMMDD-HHMMSS.bak.json`):
// `source`'s own are named with `stem` (backup_stem), so a directory shared by a thousand
// databases costs each snapshot a listing, not a thousand sidecars parsed.
std::int64_t highest_sequence(const std::filesystem::path& directory, const std::string& source,
                              std::string_view stem);
// The same over `sidecars`, the names in `directory` a caller already knows can be this
// database's (a watched directory's, backup_directory_index.hpp), instead of a listing.
std::int64_t highest_sequence(const std::filesystem::path& directory, const std::string& source,
                              const std::vector<std::string>& sidecars);

// The sidecar names in `directory` that can be `stem`'s: every `*.bak.json` but the automatic
// names of other stems' backups, from a listing.
std::vector<std::string> list_sidecars_of_stem(const std::filesystem::path& directory,
                                               std::string_view stem);

// The stems whose automatic backup name `name` (a sidecar's) is, as backup_file_name writes it:
// none for a name chosen by hand; two when it reads both with and without a "-<n>" suffix.
std::vector<std::string> automatic_backup_stems(std::string_view name);

// The sequence of a backup written after one with `highest`: one more, but never past
// k_max_sequence (where backups then share it, and created_at and the name order them).
std::int64_t sequence_after(std::int64_t highest);

// "registry" for "/srv/registry.db": the stem backups of this database are named after. A
// symlink is followed: backups of "alias.db -> registry.db" are registry's, whichever name a run
// was given, so one run's leftovers are another's to clean up.
std::string backup_stem(const std::filesystem::path& database);

// "<stem>-YYYYMMDD-HHMMSS.bak" in UTC, or "<stem>-YYYYMMDD-HHMMSS-<n>.bak" for n > 0 (a second
// backup in the same second).
std::string backup_file_name(std::string_view stem, std::chrono::system_clock::time_point when,
                             int n);

// True for "<stem>-YYYYMMDD-HHMMSS.bak" and "<stem>-YYYYMMDD-HHMMSS-<n>.bak" (what
// backup_file_name writes), and for their ".json" sidecars when `or_sidecar`.
bool is_backup_file_name(std::string_view name, std::string_view stem, bool or_sidecar);

// "<stem>-corrupt-YYYYMMDD-HHMMSS.db": where restore moves an unreadable database.
std::string corrupt_file_name(std::string_view stem, std::chrono::system_clock::time_point when);

// "<backup>.json": the sidecar beside a backup file.
std::filesystem::path sidecar_path(const std::filesystem::path& backup);

}  // namespace belay
