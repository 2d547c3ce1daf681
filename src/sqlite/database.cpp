#include "sqlite/database.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>

#include "belay/cancellation.hpp"
#include "core/durable_file.hpp"
#include "core/regular_file.hpp"
#include "sqlite/busy_wait.hpp"
#include "sqlite/fifo_safe_open.hpp"
#include "sqlite/sqlite_hints.hpp"
#include "sqlite/statement.hpp"

namespace belay::sqlite {

std::string_view library_version() {
    return sqlite3_libversion();
}

std::string_view library_source_id() {
    return sqlite3_sourceid();
}

bool library_is_bundled() {
    return BELAY_SQLITE_BUNDLED != 0;
}

void Database::Closer::operator()(sqlite3* db) const {
    // sqlite3_close_v2 defers the close until the last statement is finalized; nothing to report
    // from a destructor. Database::close() is the path that reports errors.
    sqlite3_close_v2(db);
}

Database::Database(std::unique_ptr<sqlite3, Closer> db, std::filesystem::path path)
    : m_db(std::move(db)), m_path(std::move(path)) {}

Database::Database(Database&& other) noexcept = default;
Database& Database::operator=(Database&& other) noexcept = default;
Database::~Database() = default;

ErrorCode error_code_for_sqlite(int result_code) {
    switch (result_code & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            // The busy wait gives up at once on a signal (busy_wait.hpp): that is an interruption.
            return cancellation_requested() ? ErrorCode::interrupted : ErrorCode::busy;
        case SQLITE_INTERRUPT:
            return ErrorCode::interrupted;
        default:
            return ErrorCode::step_failed;
    }
}

namespace {

// The first 100 bytes of a file (fewer when it is shorter): SQLite's database header.
struct FileHeader {
    std::array<unsigned char, 100> bytes{};
    std::streamsize size = 0;
};

// Without blocking: open() of a FIFO for reading waits for a writer, for ever when none comes.
// A symlink to a regular file is followed (a database may be reached through one).
Result<FileHeader> read_header(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        return fail(path, ErrorCode::invalid_input, "cannot read {}: {}", path.string(),
                    std::strerror(errno));
    }
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        return fail(path, ErrorCode::invalid_input,
                    "{} is not a regular file (a FIFO, a device or a directory); give the path "
                    "of an SQLite database file",
                    path.string());
    }
    FileHeader header;
    const auto count = ::pread(fd, header.bytes.data(), header.bytes.size(), 0);
    const int read_errno = errno;
    ::close(fd);
    if (count < 0) {
        return fail(path, ErrorCode::invalid_input, "cannot read {}: {}", path.string(),
                    std::strerror(read_errno));
    }
    header.size = count;
    return header;
}

FileKind kind_of(const FileHeader& header) {
    if (header.size == 0) {
        return FileKind::empty;
    }
    static constexpr std::string_view k_magic{"SQLite format 3\0", 16};
    const std::string_view start(reinterpret_cast<const char*>(header.bytes.data()), 16);
    if (header.size < 100 || start != k_magic) {
        return FileKind::not_sqlite;
    }
    return header.bytes[18] == 2 && header.bytes[19] == 2 ? FileKind::wal
                                                          : FileKind::rollback_journal;
}

}  // namespace

Result<FileKind> inspect_database_file(const std::filesystem::path& path) {
    auto header = read_header(path);
    BELAY_TRY(header);
    return kind_of(*header);
}

