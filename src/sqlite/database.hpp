// RAII over one sqlite3 connection.
//
// Every SQLite result code is checked; failures come back as Error values whose message carries
// SQLite's own text and the database path. SQLITE_BUSY and SQLITE_LOCKED map to ErrorCode::busy
// so that callers can report "another process holds the database" with the documented code.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "sqlite/fifo_safe_open.hpp"

struct sqlite3;

namespace belay::sqlite {

// The SQLite library belay runs with: its version ("3.52.0"), its source id (the date and hash
// of its check-in), and whether it is the one built into belay (BELAY_SQLITE=bundled) rather
// than the system's library.
std::string_view library_version();
std::string_view library_source_id();
bool library_is_bundled();

class Statement;

enum class OpenMode {
    // Never creates the file, never writes (status, version, dry-run source). A WAL database is
    // opened read-write with PRAGMA query_only, so that the last connection to close removes
    // the -wal/-shm files SQLite needs for reading; a read-only connection would leave them.
    read_only,
    read_write,         // the file must exist
    read_write_create,  // creates an empty database if the file does not exist (migrate only)
    // A file belay has just created itself (a backup being written): read-write, and a symlink
    // at its name is refused rather than followed. Symlinks elsewhere in a user's paths are
    // followed everywhere.
    own_file,
    // Read-only while another connection of this process holds locks on the same file (the
    // snapshot taken under a migration's write lock). belay must not open and close its own
    // descriptor on the file then: POSIX drops all of a process's locks on a file when any
    // descriptor for it is closed. So no header inspection, and plain SQLITE_OPEN_READONLY (the
    // other connection keeps any -wal/-shm in place).
    read_only_beside_own_lock,
    // A backup read back as evidence: read-only through SQLite's `immutable=1` URI, so SQLite
    // reads exactly the file's bytes (what its SHA-256 covers) and nothing else: no -journal
    // rolled back into it, no -wal replayed, no lock, no -shm/-wal/-journal created beside it.
    // The path itself must be a regular file (a symlink, FIFO or directory is refused).
    immutable_evidence,
};

class Database {
  public:
    // Opens `path`. Fails with invalid_input if the file is missing (unless read_write_create),
    // is not an SQLite database (checked by reading the header before SQLite touches it), or
    // cannot be opened; the message names the path. Foreign keys start as SQLite's default (off).
    // Until a caller installs its own busy handler, a locked database is waited for up to
    // `busy_timeout`, then reported as ErrorCode::busy.
    static Result<Database> open(const std::filesystem::path& path, OpenMode mode,
                                 std::chrono::milliseconds busy_timeout = std::chrono::seconds(5));

    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    ~Database();

    sqlite3* handle() const { return m_db.get(); }
    const std::filesystem::path& path() const { return m_path; }
    // The busy timeout set at open; handlers installed later restore it when they go.
    std::chrono::milliseconds busy_timeout() const { return m_busy_timeout; }
    // The file the connection opened (device and inode), when SQLite's open was seen
    // (fifo_safe_open.hpp); compare it with what a path named before, to catch a swap.
    const std::optional<FileIdentity>& opened_file() const { return m_opened_file; }

    // Runs every statement of `sql` (no results expected). On error nothing is rolled back here:
    // callers own transactions.
    Result<void> exec(std::string_view sql);

    // Compiles one statement. Fails if `sql` does not compile.
    Result<Statement> prepare(std::string_view sql);

    // Convenience for single-value queries; fails if the query fails or returns no row.
    Result<std::string> query_text(std::string_view sql);
    Result<std::int64_t> query_int(std::string_view sql);

    // A number that changes when another connection commits to the file (never for this
    // connection's own commits): while it holds, what this connection read is still true.
    Result<std::int64_t> data_version();

    // True while a transaction is open on this connection.
    bool in_transaction() const;

    // An Error built from the connection's last SQLite error, prefixed with `what`.
    Error last_error(std::string_view what) const;

    // For a file belay did not just write (a backup read back from disk): SQLite's defences
    // for possibly tampered files (defensive mode, trusted_schema off, cell_size_check on).
    Result<void> harden_for_untrusted_content();

    // Closes the connection, reporting failure (e.g. unfinalized statements). Idempotent.
    Result<void> close();

  private:
    struct Closer {
        void operator()(sqlite3* db) const;
    };
    Database(std::unique_ptr<sqlite3, Closer> db, std::filesystem::path path);
    // The statement positioned on its first row; fails when there is none.
    Result<Statement> query_first_row(std::string_view sql);
    static Result<Database> open_impl(const std::filesystem::path& path, OpenMode mode,
                                      std::chrono::milliseconds busy_timeout, bool may_roll_back);
    static Result<Database> open_after_rollback(const std::filesystem::path& path,
                                                std::chrono::milliseconds busy_timeout);

    std::unique_ptr<sqlite3, Closer> m_db;
    std::filesystem::path m_path;
    std::chrono::milliseconds m_busy_timeout{0};
    std::optional<FileIdentity> m_opened_file;
};

// Maps an SQLite primary result code to belay's error category (busy for BUSY/LOCKED).
ErrorCode error_code_for_sqlite(int result_code);

// sqlite3_errmsg of `db`'s last error, and what it means where its words do not say
// ("attempt to write a readonly database" for a file moved or replaced under the connection).
std::string last_sqlite_message(sqlite3* db);

enum class FileKind {
    empty,             // zero bytes: a valid, empty database
    rollback_journal,  // SQLite header, rollback-journal mode (header bytes 18/19 = 1)
    wal,               // SQLite header, WAL mode (header bytes 18/19 = 2)
    not_sqlite,        // anything else
};

// Reads the first 100 bytes of `path` to tell what it is, before SQLite opens it. Fails if
// the file cannot be read.
Result<FileKind> inspect_database_file(const std::filesystem::path& path);

// inspect_database_file, failing with invalid_input ("not an SQLite database ... left it
// untouched") for a file that is not one, and ("is damaged ... looks cut short") for one whose
// size is not a whole number of pages or short of the page count its header records.
Result<FileKind> refuse_non_database(const std::filesystem::path& path);

// Fails with invalid_input, naming the path and what to do, when this user cannot write the
// database file (if it exists) or create files in its directory (SQLite's -journal, -wal and
// -shm, belay's run lock): checked before a command that writes the database changes anything.
Result<void> refuse_unwritable_database(const std::filesystem::path& path);

// True when `message` (an error SQLite gave, with belay's context around it) says a write ran out
// of room: SQLite's "database or disk is full", or the OS's ENOSPC or EFBIG reason after its
// "disk I/O error".
bool is_out_of_room(std::string_view message);

// Refuses (refused) a database file with more than one name (hard links): SQLite keeps the
// journal beside the name it opened, so a crash under one name is not rolled back under another,
// and belay's run lock cannot keep out a run through another name. Every writing open checks it.
Result<void> refuse_hard_links(const std::filesystem::path& path);

// The directory half of refuse_unwritable_database: new files can be made beside `path`.
Result<void> refuse_unwritable_directory_of(const std::filesystem::path& path);

}  // namespace belay::sqlite
