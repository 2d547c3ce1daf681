// Drizzle's migrations folder, read as drizzle-kit writes it and drizzle-orm's migrator reads it:
//
//   <folder>/meta/_journal.json      {"version", "dialect", "entries": [{"idx", "version",
//                                     "when", "tag", "breakpoints"}, ...]}
//   <folder>/<tag>.sql               one per entry, e.g. 0000_brave_hulk.sql
//   <folder>/meta/<idx>_snapshot.json drizzle-kit's schema snapshots (not read)
//
// The journal, not the file names, gives the order. Drizzle splits a file's text at every
// "--> statement-breakpoint" and runs the pieces one after another; belay keeps the pieces
// apart the same way (see drizzle_statements). A migration's version is its entry's idx,
// spelled as the tag's leading digits ("0007" for 0007_x), so that "<version>_<name>" is the
// tag; its name is the rest of the tag. Drizzle has no down migrations.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "belay/migration.hpp"
#include "core/error.hpp"
#include "core/problems.hpp"

namespace belay {

// The text that separates two of Drizzle's statements.
inline constexpr std::string_view k_drizzle_breakpoint = "--> statement-breakpoint";

// One entry of meta/_journal.json.
struct DrizzleEntry {
    std::int64_t idx = 0;
    std::int64_t when = 0;  // milliseconds since the epoch; Drizzle's history keeps it
    std::string tag;        // the file's name without ".sql"
};

// The journal as read, checked entry by entry.
struct DrizzleJournal {
    std::filesystem::path path;  // <folder>/meta/_journal.json
    std::vector<DrizzleEntry> entries;
};

// <folder>/meta/_journal.json.
std::filesystem::path drizzle_journal_path(const std::filesystem::path& folder);

// Whether `folder` is drizzle-kit's, for detecting the layout: it holds meta/_journal.json in any
// form (a directory, a FIFO or a dangling link too, which read_drizzle_journal refuses), or
// drizzle-kit's snapshots (meta/<idx>_snapshot.json) without it.
bool is_drizzle_folder(const std::filesystem::path& folder);

// Whether `folder` holds meta/_journal.json (a regular file, or a symlink to one).
bool has_drizzle_journal(const std::filesystem::path& folder);

// Reads and checks the journal. Fails with invalid_input naming the journal (and the line and
// column of malformed JSON, or the entry and field) when it is missing, not JSON, not a Drizzle
// journal, of a dialect other than sqlite (or turso, libSQL's), or when an entry lacks a field,
// two entries share an idx or a tag, or the idx do not rise along the list.
Result<DrizzleJournal> read_drizzle_journal(const std::filesystem::path& folder);

// Every migration of the folder in the journal's order. Fails with invalid_input listing every
// problem: the journal's, a tag without its file, a .sql file the journal does not name, a file
// that cannot be read or holds a NUL byte, a breakpoint inside a string, a quoted name or a
// comment. Other files (drizzle-kit's schema.ts, migrations.js) and folders are not read.
Result<std::vector<Migration>> load_drizzle_folder(const std::filesystem::path& folder);

// `text` (one file's) as belay runs it: every breakpoint made into a ';' and spaces of the same
// length, so that each of Drizzle's pieces ends where Drizzle ends it (a piece without a final
// ';' included) while lines and offsets stay those of the file. A breakpoint inside a string,
// a quoted name or a comment would cut it in two for Drizzle: each is added to `problems` as
// "<path>:<line>: ...", and the text is returned unchanged there.
std::string drizzle_statements(std::string_view text, const std::filesystem::path& path,
                               Problems& problems);

// The journal `journal_text` with `entry` appended as drizzle-kit appends one (its "version"
// the last entry's, else "6"; "breakpoints": true), written back as drizzle-kit writes it
// (JSON.stringify with the indentation the file uses, two spaces when it has none; a final
// newline kept when the file had one). Fails with invalid_input as read_drizzle_journal does.
Result<std::string> drizzle_journal_with(std::string_view journal_text,
                                         const std::filesystem::path& path,
                                         const DrizzleEntry& entry);

// The journal of a new, empty folder, as drizzle-kit starts one.
std::string new_drizzle_journal();

// drizzle-kit's snapshot for a migration written by hand (`drizzle-kit generate --custom`):
// the previous snapshot `previous_text` with a new "id" (`id`), "prevId" its old id, and an
// empty "_meta". Fails with invalid_input when the snapshot is not a JSON object.
Result<std::string> drizzle_custom_snapshot(std::string_view previous_text,
                                            const std::filesystem::path& path,
                                            const std::string& id);

// Whether `hash`, as Drizzle's __drizzle_migrations records it, is the hash of `migration`'s
// file: drizzle-orm up to 0.45 hashes the file as stored (SHA-256, lowercase hex), later
// versions with CRLF read as LF (belay's own checksum). Reads the file for the first kind;
// false when it cannot.
bool drizzle_hash_matches(const Migration& migration, const std::string& hash);

}  // namespace belay