namespace {

std::uint32_t big_endian(const unsigned char* bytes, int count) {
    std::uint32_t value = 0;
    for (int i = 0; i < count; ++i) {
        value = (value << 8) | bytes[i];
    }
    return value;
}

// Whether `path`'s size fits its header: a whole number of pages and at least the page count
// the header records (when SQLite trusts that count, and no -wal holds pages the main file has
// not taken in yet). A file cut short
// (a truncated copy, a full disk mid-copy) fails; SQLite would read its missing tail as zeros
// or call it malformed. Unless `alone` (an immutable open reads the main file only), skipped
// while a -journal is beside it: rolling that back (SQLite does it on the next read-write open)
// may restore the file's length.
Result<void> refuse_truncated(const std::filesystem::path& path, const FileHeader& file,
                              bool alone) {
    std::error_code ec;
    if (!alone && std::filesystem::file_size(path.string() + "-journal", ec) > 0 && !ec) {
        return {};
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) {
        return {};  // unreadable: opening it reports why
    }
    const auto kind = kind_of(file);
    const auto& header = file.bytes;
    const auto raw_page_size = big_endian(&header[16], 2);
    const std::uintmax_t page_size = raw_page_size == 1 ? 65536 : raw_page_size;
    if (page_size < 512 || (page_size & (page_size - 1)) != 0) {
        return {};  // not a size SQLite accepts: it refuses the file itself
    }
    const auto header_pages = big_endian(&header[28], 4);
    const bool count_trusted =
        header_pages != 0 && big_endian(&header[24], 4) == big_endian(&header[92], 4);
    // In WAL mode pages may live in a -wal the main file has not taken in yet.
    const bool wal_pending = !alone && kind == FileKind::wal &&
                             std::filesystem::file_size(path.string() + "-wal", ec) > 0 && !ec;
    const bool short_of_count =
        !wal_pending && count_trusted && size < std::uintmax_t{header_pages} * page_size;
    if (size % page_size == 0 && !short_of_count) {
        return {};
    }
    const auto what =
        size % page_size != 0
            ? fmt::format("not a whole number of {}-byte pages", page_size)
            : fmt::format("but its header records {} pages of {} bytes ({} bytes)", header_pages,
                          page_size, std::uintmax_t{header_pages} * page_size);
    return fail(path, ErrorCode::invalid_input,
                "{} is damaged: it is {} bytes, {}; it looks cut short. belay left it untouched. "
                "Restore a backup ({}) or try sqlite3's .recover on a copy",
                path.string(), size, what,
                run(Command::restore,
                    {argument(Option::database, path.string()), argument(Option::latest)}));
}

}  // namespace

namespace {

Result<FileKind> refuse_non_database_impl(const std::filesystem::path& path, bool alone) {
    auto header = read_header(path);
    BELAY_TRY(header);
    const auto kind = kind_of(*header);
    if (kind == FileKind::not_sqlite) {
        return fail(path, ErrorCode::invalid_input,
                    "{} is not an SQLite database (its header does not match); belay left it "
                    "untouched. Check {}",
                    path.string(), Option::database);
    }
    if (kind != FileKind::empty) {
        BELAY_TRY(refuse_truncated(path, *header, alone));
    }
    return kind;
}

}  // namespace

Result<FileKind> refuse_non_database(const std::filesystem::path& path) {
    return refuse_non_database_impl(path, false);
}

Result<void> refuse_unwritable_database(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec) &&
        ::faccessat(AT_FDCWD, path.c_str(), W_OK, AT_EACCESS) != 0) {
        return fail(path, ErrorCode::invalid_input,
                    "{} cannot be written by this user ({}); belay must write it. Make it "
                    "writable (chmod u+w {}) or run belay as its owner. Nothing was changed",
                    path.string(), std::strerror(errno), path.string());
    }
    return refuse_unwritable_directory_of(path);
}

Result<void> refuse_unwritable_directory_of(const std::filesystem::path& path) {
    const auto directory =
        path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    if (::faccessat(AT_FDCWD, directory.c_str(), W_OK | X_OK, AT_EACCESS) != 0) {
        return fail(directory, ErrorCode::invalid_input,
                    "cannot write in {}, the directory of {} ({}): SQLite creates its -journal "
                    "or -wal file there, and belay its run lock. Make the directory writable for "
                    "this user or run belay as its owner. Nothing was changed",
                    directory.string(), path.string(), std::strerror(errno));
    }
    return {};
}

