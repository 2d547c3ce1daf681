// History tables other migration tools leave in a database, read so that `db adopt` can turn
// them into belay's history.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/history_edit.hpp"

namespace belay::sqlite {

class Database;

// Finds and reads the first of: goose's goose_db_version, sql-migrate's gorp_migrations,
// golang-migrate's schema_migrations (version, dirty) and dbmate's schema_migrations
// (version), or the one `tool` names ("goose", "sql-migrate", "golang-migrate", "dbmate").
// std::nullopt when there is none. goose: the latest row of each version decides whether it is
// applied; golang-migrate: every version up to the recorded one, which is dirty when its flag
// is set. Fails with invalid_input for an unknown tool or a table whose columns are not that
// tool's.
Result<std::optional<ForeignHistory>> read_foreign_history(Database& db,
                                                           const std::optional<std::string>& tool);

}  // namespace belay::sqlite
