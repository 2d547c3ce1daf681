// What a migration's statements may not do to belay's guarantees.
//
// Migration files are the user's code and belay trusts them to mean what they say, but not to
// switch off what belay promises around them: the step's rollback, the history that records it,
// and the checks before its COMMIT. The step runner holds every statement of a step (and of its
// Verify section and validation) to these rules through SQLite's authorizer, which sees each
// action as SQLite compiles it, triggers' bodies included; the loader refuses the PRAGMA forms
// ahead of the run. No sqlite3.h here: the sqlite layer maps SQLite's action codes to SqlAction.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace belay {

// The actions the rules look at; every other action SQLite authorizes is allowed.
enum class SqlAction {
    pragma,          // object: the pragma's name; detail: its argument, empty for a query
    create_index,    // object: the table indexed (temporary indexes too)
    create_trigger,  // object: the table the trigger is on (temporary triggers too)
    drop_table,      // object: the table
    alter_table,     // object: the table
    insert,          // object: the table written
    update,          // object: the table written
    delete_rows,     // object: the table written
    attach,          // detail: the file name ("" for VACUUM's own temporary database)
    other,
};

// One action SQLite asks about.
struct SqlActionRequest {
    SqlAction action = SqlAction::other;
    std::string_view object;
    std::string_view detail;
    std::string_view trigger;   // the trigger whose body the action is in, empty for the statement
    std::string_view database;  // "main", "temp", or another (VACUUM's copy is "vacuum_db")
};

struct StatementRules {
    // belay's history table (the migrations' own writes to it would forge the history);
    // belay_schema, belay_dirty and belay_failures are protected too.
    std::string history_table;
};

// Why `request` is refused ("sets PRAGMA journal_mode=OFF: ..."), or nothing when it is allowed.
std::optional<std::string> refusal_reason(const StatementRules& rules,
                                          const SqlActionRequest& request);

// The same question for a PRAGMA statement read ahead of the run: `name` and `argument` as
// written (argument empty for a query). Lets the loader refuse before the database is touched.
std::optional<std::string> pragma_refusal(std::string_view name, std::string_view argument);

// True for the tables belay writes: the history table, belay_schema, belay_dirty,
// belay_failures and belay_repeatable (ASCII case-insensitive, as SQLite compares names). Other
// belay_* names are not.
bool is_belay_table(const StatementRules& rules, std::string_view table);

}  // namespace belay
