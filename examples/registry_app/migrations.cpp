#include "migrations.hpp"

namespace registry {

const std::vector<belay::EmbeddedMigration>& migrations() {
    static const std::vector<belay::EmbeddedMigration> list = {
        {
            .version = "0001",
            .name = "create_packages",
            .up = "CREATE TABLE packages (\n"
                  "    id   INTEGER PRIMARY KEY,\n"
                  "    name TEXT NOT NULL UNIQUE\n"
                  ");",
            .down = "DROP TABLE packages;",
        },
        {
            .version = "0002",
            .name = "create_releases",
            .up = "CREATE TABLE releases (\n"
                  "    id           INTEGER PRIMARY KEY,\n"
                  "    package_id   INTEGER NOT NULL REFERENCES packages(id),\n"
                  "    version      TEXT NOT NULL,\n"
                  "    published_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ')),\n"
                  "    UNIQUE (package_id, version)\n"
                  ");",
            .down = "DROP TABLE releases;",
        },
        {
            .version = "0003",
            .name = "index_releases_by_date",
            .up = "CREATE INDEX releases_by_date ON releases(published_at);",
            .down = "DROP INDEX releases_by_date;",
            .verify = "SELECT count(*) = 1 FROM sqlite_schema WHERE name = 'releases_by_date';",
        },
    };
    return list;
}

}  // namespace registry
