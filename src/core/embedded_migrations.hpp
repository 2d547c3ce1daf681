// Migrations compiled into a program, turned into the Migration values files give.
#pragma once

#include <vector>

#include "belay/embedded_migration.hpp"
#include "belay/error.hpp"
#include "belay/migration.hpp"
#include "core/problems.hpp"

namespace belay {

// Sorted by version; see load_migration_set(const std::vector<EmbeddedMigration>&) in
// belay/migrations.hpp for what each becomes and what is refused (all problems at once, each
// naming its migration). Statements are not checked here.
Result<std::vector<Migration>> embedded_to_migrations(
    const std::vector<EmbeddedMigration>& embedded);

// The same, adding each problem to `problems` (about the migration's label, "(embedded)
// <version>_<name>"; a version two share is about neither) and returning the migrations that
// have none, sorted: a caller that checks their statements too reports every problem at once.
std::vector<Migration> embedded_to_migrations(const std::vector<EmbeddedMigration>& embedded,
                                              Problems& problems);

}  // namespace belay
