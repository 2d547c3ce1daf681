#include "sqlite/statement.hpp"

#include <sqlite3.h>

#include <stdexcept>

#include "sqlite/database.hpp"
#include "sqlite/sqlite_hints.hpp"

namespace belay::sqlite {

void Statement::Finalizer::operator()(sqlite3_stmt* stmt) const {
    sqlite3_finalize(stmt);
}

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}

namespace {

// A bind can only fail through misuse (bad index) or out-of-memory: a broken invariant.
void check_bind(int rc, sqlite3* db) {
    if (rc != SQLITE_OK) {
        throw std::logic_error(std::string("sqlite3_bind failed: ") + sqlite3_errmsg(db));
    }
}

}  // namespace

Statement& Statement::bind(int index, std::string_view text) {
    check_bind(sqlite3_bind_text64(m_stmt.get(), index, text.data(), text.size(), SQLITE_TRANSIENT,
                                   SQLITE_UTF8),
               m_db);
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    check_bind(sqlite3_bind_int64(m_stmt.get(), index, value), m_db);
    return *this;
}

Statement& Statement::bind_null(int index) {
    check_bind(sqlite3_bind_null(m_stmt.get(), index), m_db);
    return *this;
}

Result<bool> Statement::step() {
    const int rc = sqlite3_step(m_stmt.get());
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    return fail(error_code_for_sqlite(rc), "{}", with_newer_sqlite_hint(last_sqlite_message(m_db)));
}

Result<void> Statement::run() {
    return each_row([](const Statement&) {});
}

void Statement::reset() {
    sqlite3_reset(m_stmt.get());
}

int Statement::column_count() const {
    return sqlite3_column_count(m_stmt.get());
}

bool Statement::column_is_null(int column) const {
    return sqlite3_column_type(m_stmt.get(), column) == SQLITE_NULL;
}

std::string Statement::column_text(int column) const {
    return std::string(column_view(column));
}

std::string_view Statement::column_view(int column) const {
    const auto* text = sqlite3_column_text(m_stmt.get(), column);
    if (text == nullptr) {
        return {};
    }
    const int size = sqlite3_column_bytes(m_stmt.get(), column);
    return std::string_view(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

std::optional<std::string> Statement::column_optional_text(int column) const {
    if (column_is_null(column)) {
        return std::nullopt;
    }
    return column_text(column);
}

std::int64_t Statement::column_int(int column) const {
    return sqlite3_column_int64(m_stmt.get(), column);
}

double Statement::column_double(int column) const {
    return sqlite3_column_double(m_stmt.get(), column);
}

int Statement::column_type(int column) const {
    return sqlite3_column_type(m_stmt.get(), column);
}

}  // namespace belay::sqlite
