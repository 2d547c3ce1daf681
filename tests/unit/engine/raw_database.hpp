// A plain sqlite3 connection for engine tests: prepares databases the way a user or another
// tool would, and inspects what belay left behind, without going through belay's own wrappers.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace belay::testing {

class RawDatabase {
  public:
    // Opens `path` (creating it unless `create` is false); throws std::runtime_error on failure.
    explicit RawDatabase(const std::filesystem::path& path, bool create = true) {
        const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
        if (sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr) != SQLITE_OK) {
            const std::string message = m_db != nullptr ? sqlite3_errmsg(m_db) : "out of memory";
            sqlite3_close(m_db);
            throw std::runtime_error("cannot open " + path.string() + ": " + message);
        }
    }
    ~RawDatabase() { sqlite3_close(m_db); }
    RawDatabase(const RawDatabase&) = delete;
    RawDatabase& operator=(const RawDatabase&) = delete;

    sqlite3* handle() const { return m_db; }

    // Runs every statement of `sql`; throws with SQLite's message on failure.
    void exec(std::string_view sql) {
        char* error = nullptr;
        if (sqlite3_exec(m_db, std::string(sql).c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
            const std::string message = error != nullptr ? error : "unknown error";
            sqlite3_free(error);
            throw std::runtime_error(std::string(sql) + ": " + message);
        }
    }

    // Every row of one query, each column as text ("NULL" for NULL); throws on failure.
    std::vector<std::vector<std::string>> rows(std::string_view sql) {
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &statement,
                               nullptr) != SQLITE_OK) {
            throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(m_db));
        }
        std::vector<std::vector<std::string>> result;
        int rc = SQLITE_OK;
        while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int i = 0; i < sqlite3_column_count(statement); ++i) {
                const auto* text = sqlite3_column_text(statement, i);
                row.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "NULL");
            }
            result.push_back(std::move(row));
        }
        sqlite3_finalize(statement);
        if (rc != SQLITE_DONE) {
            throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(m_db));
        }
        return result;
    }

    // The first column of each row.
    std::vector<std::string> column(std::string_view sql) {
        std::vector<std::string> values;
        for (auto& row : rows(sql)) {
            values.push_back(row.empty() ? std::string() : row.front());
        }
        return values;
    }

    // The first column of the first row; throws when there is no row.
    std::string text(std::string_view sql) {
        auto values = column(sql);
        if (values.empty()) {
            throw std::runtime_error(std::string(sql) + ": no row");
        }
        return values.front();
    }

    std::int64_t integer(std::string_view sql) { return std::stoll(text(sql)); }

    bool has_table(std::string_view name) {
        return integer("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '" +
                       std::string(name) + "'") == 1;
    }

  private:
    sqlite3* m_db = nullptr;
};

// Every schema entry and every row of every table of the database at `path`, as text, in a
// stable order: equal dumps mean equal schema and content.
inline std::string dump_database(const std::filesystem::path& path) {
    RawDatabase db(path, false);
    std::string text;
    for (const auto& row :
         db.rows("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name")) {
        text += row[0] + "|" + row[1] + "|" + row[2] + "|" + row[3] + "\n";
    }
    for (const auto& table : db.column(
             "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
             "ORDER BY name")) {
        for (const auto& row : db.rows("SELECT * FROM \"" + table + "\" ORDER BY 1")) {
            text += table + ":";
            for (const auto& value : row) {
                text += value + ",";
            }
            text += "\n";
        }
    }
    return text;
}

// The names of the entries in `directory`.
inline std::set<std::string> names_in(const std::filesystem::path& directory) {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        names.insert(entry.path().filename().string());
    }
    return names;
}

// Bytes 18 and 19 of the database header: 1/1 rollback journal, 2/2 WAL. A file too short to
// hold a header fails the test and gives {-1, -1}.
inline std::pair<int, int> header_versions(const std::filesystem::path& path) {
    const auto bytes = read_file(path);
    if (bytes.size() < 100) {
        ADD_FAILURE() << path << " has no database header";
        return {-1, -1};
    }
    return {static_cast<unsigned char>(bytes[18]), static_cast<unsigned char>(bytes[19])};
}

}  // namespace belay::testing
