#include "sqlite/logical_schema.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>

#include <fmt/format.h>

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
      AND NOT (type = 'table' AND name IN ('belay_failures', 'belay_dirty', 'belay_schema'))
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
)";

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
    if (!rows) {
        return std::unexpected(rows.error());
    }
    std::vector<std::string> lines;
    for (const auto& row : *rows) {
        lines.push_back(fold_space(row.at(0)));
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
