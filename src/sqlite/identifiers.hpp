// Quoting names for SQL text built at run time.
#pragma once

#include <string>
#include <string_view>

namespace belay::sqlite {

// `name` as an SQL identifier in double quotes, embedded quotes doubled: "my ""odd"" table".
std::string quote_identifier(std::string_view name);

// `text` as an SQL string literal in single quotes, embedded quotes doubled.
std::string quote_literal(std::string_view text);

}  // namespace belay::sqlite
