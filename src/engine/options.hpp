// Plain option structs: the CLI fills them, the engine reads them. No parsing here.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "core/version.hpp"

namespace belay {

enum class ValidationLevel {
    normal,  // per-step checks; quick_check after the run; dangling foreign keys warn
    full,    // normal, plus quick_check after every step
    strict,  // full, and new dangling foreign keys fail the step
};

// What every db command needs to find the database and its migrations.
struct DatabaseOptions {
    std::filesystem::path database;
    std::filesystem::path migrations_dir = "migrations";
    std::string history_table = "schema_migrations";
    std::chrono::milliseconds lock_timeout{5000};
};

struct MigrateOptions {
    DatabaseOptions db;
    std::optional<Version> target;  // --to
    bool dry_run = false;
    bool allow_out_of_order = false;
    std::chrono::milliseconds step_timeout{30000};
    ValidationLevel validation = ValidationLevel::normal;
};

}  // namespace belay