namespace {

// SQLite opens the -journal, -wal and -shm beside a database as they are: a FIFO there blocks
// the open for ever (a directory fails it with a confusing error). Anything there that is not a
// regular file is refused, naming it, before SQLite looks.
// SQLite resolves a symlinked database name first: the companions it opens are those of the file
// the link points at, so those are the ones looked at.
Result<void> refuse_odd_companions(const std::filesystem::path& path) {
    const auto file = follow_symlinks(path);
    for (const char* suffix : {"-journal", "-wal", "-shm"}) {
        const std::filesystem::path companion = file.string() + suffix;
        std::error_code ec;
        const auto status = std::filesystem::symlink_status(companion, ec);
        if (ec || !std::filesystem::exists(status) || std::filesystem::is_regular_file(status)) {
            continue;
        }
        return fail(companion, ErrorCode::invalid_input,
                    "{} is not a regular file (SQLite would open it as the database's {} file and "
                    "could block or fail); move it away, then run belay again. Nothing was "
                    "changed",
                    companion.string(), suffix + 1);
    }
    return {};
}

// What the file at `path` is (empty for a file that does not exist yet, when mode allows
// creating it); refuses anything SQLite should not open.
Result<FileKind> check_openable(const std::filesystem::path& path, OpenMode mode) {
    std::error_code ec;
    if (mode != OpenMode::immutable_evidence) {
        BELAY_TRY(refuse_odd_companions(path));
    }
    if (mode == OpenMode::immutable_evidence) {
        // Only the bytes of a regular file are evidence; a symlink at its name is not followed.
        if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(path, ec))) {
            return fail(path, ErrorCode::invalid_input,
                        "{} does not exist or is not a regular file", path.string());
        }
        return refuse_non_database_impl(path, true);
    }
    const auto status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status)) {
        if (mode == OpenMode::read_write_create) {
            return FileKind::empty;
        }
        return fail(path, ErrorCode::invalid_input,
                    "database {} does not exist; check {} ({} creates it)", path.string(),
                    Option::database, run(Command::migrate));
    }
    if (!std::filesystem::is_regular_file(status)) {
        return fail(path, ErrorCode::invalid_input,
                    "database path {} is {}, not a regular file; give the path of an SQLite "
                    "database file",
                    path.string(), non_regular_kind(follow_symlinks(path)));
    }
    if (mode == OpenMode::read_write || mode == OpenMode::read_write_create) {
        BELAY_TRY(refuse_hard_links(path));
    }
    return refuse_non_database(path);
}

int open_flags(OpenMode mode, FileKind kind) {
    const int common = SQLITE_OPEN_NOMUTEX;
    switch (mode) {
        case OpenMode::read_only:
            return common | (kind == FileKind::wal ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY);
        case OpenMode::read_write:
            return common | SQLITE_OPEN_READWRITE;
        case OpenMode::read_write_create:
            return common | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
        case OpenMode::own_file:
            return common | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW;
        case OpenMode::read_only_beside_own_lock:
            return common | SQLITE_OPEN_READONLY;
        case OpenMode::immutable_evidence:
            return common | SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
    }
    return common | SQLITE_OPEN_READONLY;
}

// "file:/abs/path?immutable=1", the path percent-encoded as SQLite's URI parser expects (a '?',
// '#' or '%' in a file name would otherwise end or change the path).
std::string immutable_uri(const std::filesystem::path& path) {
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(path, ec);
    std::string uri = "file:";
    for (const unsigned char c : (ec ? path : absolute).string()) {
        const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '_' || c == '-' ||
                           c == '~';
        uri += plain ? std::string(1, static_cast<char>(c)) : fmt::format("%{:02X}", c);
    }
    return uri + "?immutable=1";
}

// What sqlite3_open_v2 is given for `path` in `mode`.
std::string open_name(const std::filesystem::path& path, OpenMode mode) {
    std::error_code ec;
    switch (mode) {
        case OpenMode::own_file:
            // SQLITE_OPEN_NOFOLLOW refuses a symlink anywhere in the path, so an own file is
            // opened through its directory's real path: only a symlink at its own name is
            // refused.
            return (std::filesystem::weakly_canonical(
                        path.parent_path().empty() ? "." : path.parent_path(), ec) /
                    path.filename())
                .string();
        case OpenMode::immutable_evidence:
            return immutable_uri(path);
        default:
            return path.string();
    }
}

}  // namespace

// A crash left a hot journal: the committed state is the file with that journal rolled back,
// which only a read-write connection can do (as any SQLite reader with write access would).
// Roll it back, then open read-only as asked.
Result<Database> Database::open_after_rollback(const std::filesystem::path& path,
                                               std::chrono::milliseconds busy_timeout) {
    auto writer = open(path, OpenMode::read_write, busy_timeout);
    if (!writer) {
        return fail(
            writer.error().code == ErrorCode::busy ? ErrorCode::busy : ErrorCode::invalid_input,
            "{} has a hot journal from an interrupted transaction and it could not be "
            "rolled back: {}",
            path.string(), writer.error().message);
    }
    BELAY_TRY(writer->close());
    return open_impl(path, OpenMode::read_only, busy_timeout, false);
}

