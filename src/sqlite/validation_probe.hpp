// The pieces of validation that compile statements to see whether they still work: shared by
// the checks of views, tables and triggers (sqlite/schema_inspection.hpp).
#pragma once

#include <map>
#include <string>

#include "core/error.hpp"
#include "sqlite/schema_catalog.hpp"
#include "sqlite/schema_inspection.hpp"

namespace belay::sqlite {

class Database;
class ExecutionGuard;

// Fails with ErrorCode::interrupted when `guard` (if any) says to stop: the step's deadline
// passed or a signal came. Called before each check, so that validating a large schema never
// runs past either (a prepare is invisible to SQLite's progress handler).
Result<void> stop_if_asked(ExecutionGuard* guard);

// The error SQLite gives when preparing `sql` (its own words), or "" when it compiles. Fails,
// instead of returning the error as a finding, when the prepare was interrupted: that says
// nothing about the statement.
Result<std::string> prepare_error(Database& db, const std::string& sql);

// Every trigger of `catalog` that no longer compiles, by name (see BrokenTrigger).
Result<void> capture_broken_triggers(Database& db, const SchemaCatalog& catalog,
                                     ExecutionGuard* guard,
                                     std::map<std::string, BrokenTrigger>& broken);

}  // namespace belay::sqlite
