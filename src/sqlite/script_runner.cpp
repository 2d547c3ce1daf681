#include "sqlite/script_runner.hpp"

#include <cstring>

#include <sqlite3.h>

#include <algorithm>
#include <cctype>

#include "core/log.hpp"

#include "sqlite/database.hpp"
#include "sqlite/execution_guard.hpp"
#include "sqlite/sqlite_hints.hpp"
#include "sqlite/statement.hpp"
#include "sqlite/statement_split.hpp"

namespace belay::sqlite {

namespace {

constexpr std::size_t k_statement_excerpt = 120;

// The statement's first line, shortened, for messages.
std::string excerpt(std::string_view statement) {
    auto line = statement.substr(0, statement.find('\n'));
    if (line.size() > k_statement_excerpt) {
        return std::string(line.substr(0, k_statement_excerpt)) + "...";
    }
    return std::string(line);
}

// The error for a failed prepare or step, its code chosen by why the statement stopped.
Error statement_error_words(const ExecutionGuard& guard, int rc, const ScriptFailure& where,
                            const std::filesystem::path& file) {
    const auto location = fmt::format("{}:{}", file.string(), where.line);
    const auto offset = where.error_offset >= 0
                            ? fmt::format(" (at offset {} of the statement)", where.error_offset)
                            : std::string();
    switch (guard.stop_reason()) {
        case StopReason::deadline:
            return error_of(ErrorCode::step_failed,
                            fmt::format("{}: the step ran past its timeout and was stopped in: {}",
                                        location, where.statement));
        case StopReason::cancelled:
            return error_of(
                ErrorCode::interrupted,
                fmt::format("{}: interrupted by a signal in: {}", location, where.statement));
        case StopReason::refused:
            return error_of(ErrorCode::step_failed,
                            fmt::format("{}: belay refuses this statement: {}; in: {}", location,
                                        guard.refusal(), where.statement));
        case StopReason::lock_timeout:
            return error_of(ErrorCode::busy,
                            fmt::format("{}: another connection held a lock on the database for "
                                        "longer than the lock timeout ({} ms) in: {}",
                                        location, guard.lock_timeout().count(), where.statement));
        case StopReason::none:
            break;
    }
    // A function of a newer SQLite, or a DELETE ... LIMIT this SQLite cannot parse: what to do.
    const auto hint = statement_hint(where.sqlite_error, where.statement);
    return error_of(
        error_code_for_sqlite(rc) == ErrorCode::busy ? ErrorCode::busy : ErrorCode::step_failed,
        fmt::format("{}: {}{} in: {}{}", location, where.sqlite_error, offset, where.statement,
                    hint.empty() ? std::string() : " (" + hint + ")"));
}

// The error, with the file and line it is about.
Error statement_error(const ExecutionGuard& guard, int rc, const ScriptFailure& where,
                      const std::filesystem::path& file) {
    auto error = statement_error_words(guard, rc, where, file);
    error.subject.path = file;
    error.subject.line = where.line;
    return error;
}

// What every step of one section's run needs.
struct SectionRun {
    Database& db;
    ExecutionGuard& guard;
    const std::filesystem::path& file;
    ScriptFailure* failure;  // receives the details of a failure, when given
};

// Keeps `where` in run.failure when the caller asked for it, and gives the error for it.
std::unexpected<Error> statement_failed(const SectionRun& run, int rc, const ScriptFailure& where) {
    if (run.failure != nullptr) {
        *run.failure = where;
    }
    return std::unexpected(statement_error(run.guard, rc, where, run.file));
}

// The offset in `remaining` of the next statement's first token, or npos when none is left.
// SQLite skips empty statements (a stray ';'); so must the line and excerpt of a statement.
std::size_t next_statement_offset(std::string_view remaining) {
    auto token = first_token_offset(remaining);
    while (token != std::string_view::npos && remaining[token] == ';') {
        const auto rest = first_token_offset(remaining.substr(token + 1));
        token = rest == std::string_view::npos ? rest : token + 1 + rest;
    }
    return token;
}

// Counts the lines before each statement of a section, from where the last statement started,
// never from the section's start: a section of 100,000 one-line statements must not cost
// 100,000 rescans.
class LineCounter {
  public:
    explicit LineCounter(std::string_view sql) : m_sql(sql) {}
    // The lines before offset `start`, which is never before the previous call's.
    int lines_before(std::size_t start) {
        m_lines += count_lines_before(m_sql.substr(m_counted_to, start - m_counted_to),
                                      start - m_counted_to);
        m_counted_to = start;
        return m_lines;
    }

