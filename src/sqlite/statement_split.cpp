#include "sqlite/statement_split.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <string>

namespace belay::sqlite {

int count_lines_before(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    return static_cast<int>(
        std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

std::size_t first_token_offset(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            ++i;
        } else if (text.substr(i, 2) == "--") {
            const auto end = text.find('\n', i);
            i = end == std::string_view::npos ? text.size() : end + 1;
        } else if (text.substr(i, 2) == "/*") {
            const auto end = text.find("*/", i + 2);
            i = end == std::string_view::npos ? text.size() : end + 2;
        } else {
            return i;
        }
    }
    return std::string_view::npos;
}

std::vector<SqlStatement> split_statements(const SqlSection& section) {
    std::vector<SqlStatement> statements;
    const std::string_view sql = section.sql;
    std::size_t start = 0;
    std::string candidate;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        if (sql[i] != ';') {
            continue;
        }
        candidate.assign(sql.substr(start, i + 1 - start));
        if (sqlite3_complete(candidate.c_str()) == 0) {
            continue;
        }
        const auto token = first_token_offset(candidate);
        if (token != std::string_view::npos) {
            statements.push_back(
                SqlStatement{candidate.substr(token),
                             section.first_line + count_lines_before(sql, start + token)});
        }
        start = i + 1;
    }
    const std::string_view rest = sql.substr(start);
    if (const auto token = first_token_offset(rest); token != std::string_view::npos) {
        statements.push_back(
            SqlStatement{std::string(rest.substr(token)),
                         section.first_line + count_lines_before(sql, start + token)});
    }
    return statements;
}

}  // namespace belay::sqlite
