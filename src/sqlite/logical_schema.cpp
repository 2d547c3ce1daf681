#include "sqlite/logical_schema.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>

#include <fmt/format.h>
#include <sqlite3.h>

#include "core/ascii.hpp"
#include "sqlite/database.hpp"
#include "sqlite/identifiers.hpp"
#include "sqlite/schema_inspection.hpp"

namespace belay::sqlite {

namespace {

// Every fact as one text per row; `?1` in the filter stands for the history table's name.
constexpr const char* k_facts = R"(
WITH objects AS (
    SELECT type, name, tbl_name, coalesce(sql, '') AS sql FROM sqlite_schema
    WHERE name NOT LIKE 'sqlite\_%' ESCAPE '\'
      AND NOT (type = 'table' AND name LIKE 'belay\_%' ESCAPE '\')
      AND NOT (type = 'table' AND name = {history} COLLATE NOCASE)),
tables AS (SELECT name FROM objects WHERE type = 'table')
SELECT 'table ' || t.name FROM tables AS t
UNION ALL
SELECT 'column ' || t.name || '#' || c.cid || ' ' || c.name || ' ' || c.type ||
       ' notnull=' || c."notnull" || ' default=' || coalesce(c.dflt_value, 'NULL') ||
       ' pk=' || c.pk || ' hidden=' || c.hidden
FROM tables AS t, pragma_table_xinfo(t.name) AS c
UNION ALL
SELECT 'index ' || t.name || ' ' || il.origin || ' unique=' || il."unique" || ' (' ||
       (SELECT group_concat(column_text, ', ') FROM (
            SELECT coalesce(x.name, '<expression>') ||
                   CASE x."desc" WHEN 1 THEN ' DESC' ELSE '' END AS column_text
            FROM pragma_index_xinfo(il.name) AS x WHERE x.key = 1 ORDER BY x.seqno)) || ')'
FROM tables AS t, pragma_index_list(t.name) AS il WHERE il.origin <> 'c'
UNION ALL
SELECT 'index ' || o.name || ' on ' || o.tbl_name || ': ' || o.sql
FROM objects AS o WHERE o.type = 'index' AND o.sql <> ''
UNION ALL
SELECT 'foreign key ' || t.name || ' #' || f.id || '.' || f.seq || ' (' || f."from" || ') -> ' ||
       f."table" || ' (' || coalesce(f."to", '') || ') on update ' || f.on_update ||
       ' on delete ' || f.on_delete || ' match ' || f."match"
FROM tables AS t, pragma_foreign_key_list(t.name) AS f
UNION ALL
SELECT o.type || ' ' || o.name || ' on ' || o.tbl_name || ': ' || o.sql
FROM objects AS o WHERE o.type IN ('view', 'trigger')
UNION ALL
SELECT 'table ' || t.name || ' strict=' || l.strict || ' without_rowid=' || l.wr
FROM tables AS t, pragma_table_list(t.name) AS l WHERE l.schema = 'main'
)";

// Each CHECK ( ... ) clause of a CREATE TABLE statement, white space folded. Strings and quoted
// names are skipped, so a CHECK inside them is not one.
std::vector<std::string> check_clauses(const std::string& sql) {
    std::vector<std::string> clauses;
    const std::string upper = to_upper_ascii(sql);
    const auto is_word = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    };
    char quote = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quote != 0) {
            quote = c == quote ? 0 : quote;
            continue;
        }
        if (c == '\'' || c == '"' || c == '`') {
            quote = c;
            continue;
        }
        if (upper.compare(i, 5, "CHECK") != 0 || (i > 0 && is_word(sql[i - 1])) ||
            (i + 5 < sql.size() && is_word(sql[i + 5]))) {
            continue;
        }
        auto open = sql.find_first_not_of(" \t\r\n", i + 5);
        if (open == std::string::npos || sql[open] != '(') {
            continue;
        }
        int depth = 0;
        char inner = 0;
        std::size_t close = open;
        for (; close < sql.size(); ++close) {
            const char d = sql[close];
            if (inner != 0) {
                inner = d == inner ? 0 : inner;
            } else if (d == '\'' || d == '"' || d == '`') {
                inner = d;
            } else if (d == '(') {
                ++depth;
            } else if (d == ')' && --depth == 0) {
                break;
            }
        }
        clauses.push_back(sql.substr(open, close + 1 - open));
        i = close;
    }
    return clauses;
}

// What pragma_table_xinfo does not say: each column's collation and AUTOINCREMENT, and the
// table's CHECK constraints.
Result<std::vector<std::string>> column_and_check_facts(Database& db,
                                                        const std::string& history_table) {
    auto rows = query_rows(db, fmt::format("SELECT m.name, c.name, m.sql FROM sqlite_schema AS m, "
                                           "pragma_table_xinfo(m.name) AS c WHERE m.type = 'table' "
                                           "AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                                           "AND m.name NOT LIKE 'belay\\_%' ESCAPE '\\' "
                                           "AND m.name <> {} COLLATE NOCASE ORDER BY m.name, c.cid",
                                           quote_literal(history_table)));
    BELAY_TRY(rows);
    std::vector<std::string> facts;
    std::string previous_table;
    for (const auto& row : *rows) {
        const auto& table = row.at(0);
        const char* type = nullptr;
        const char* collation = nullptr;
        int not_null = 0;
        int primary_key = 0;
        int autoincrement = 0;
        if (sqlite3_table_column_metadata(db.handle(), "main", table.c_str(), row.at(1).c_str(),
                                          &type, &collation, &not_null, &primary_key,
                                          &autoincrement) == SQLITE_OK) {
            facts.push_back(fmt::format("column {}.{} collate {} autoincrement={}", table,
                                        row.at(1), collation != nullptr ? collation : "BINARY",
                                        autoincrement));
        }
        if (table != previous_table) {
            for (const auto& clause : check_clauses(row.at(2))) {
                facts.push_back(fmt::format("check {}: {}", table, clause));
            }
            previous_table = table;
        }
    }
    return facts;
}

// Runs of white space as one space, so re-indenting a CREATE statement is not a difference.
std::string fold_space(const std::string& text) {
    std::string folded;
    bool in_space = false;
    for (const char c : text) {
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            in_space = true;
            continue;
        }
        if (in_space && !folded.empty()) {
            folded += ' ';
        }
        in_space = false;
        folded += c;
    }
    return folded;
}

}  // namespace

Result<std::vector<std::string>> logical_schema(Database& db, const std::string& history_table) {
    auto rows = query_rows(
        db, fmt::format(fmt::runtime(k_facts), fmt::arg("history", quote_literal(history_table))));
    BELAY_TRY(rows);
    auto more = column_and_check_facts(db, history_table);
    BELAY_TRY(more);
    std::vector<std::string> lines;
    for (const auto& row : *rows) {
        lines.push_back(fold_space(row.at(0)));
    }
    for (const auto& fact : *more) {
        lines.push_back(fold_space(fact));
    }
    std::ranges::sort(lines);
    return lines;
}

std::vector<std::string> logical_differences(const std::vector<std::string>& before,
                                             const std::vector<std::string>& after) {
    std::vector<std::string> missing;
    std::vector<std::string> extra;
    std::ranges::set_difference(before, after, std::back_inserter(missing));
    std::ranges::set_difference(after, before, std::back_inserter(extra));
    std::vector<std::string> differences;
    for (const auto& line : missing) {
        differences.push_back("missing: " + line);
    }
    for (const auto& line : extra) {
        differences.push_back("extra: " + line);
    }
    return differences;
}

}  // namespace belay::sqlite
