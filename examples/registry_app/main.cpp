// registry_app: a tiny package registry on SQLite that migrates its own database at start-up.
//
//   registry_app DATABASE add PACKAGE VERSION   record a release of PACKAGE
//   registry_app DATABASE list                  print every release, oldest first
//
// Start-up: with BELAY_AUTO_MIGRATE=true the program brings DATABASE to the schema it was built
// with (its migrations are compiled in, see migrations.cpp). belay takes a verified snapshot
// first, and the program refuses to start when anything fails. Without it, the program refuses
// to start while migrations are pending, and says how to apply them. Backups go beside the
// database, or into BELAY_BACKUP_DIR; the newest 5 are kept.
//
// Exit status: 0 done; 64 usage; 65 the registry's own SQL failed; 69 migrations are pending
// and BELAY_AUTO_MIGRATE is not true; otherwise belay's exit code for what stopped it
// (docs/exit-codes.md: 1 a step failed, 2 bad input, 3 the snapshot failed, 4 busy, 5 refused).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <sqlite3.h>
#include <belay/belay.hpp>

#include "migrations.hpp"

namespace {

constexpr int k_usage = 64;
constexpr int k_sql_failed = 65;
constexpr int k_not_migrated = 69;

int refuse_to_start(const belay::Error& error) {
    std::fprintf(stderr, "registry_app: refusing to start: %s\n", error.message.c_str());
    return static_cast<int>(error.code);
}

// BELAY_AUTO_MIGRATE: "true" or "false" (unset or empty: false). Anything else is refused
// rather than guessed at.
std::optional<bool> auto_migrate_setting() {
    const char* value = std::getenv("BELAY_AUTO_MIGRATE");
    const std::string_view text = value == nullptr ? "" : value;
    if (text == "true") {
        return true;
    }
    if (text.empty() || text == "false") {
        return false;
    }
    std::fprintf(stderr, "registry_app: BELAY_AUTO_MIGRATE=%s: expected true or false\n", value);
    return std::nullopt;
}

// Applies what is pending (auto_migrate), or refuses to start while anything is.
int prepare(const belay::Database& db, bool auto_migrate) {
    if (!auto_migrate) {
        auto plan = db.plan();
        if (!plan) {
            return refuse_to_start(plan.error());
        }
        if (!plan->steps.empty()) {
            std::fprintf(stderr,
                         "registry_app: refusing to start: %s is at version %s and %zu "
                         "migration(s) are pending, up to %s_%s; start once with "
                         "BELAY_AUTO_MIGRATE=true to apply them (a verified backup is taken "
                         "first)\n",
                         plan->database.c_str(), plan->version_before.c_str(), plan->steps.size(),
                         plan->steps.back().version.c_str(), plan->steps.back().name.c_str());
            return k_not_migrated;
        }
        return 0;
    }
    belay::MigrateOptions run;
    run.keep = 5;
    auto report = db.migrate(run);
    if (!report) {
        return refuse_to_start(report.error());
    }
    if (!report->succeeded()) {
        std::fprintf(stderr, "registry_app: refusing to start: migrating %s failed: %s\n",
                     report->database.c_str(), report->error->message.c_str());
        if (report->snapshot) {
            std::fprintf(stderr,
                         "registry_app: the state before this run is in %s; to go "
                         "back to it: belay db restore --db %s %s\n",
                         report->snapshot->c_str(), report->database.c_str(),
                         report->snapshot->c_str());
        }
        return static_cast<int>(report->error->code);
    }
    if (report->version_before != report->version_after) {
        std::fprintf(stderr, "registry_app: migrated %s from version %s to %s; %s%s\n",
                     report->database.c_str(), report->version_before.c_str(),
                     report->version_after.value_or("?").c_str(),
                     report->snapshot ? "the state before is in " : "it was a new database",
                     report->snapshot ? report->snapshot->c_str() : "");
    }
    return 0;
}

// The registry itself: plain SQLite, on a connection of its own.
using Connection = std::unique_ptr<sqlite3, decltype(&sqlite3_close)>;

int sql_failed(sqlite3* db, const char* what) {
    std::fprintf(stderr, "registry_app: %s: %s\n", what, sqlite3_errmsg(db));
    return k_sql_failed;
}

int add_release(sqlite3* db, const std::string& package, const std::string& version) {
    if (sqlite3_exec(db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr) != SQLITE_OK) {
        return sql_failed(db, "enabling foreign keys");
    }
    const char* sql =
        "INSERT OR IGNORE INTO packages(name) VALUES (?1);"
        "INSERT INTO releases(package_id, version) "
        "SELECT id, ?2 FROM packages WHERE name = ?1;";
    const char* next = sql;
    while (next != nullptr && *next != '\0') {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v2(db, next, -1, &raw, &next) != SQLITE_OK) {
            return sql_failed(db, "preparing the insert");
        }
        std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(raw,
                                                                             &sqlite3_finalize);
        if (raw == nullptr) {
            break;
        }
        sqlite3_bind_text(raw, 1, package.c_str(), -1, SQLITE_TRANSIENT);
        if (sqlite3_bind_parameter_count(raw) >= 2) {
            sqlite3_bind_text(raw, 2, version.c_str(), -1, SQLITE_TRANSIENT);
        }
        if (sqlite3_step(raw) != SQLITE_DONE) {
            return sql_failed(db, "recording the release");
        }
    }
    std::printf("added %s %s\n", package.c_str(), version.c_str());
    return 0;
}

int list_releases(sqlite3* db) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db,
                           "SELECT p.name, r.version FROM releases r JOIN packages p "
                           "ON p.id = r.package_id ORDER BY r.id",
                           -1, &raw, nullptr) != SQLITE_OK) {
        return sql_failed(db, "listing releases");
    }
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(raw, &sqlite3_finalize);
    int rc = 0;
    while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
        std::printf("%s %s\n", reinterpret_cast<const char*>(sqlite3_column_text(raw, 0)),
                    reinterpret_cast<const char*>(sqlite3_column_text(raw, 1)));
    }
    return rc == SQLITE_DONE ? 0 : sql_failed(db, "listing releases");
}

int usage() {
    std::fprintf(stderr,
                 "usage: registry_app DATABASE add PACKAGE VERSION\n"
                 "       registry_app DATABASE list\n");
    return k_usage;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string command = argc >= 3 ? argv[2] : "";
    if (!(command == "add" && argc == 5) && !(command == "list" && argc == 3)) {
        return usage();
    }
    const auto auto_migrate = auto_migrate_setting();
    if (!auto_migrate) {
        return k_usage;
    }
    belay::DatabaseOptions options;
    options.database = argv[1];
    options.embedded_migrations = registry::migrations();
    if (const char* dir = std::getenv("BELAY_BACKUP_DIR"); dir != nullptr && *dir != '\0') {
        options.backup_dir = dir;
    }
    auto db = belay::Database::open(options);
    if (!db) {
        return refuse_to_start(db.error());
    }
    if (const int ready = prepare(*db, *auto_migrate); ready != 0) {
        return ready;
    }

    sqlite3* raw = nullptr;
    const int opened = sqlite3_open_v2(argv[1], &raw, SQLITE_OPEN_READWRITE, nullptr);
    Connection connection(raw, &sqlite3_close);
    if (opened != SQLITE_OK) {
        return sql_failed(raw, "opening the database");
    }
    sqlite3_busy_timeout(raw, 5000);
    return command == "add" ? add_release(raw, argv[3], argv[4]) : list_releases(raw);
}