  private:
    std::string_view m_sql;
    std::size_t m_counted_to = 0;
    int m_lines = 0;
};

// A prepared statement (with no statement for a comment alone) and where the next one starts.
struct PreparedStatement {
    Statement statement;
    const char* next;
};

// Prepares the statement at the start of `remaining` (its first token at `token`), and names it
// in where.statement; a failure to prepare also gives SQLite's error and offset.
Result<PreparedStatement> prepare_next(const SectionRun& run, std::string_view remaining,
                                       std::size_t token, ScriptFailure& where) {
    const char* const tail = remaining.data();
    const char* const end = tail + remaining.size();
    sqlite3_stmt* raw = nullptr;
    const char* next = nullptr;
    // -1: read up to the string's terminating NUL. A length that does not end at a NUL makes
    // SQLite copy the whole rest of the section at every statement (quadratic: 300,000
    // one-line INSERTs ran at 1,000 a second).
    const int rc = sqlite3_prepare_v2(run.db.handle(), tail, -1, &raw, &next);
    const auto length = static_cast<std::size_t>((next != nullptr ? next : end) - tail);
    where.statement = excerpt(remaining.substr(token, length > token ? length - token : 0));
    if (rc != SQLITE_OK) {
        // SQLite's tail stops at the error; show the statement from its start instead.
        where.statement = excerpt(remaining.substr(token));
        where.sqlite_error = last_sqlite_message(run.db.handle());
        const int offset = sqlite3_error_offset(run.db.handle());
        where.error_offset = offset >= 0 ? offset - static_cast<int>(token) : -1;
        return statement_failed(run, rc, where);
    }
    Statement statement(run.db.handle(), raw);
    if (next == nullptr || next <= tail) {
        // SQLite reads SQL no further than a NUL byte, so its tail stops there. The file
        // readers refuse such files (check_no_nul_byte); this stops the loop all the same.
        return fail(ErrorCode::step_failed,
                    "{}:{}: a NUL byte; SQLite reads no further, so the rest of the section "
                    "cannot run: save the file as UTF-8 text",
                    run.file.string(), where.line);
    }
    return PreparedStatement{std::move(statement), next};
}

// Steps `statement` to its end, handing each row to `on_row`, which may fail the section.
template <typename OnRow>
Result<void> step_to_end(const SectionRun& run, Statement& statement, ScriptFailure& where,
                         OnRow& on_row) {
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(statement.handle())) == SQLITE_ROW) {
        if (auto ok = on_row(statement, where); !ok) {
            return ok;
        }
    }
    if (rc != SQLITE_DONE) {
        where.sqlite_error = last_sqlite_message(run.db.handle());
        // "disk I/O error" alone hides the cause: "File too large", "No space left on device".
        if (const int os_error = sqlite3_system_errno(run.db.handle());
            (rc & 0xff) == SQLITE_IOERR && os_error != 0) {
            where.sqlite_error += fmt::format(" ({})", std::strerror(os_error));
        }
        return statement_failed(run, rc, where);
    }
    return {};
}

// Prepares and runs each statement of `section` in turn; `on_row` sees every result row and
// may fail the section.
template <typename OnRow>
Result<void> for_each_statement(const SectionRun& run, const SqlSection& section, OnRow on_row) {
    const std::string_view sql = section.sql;
    LineCounter lines(sql);
    for (std::size_t at = 0; at < sql.size();) {
        const auto remaining = sql.substr(at);
        const auto token = next_statement_offset(remaining);
        if (token == std::string_view::npos) {
            return {};
        }
        ScriptFailure where{section.first_line + lines.lines_before(at + token), "", "", -1};
        if (run.guard.poll() != StopReason::none) {
            // Stopped between two statements: name the one that did not start.
            where.statement = excerpt(remaining.substr(token));
            return statement_failed(run, SQLITE_INTERRUPT, where);
        }
        auto prepared = prepare_next(run, remaining, token, where);
        BELAY_TRY(prepared);
        at = static_cast<std::size_t>(prepared->next - sql.data());
        if (prepared->statement.handle() == nullptr) {
            continue;
        }
        logger()->debug("{}:{}: {}", run.file.string(), where.line, where.statement);
        if (auto ok = step_to_end(run, prepared->statement, where, on_row); !ok) {
            return ok;
        }
    }
    return {};
}

bool is_true(const Statement& statement) {
    switch (statement.column_type(0)) {
        case SQLITE_NULL:
            return false;
        case SQLITE_INTEGER:
            return statement.column_int(0) != 0;
        case SQLITE_FLOAT:
            return statement.column_double(0) != 0.0;
        default: {
            auto text = statement.column_text(0);
            std::ranges::transform(text, text.begin(), [](unsigned char c) {
                return static_cast<char>(std::tolower(c));
            });
            return !(text.empty() || text == "0" || text == "false");
        }
    }
}

}  // namespace

Result<void> run_section(Database& db, ExecutionGuard& guard, const SqlSection& section,
                         const std::filesystem::path& file, ScriptFailure* failure) {
    return for_each_statement(
        SectionRun{db, guard, file, failure}, section,
        [](const Statement&, const ScriptFailure&) -> Result<void> { return {}; });
}

Result<void> run_verify_section(Database& db, ExecutionGuard& guard, const SqlSection& section,
                                const std::filesystem::path& file) {
    auto check_row = [&](const Statement& statement, const ScriptFailure& where) -> Result<void> {
        if (statement.column_count() == 0 || is_true(statement)) {
            return {};
        }
        const auto value = statement.column_is_null(0) ? std::string("NULL")
                                                       : "'" + statement.column_text(0) + "'";
        auto failed =
            fail(file, ErrorCode::step_failed, "{}:{}: Verify check failed: it returned {} in: {}",
                 file.string(), where.line, value, where.statement);
        failed.error().subject.line = where.line;
        return failed;
    };
    return for_each_statement(SectionRun{db, guard, file, nullptr}, section, check_row);
}

}  // namespace belay::sqlite
