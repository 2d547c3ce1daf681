// Reading one migration file: the file name gives version and name, the text gives sections.
//
// The format is rubenv/sql-migrate's, plus belay's additions. A directive is a line that, after
// optional leading whitespace, starts with "--", optional whitespace and "+migrate" (any case):
//
//   -- +migrate Up [notransaction]     the forward SQL; required
//   -- +migrate Down [notransaction]   the reverse SQL; optional
//   -- +migrate Verify                 belay's post-step checks; optional, at most once
//   -- +migrate NoTransaction          run both Up and Down outside a transaction
//   -- +migrate Timeout <seconds>      per-step time limit, e.g. 30 or 2.5
//   -- +migrate StatementBegin / StatementEnd
//                                      sql-migrate's statement grouping; belay splits statements
//                                      with SQLite's own parser, so these only have to balance
//
// Keywords and options are case-insensitive; words after a "--" on a directive line are a comment.
// A section runs from the line after its marker to the line before the next marker (or the end of
// the file). Up and Down may come in several blocks, as sql-migrate allows: the blocks of one
// direction run in file order as one section, their lines keeping their file line numbers, and a
// statement may not run on from one block into the next. Text before the first marker may hold
// only comments and blank lines. Directives are recognised line by line, as sql-migrate does,
// even inside a /* */ comment or a string.
//
// goose's and dbmate's files are read with their own directives and rules (parse_migration with
// their Layout; see migration_directives.hpp and docs/file-format.md): goose allows one Up and
// one Down, Up first, refuses a statement left without ';' at the end of a section, and
// substitutes ${VAR} after "-- +goose ENVSUB ON" (goose_sql.hpp); dbmate pairs each
// "-- migrate:up" block with the "-- migrate:down" block after it, and any block's
// "transaction:false" runs its direction without a transaction. Problems are worded with the
// file's own directives.
#pragma once

#include <chrono>
#include <cstdint>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "belay/migration.hpp"
#include "belay/version.hpp"
#include "core/error.hpp"
#include "core/goose_sql.hpp"

namespace belay {

// The longest timeout a migration, a step or a lock wait may be given (10^9 s).
inline constexpr double k_max_timeout_seconds = 1e9;
inline constexpr std::chrono::milliseconds k_max_timeout{
    static_cast<std::int64_t>(k_max_timeout_seconds) * 1000};

// Splits "<version>_<name>.sql" into its version (one or more ASCII digits, kept as text) and its
// non-empty name: "0001_create_users.sql" -> ("0001", "create_users"). The ".sql" suffix is
// case-sensitive, as in sql-migrate. Returns std::nullopt for any other file name.
std::optional<std::pair<Version, std::string>> parse_migration_file_name(
    std::string_view file_name);

// Parses the migration read from `path` (whose file name must match parse_migration_file_name)
// with the given `contents`, a file of `layout` (sql_migrate, goose or dbmate), and fills every
// field of Migration; CRLF line ends are accepted and the sections' text uses LF. The checksum is
// migration_checksum(contents). goose's ENVSUB reads variables through `environment` (the
// process's environment when it is empty).
//
// Fails with ErrorCode::invalid_input when the file name does not match or the text breaks the
// format above: no Up section, a section its layout does not allow again, SQL before the first
// marker, an unknown directive or option, a bad Timeout, an unbalanced or nested
// StatementBegin/StatementEnd, a statement cut by a section marker, a substitution that fails,
// a NUL byte (see check_no_nul_byte). The message lists every problem found, one per line, each
// as "<path>:<line>: ..." (or "<path>: ..." for problems of the whole file), and says how to fix
// it.
Result<Migration> parse_migration(std::filesystem::path path, std::string_view contents,
                                  Layout layout = Layout::sql_migrate,
                                  const EnvironmentLookup& environment = {});

// As parse_migration, for text whose directives were translated into sql-migrate's by the
// caller: parses `translated` and takes the checksum of `original`, the file as written, so that
// the checksum is computed once and matches the file on disk.
Result<Migration> parse_translated_migration(std::filesystem::path path,
                                             std::string_view translated,
                                             std::string_view original);

// Fails with ErrorCode::invalid_input, as "<path>:<line>: ...", when `contents` holds a NUL byte.
// SQLite reads SQL only up to a NUL, so whatever follows one would never run (and belay's runner
// could not move past it); a file saved as UTF-16 is the usual cause. Only the first is reported.
Result<void> check_no_nul_byte(const std::filesystem::path& path, std::string_view contents);

}  // namespace belay
