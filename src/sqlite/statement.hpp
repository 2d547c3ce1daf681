// RAII over one prepared statement.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace belay::sqlite {

class Statement {
  public:
    Statement(sqlite3* db, sqlite3_stmt* stmt);

    // Binds by 1-based index. Text is copied by SQLite (SQLITE_TRANSIENT).
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::int64_t value);
    Statement& bind_null(int index);

    // Advances one row. Returns true when a row is available, false when done; fails with the
    // connection's error (busy for BUSY/LOCKED, step_failed otherwise).
    Result<bool> step();
    // Steps until done, handing each row to `on_row(const Statement&)`. Stops at the first
    // error: step()'s, or the one `on_row` returns when it returns a Result<void>. The rows
    // handed before an error stay handed.
    template <typename OnRow>
    Result<void> each_row(OnRow&& on_row);
    // Steps until done, discarding rows.
    Result<void> run();
    // Resets for another execution; bindings stay.
    void reset();

    int column_count() const;
    bool column_is_null(int column) const;
    std::string column_text(int column) const;
    // The column's text without a copy ("" for NULL); valid until the next step or reset.
    std::string_view column_view(int column) const;
    std::optional<std::string> column_optional_text(int column) const;
    std::int64_t column_int(int column) const;
    double column_double(int column) const;
    int column_type(int column) const;  // SQLITE_INTEGER, SQLITE_TEXT, ... (sqlite3.h values)

    sqlite3_stmt* handle() const { return m_stmt.get(); }

  private:
    struct Finalizer {
        void operator()(sqlite3_stmt* stmt) const;
    };
    sqlite3* m_db;
    std::unique_ptr<sqlite3_stmt, Finalizer> m_stmt;
};

template <typename OnRow>
Result<void> Statement::each_row(OnRow&& on_row) {
    while (true) {
        auto row = step();
        BELAY_TRY(row);
        if (!*row) {
            return {};
        }
        if constexpr (std::is_void_v<std::invoke_result_t<OnRow&, const Statement&>>) {
            on_row(std::as_const(*this));
        } else if (auto ok = on_row(std::as_const(*this)); !ok) {
            return ok;
        }
    }
}

}  // namespace belay::sqlite
