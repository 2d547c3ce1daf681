// The registry's schema, as belay migrations compiled into the program.
#pragma once

#include <vector>

#include <belay/embedded_migration.hpp>

namespace registry {

// Every migration the program knows, oldest first. Never edit one that has shipped: add a new
// one (belay reports an applied migration whose SQL changed as "modified" and refuses to run).
const std::vector<belay::EmbeddedMigration>& migrations();

}  // namespace registry
