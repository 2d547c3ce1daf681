// What a fleet command does to one database: the one-database public call, its result read as
// a FleetResult. None of these fails: every problem is the database's outcome.
#pragma once

#include <cstddef>

#include "belay/fleet.hpp"
#include "belay/migrations.hpp"
#include "core/fleet_journal.hpp"

namespace belay::fleet {

// run_migrate on `member` with options.each (never creating a missing database); its snapshot
// is journaled as soon as it is taken.
FleetResult migrate_one(const FleetOptions& options, const FleetMember& member, std::size_t index,
                        FleetJournal* journal);
// What a journal records of the migrations a run started with: SHA-256 over every migration's
// version, name, checksum and SQL as it runs (and every repeatable's), so that a resume can
// tell a change, also one of the environment variables goose's ENVSUB substitutes.
std::string migrations_checksum(const MigrationSet& set);

FleetResult backup_one(const FleetOptions& options, const FleetMember& member);
FleetResult check_one(const FleetOptions& options, const FleetMember& member);
// Where the database stands against `set` (loaded once for the fleet), read-only.
FleetResult status_one(const FleetOptions& options, const MigrationSet& set,
                       const FleetMember& member);

}  // namespace belay::fleet
