// What SQLite's own error words mean when the SQLite belay runs on lacks what the SQL needs: a
// built-in function of a newer SQLite (a database or a migration written for SQLite 3.48's
// if() read by a belay on Debian's 3.40.1), or the LIMIT of DELETE and UPDATE, which Debian's
// library has and belay's bundled SQLite cannot have. Said where belay reads SQLite's message.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace belay::sqlite {

// A built-in SQL function of a newer SQLite than some belay may run on, and the release that
// added it (SQLite's release notes).
struct NewerFunction {
    std::string_view name;
    int since;  // as sqlite3_libversion_number(): 3048000 for 3.48.0
};
// Those belay knows: iif() (3.32) to unistr() (3.50); the tests hold each against the SQLite
// linked (SqliteHints.*).
std::span<const NewerFunction> newer_functions();

// The function SQLite's `message` says is missing ("no such function: f" when preparing,
// "unknown function: f()" when a schema object's expression is compiled), or "" when it names
// none.
std::string missing_function(std::string_view message);

// What SQLite's `message` means, and what to do, when it names a built-in function of a newer
// SQLite than the one belay runs on ("if() is a built-in function of SQLite 3.48.0 and later,
// but this belay runs on SQLite 3.40.1, ..."), or says the schema holds SQL this SQLite cannot
// parse (which a newer SQLite may have written). Empty otherwise.
std::string newer_sqlite_hint(std::string_view message);

// newer_sqlite_hint(), or for the `statement` SQLite refused with `message`, a DELETE or
// UPDATE with LIMIT or ORDER BY that this SQLite cannot parse, what to write instead. Empty
// when neither applies.
std::string statement_hint(std::string_view message, std::string_view statement);

// `message` followed by newer_sqlite_hint(message) in parentheses, or unchanged without one.
std::string with_newer_sqlite_hint(std::string message);

}  // namespace belay::sqlite