Result<Database> Database::open(const std::filesystem::path& path, OpenMode mode,
                                std::chrono::milliseconds busy_timeout) {
    // The file the error is about, unless it names another (a FIFO at its -wal's name). A busy
    // database is about another connection, not the file: no path (belay/error.hpp).
    auto db = open_impl(path, mode, busy_timeout, true);
    if (!db && db.error().code == ErrorCode::busy) {
        return db;
    }
    return about(path, std::move(db));
}

namespace {

// Opens the handle as `mode` wants (the handle may be set even when the result code is not
// SQLITE_OK: it holds the error message). A WAL database without write permission is then
// opened read-only as a rollback-journal one would be, even if SQLite leaves -wal/-shm behind.
std::pair<sqlite3*, int> open_handle(const std::filesystem::path& path, OpenMode mode,
                                     FileKind kind) {
    const auto name = open_name(path, mode);
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(name.c_str(), &raw, open_flags(mode, kind), nullptr);
    if (rc == SQLITE_CANTOPEN && mode == OpenMode::read_only && kind == FileKind::wal) {
        sqlite3_close_v2(raw);
        raw = nullptr;
        rc = sqlite3_open_v2(path.c_str(), &raw, open_flags(mode, FileKind::rollback_journal),
                             nullptr);
    }
    return {raw, rc};
}

// A read-only look must leave the files as found: closing the last connection would otherwise
// checkpoint the -wal into the main file and delete -wal and -shm. (Without a -shm, SQLite
// creates one; then the checkpoint and its clean-up are what leave the fewest new files.)
void keep_wal_as_found(sqlite3* raw, const std::filesystem::path& path, OpenMode mode,
                       FileKind kind) {
    std::error_code ec;
    if (mode == OpenMode::read_only && kind == FileKind::wal &&
        std::filesystem::file_size(path.string() + "-wal", ec) > 0 && !ec &&
        std::filesystem::exists(path.string() + "-shm", ec)) {
        sqlite3_db_config(raw, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    }
}

// What the first read of the schema failing means: a lock held past the timeout (busy, with
// what to do), or else a file that is not a usable database (invalid_input).
Error first_read_failed(Error error, std::chrono::milliseconds busy_timeout) {
    if (error.code == ErrorCode::interrupted) {
        return error;  // a signal ended the wait for a lock: nothing is wrong with the file
    }
    if (error.code != ErrorCode::busy) {
        error.code = ErrorCode::invalid_input;
        return error;
    }
    append(error, said(": another connection held a lock on it for longer than the lock timeout "
                       "({} ms); wait for that program to finish (or stop it) and run again, or "
                       "raise {}",
                       busy_timeout.count(), Option::lock_timeout));
    return error;
}

}  // namespace

Result<Database> Database::open_impl(const std::filesystem::path& path, OpenMode mode,
                                     std::chrono::milliseconds busy_timeout, bool may_roll_back) {
    auto kind = mode == OpenMode::read_only_beside_own_lock ? Result<FileKind>(FileKind::empty)
                                                            : check_openable(path, mode);
    BELAY_TRY(kind);
    install_fifo_safe_open();
    const FirstOpenRecorder recorder;
    const auto [raw, rc] = open_handle(path, mode, *kind);
    std::unique_ptr<sqlite3, Closer> db(raw);
    if (rc != SQLITE_OK) {
        const char* message = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
        return fail(error_code_for_sqlite(rc) == ErrorCode::busy ? ErrorCode::busy
                                                                 : ErrorCode::invalid_input,
                    "cannot open database {}: {}", path.string(), message);
    }
    sqlite3_extended_result_codes(raw, 1);
    set_busy_wait(raw, busy_timeout);
    keep_wal_as_found(raw, path, mode, *kind);
    Database database(std::move(db), path);
    database.m_opened_file = recorder.file();
    database.m_busy_timeout = busy_timeout;
    if (mode == OpenMode::read_only || mode == OpenMode::read_only_beside_own_lock ||
        mode == OpenMode::immutable_evidence) {
        BELAY_TRY(database.exec("PRAGMA query_only = ON"));
    }
    // Reading the schema proves the file is a usable database before anything else happens.
    if (auto ok = database.exec("SELECT count(*) FROM sqlite_schema"); !ok) {
        if (mode == OpenMode::read_only && may_roll_back &&
            sqlite3_extended_errcode(database.handle()) == SQLITE_READONLY_ROLLBACK) {
            return open_after_rollback(path, busy_timeout);
        }
        return std::unexpected(first_read_failed(ok.error(), busy_timeout));
    }
    return database;
}

Result<void> Database::exec(std::string_view sql) {
    std::string text(sql);
    char* message = nullptr;
    const int rc = sqlite3_exec(m_db.get(), text.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string detail =
            with_newer_sqlite_hint(message != nullptr ? message : sqlite3_errstr(rc));
        sqlite3_free(message);
        return fail(error_code_for_sqlite(rc), "{}: {}", m_path.string(), detail);
    }
    return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    const int rc =
        sqlite3_prepare_v2(m_db.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) {
        return std::unexpected(last_error("cannot prepare statement"));
    }
    return Statement(m_db.get(), stmt);
}

Result<Statement> Database::query_first_row(std::string_view sql) {
    auto statement = prepare(sql);
    if (!statement) {
        return statement;
    }
    auto row = statement->step();
    BELAY_TRY(row);
    if (!*row) {
        return fail(ErrorCode::step_failed, "{}: query returned no row: {}", m_path.string(), sql);
    }
    return statement;
}

// (GCC 12's std::expected has no transform(): hence the spelled-out forms.)
Result<std::string> Database::query_text(std::string_view sql) {
    auto row = query_first_row(sql);
    BELAY_TRY(row);
    return row->column_text(0);
}

Result<std::int64_t> Database::data_version() {
    return query_int("PRAGMA data_version");
}

Result<std::int64_t> Database::query_int(std::string_view sql) {
    auto row = query_first_row(sql);
    BELAY_TRY(row);
    return row->column_int(0);
}

Result<void> Database::harden_for_untrusted_content() {
    if (sqlite3_db_config(m_db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr) != SQLITE_OK) {
        return std::unexpected(last_error("cannot enable defensive mode"));
    }
    return exec("PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON");
}

bool Database::in_transaction() const {
    return sqlite3_get_autocommit(m_db.get()) == 0;
}

std::string last_sqlite_message(sqlite3* db) {
    std::string message = sqlite3_errmsg(db);
    if (sqlite3_extended_errcode(db) == SQLITE_READONLY_DBMOVED) {
        message +=
            " (the database file was moved, replaced or deleted while belay had it open, so "
            "SQLite let nothing more be written to it; find what moved it, then run again)";
    }
    return message;
}

Error Database::last_error(std::string_view what) const {
    const int rc = sqlite3_extended_errcode(m_db.get());
    return error_of(error_code_for_sqlite(rc),
                    fmt::format("{}: {}: {}", m_path.string(), what,
                                with_newer_sqlite_hint(last_sqlite_message(m_db.get()))));
}

Result<void> Database::close() {
    if (!m_db) {
        return {};
    }
    const int rc = sqlite3_close(m_db.get());
    if (rc != SQLITE_OK) {
        auto error = last_error("cannot close database");
        error.code = ErrorCode::step_failed;  // a statement left open is a bug, not "busy"
        return std::unexpected(error);
    }
    (void)m_db.release();
    return {};
}

bool is_out_of_room(std::string_view message) {
    return message.find(sqlite3_errstr(SQLITE_FULL)) != std::string_view::npos ||
           message.find(std::strerror(ENOSPC)) != std::string_view::npos ||
           message.find(std::strerror(EFBIG)) != std::string_view::npos;
}

Result<void> refuse_hard_links(const std::filesystem::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0 || info.st_nlink <= 1) {
        return {};
    }
    return fail(
        path, ErrorCode::refused,
        "{} has {} names (hard links to one file): SQLite keeps a database's journal "
        "beside the name it was opened by, so a crash under one name could not be rolled "
        "back under another, and belay's run lock could not keep out a run through "
        "another name. Remove the other names (`find / -xdev -samefile` with this path lists "
        "them) and run belay again. Nothing was changed",
        path.string(), info.st_nlink);
}

}  // namespace belay::sqlite
