// Page-by-page copies with SQLite's online backup API.
#pragma once

#include "core/error.hpp"

namespace belay::sqlite {

class Database;

// Copies the whole of `source` (its "main" schema) into `destination`, replacing its content,
// in one sqlite3_backup_step(-1) so that the copy is one consistent state of the source and
// cannot restart. sqlite3_backup_finish's result is checked: it carries the real outcome.
// Fails with busy when the source or destination stays locked past the connections' busy
// handlers, step_failed otherwise; the message names both paths.
Result<void> copy_database(Database& source, Database& destination);

}  // namespace belay::sqlite
