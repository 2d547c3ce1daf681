#include "sqlite/sqlx_prisma_history.hpp"

#include <map>
#include <set>
#include <string>

#include "core/migration_prisma.hpp"
#include "sqlite/database.hpp"
#include "sqlite/schema_inspection.hpp"

namespace belay::sqlite {

namespace {

// `column` as ISO-8601 UTC in SQL, '' when it is no time: text SQLite's date functions read
// ("2024-01-02 03:04:05", with or without a zone), or milliseconds since 1970 (Prisma's).
std::string iso_time_sql(const std::string& column) {
    return "coalesce(CASE WHEN typeof(" + column + ") IN ('integer', 'real') THEN strftime('" +
           "%Y-%m-%dT%H:%M:%SZ', " + column + " / 1000.0, 'unixepoch') ELSE strftime('" +
           "%Y-%m-%dT%H:%M:%SZ', " + column + ") END, '')";
}

}  // namespace

Result<ForeignHistory> read_sqlx_history(Database& db) {
    auto rows = query_rows(
        db, "SELECT version, success IN (0, '0', 'false', 'FALSE'), " +
                iso_time_sql("installed_on") +
                ", CASE WHEN typeof(checksum) = 'blob' THEN lower(hex(checksum)) ELSE "
                "lower(coalesce(checksum, '')) END FROM _sqlx_migrations ORDER BY version");
    BELAY_TRY(rows);
    ForeignHistory history{
        .tool = "sqlx", .table = "_sqlx_migrations", .applied = {}, .up_to = {}, .dirty = false};
    for (const auto& row : *rows) {
        ForeignHistory::Row entry{
            .version = row.at(0), .applied_at = row.at(2), .name = {}, .checksum = row.at(3)};
        (row.at(1) == "1" ? history.failed : history.applied).push_back(std::move(entry));
    }
    return history;
}

Result<ForeignHistory> read_prisma_history(Database& db) {
    auto rows = query_rows(
        db,
        "SELECT migration_name, coalesce(checksum, ''), CASE WHEN rolled_back_at IS NOT NULL "
        "THEN 'rolled back' WHEN finished_at IS NULL THEN 'failed' ELSE 'applied' END, " +
            iso_time_sql("finished_at") +
            " FROM _prisma_migrations ORDER BY started_at, migration_name");
    BELAY_TRY(rows);
    ForeignHistory history{.tool = "Prisma",
                           .table = "_prisma_migrations",
                           .applied = {},
                           .up_to = {},
                           .dirty = false};
    std::set<std::string> applied;
    std::set<std::string> failed;
    for (const auto& row : *rows) {
        const auto& name = row.at(0);
        const auto& state = row.at(2);
        const auto folder = prisma_folder_name(name);
        ForeignHistory::Row entry{.version = folder ? folder->first.text() : name,
                                  .applied_at = row.at(3),
                                  .name = name,
                                  .checksum = row.at(1)};
        if (state == "applied" && applied.insert(name).second) {
            history.applied.push_back(std::move(entry));
        } else if (state == "failed" && failed.insert(name).second) {
            entry.applied_at.clear();
            entry.checksum.clear();
            history.failed.push_back(std::move(entry));
        }
    }
    return history;
}

}  // namespace belay::sqlite
