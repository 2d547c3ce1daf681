#include "engine/create_migration.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "core/migration_parser.hpp"
#include "core/migration_source.hpp"
#include "core/migration_sqlx.hpp"
#include "core/utc_time.hpp"
#include "engine/create_drizzle.hpp"

namespace belay::engine {

namespace {

// The newest version among the directory's migration files, if any.
Result<std::optional<Version>> newest_version(const std::filesystem::path& directory) {
    std::optional<Version> newest;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
        auto parsed = parse_migration_file_name(entry.path().filename().string());
        if (parsed && (!newest || *newest < parsed->first)) {
            newest = parsed->first;
        }
    }
    if (ec) {
        return fail(directory, ErrorCode::invalid_input, "cannot read {}: {}", directory.string(),
                    ec.message());
    }
    return newest;
}

Result<void> write_new_file(const std::filesystem::path& path, std::string_view contents) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        return fail(path, ErrorCode::invalid_input, "cannot create {}: {}", path.string(),
                    std::strerror(errno));
    }
    const auto written = ::write(fd, contents.data(), contents.size());
    const bool ok = written == static_cast<ssize_t>(contents.size()) && ::fsync(fd) == 0;
    const int error = errno;
    ::close(fd);
    if (!ok) {
        std::filesystem::remove(path);
        return fail(path, ErrorCode::invalid_input, "cannot write {}: {}", path.string(),
                    std::strerror(error));
    }
    return {};
}

}  // namespace

namespace {

// The newest version in `directory`: from file names for single files, else from what the
// layout's reader finds.
Result<std::optional<Version>> newest_in_layout(const std::filesystem::path& directory,
                                                Layout layout) {
    if (layout == Layout::sql_migrate || layout == Layout::goose || layout == Layout::dbmate) {
        return newest_version(directory);
    }
    auto migrations = load_migrations(directory, layout);
    if (!migrations) {
        return std::unexpected(with_context(migrations.error(), "cannot find the newest version"));
    }
    return migrations->empty() ? std::nullopt : std::optional(migrations->back().version);
}

// sqlx: how sqlx-cli's `migrate add` would number and shape the next migration of `directory`.
Result<SqlxNaming> sqlx_naming_of(const std::filesystem::path& directory) {
    auto migrations = load_migrations(directory, Layout::sqlx);
    if (!migrations) {
        return std::unexpected(with_context(migrations.error(), "cannot find the newest version"));
    }
    return sqlx_naming(*migrations);
}

// The files of a new, empty migration: (path, contents). `pairs`: sqlx's up and down files
// rather than one file.
std::vector<std::pair<std::filesystem::path, std::string>> files_for(
    Layout layout, const std::filesystem::path& directory, const std::string& version,
    const std::string& name, std::chrono::system_clock::time_point now, bool pairs) {
    const auto comment =
        fmt::format("-- {}: describe what this migration changes and why.\n", name);
    const auto single = [&](std::string_view up, std::string_view down) {
        return std::vector<std::pair<std::filesystem::path, std::string>>{
            {directory / fmt::format("{}_{}.sql", version, name),
             fmt::format("{}\n{}\n\n\n{}\n\n", comment, up, down)}};
    };
    switch (layout) {
        case Layout::goose:
            return single("-- +goose Up", "-- +goose Down");
        case Layout::dbmate:
            return single("-- migrate:up", "-- migrate:down");
        case Layout::sqlx:
            if (!pairs) {
                return {{directory / fmt::format("{}_{}.sql", version, name), comment}};
            }
            [[fallthrough]];
        case Layout::golang_migrate:
        case Layout::pop:
            return {{directory / fmt::format("{}_{}.up.sql", version, name), comment},
                    {directory / fmt::format("{}_{}.down.sql", version, name), comment}};
        case Layout::diesel: {
            const auto folder =
                directory / fmt::format("{}_{}", format_utc(now, "%Y-%m-%d-%H%M%S"), name);
            return {{folder / "up.sql", comment}, {folder / "down.sql", comment}};
        }
        case Layout::prisma:
            return {{directory / fmt::format("{}_{}", version, name) / "migration.sql", comment}};
        default:
            return single("-- +migrate Up", "-- +migrate Down");
    }
}

// Flyway's next version: one more than the newest version's first part (1.2.10 -> 2, as
// Flyway projects number a new migration), or 1 in an empty directory.
std::string next_flyway_version(const std::optional<Version>& newest) {
    if (!newest) {
        return "1";
    }
    const auto& text = newest->text();
    return increment_version(std::string_view(text).substr(0, text.find('.')));
}

// V<version>__<name>.sql, and its U<version>__<name>.sql when the directory's migrations have
// undo files (a project that writes them wants one for each).
Result<std::vector<std::pair<std::filesystem::path, std::string>>> flyway_files_for(
    const std::filesystem::path& directory, const std::string& version, const std::string& name) {
    auto migrations = load_migrations(directory, Layout::flyway);
    if (!migrations) {
        return std::unexpected(with_context(migrations.error(), "cannot read the migrations"));
    }
    const bool with_undo = std::ranges::any_of(
        *migrations, [](const Migration& migration) { return migration.down.present; });
    const auto file_name = [&](char prefix) {
        return directory / fmt::format("{}{}__{}.sql", prefix, version, name);
    };
    std::vector<std::pair<std::filesystem::path, std::string>> files{
        {file_name('V'),
         fmt::format("-- {}: describe what this migration changes and why.\n", name)}};
    if (with_undo) {
        files.emplace_back(file_name('U'), fmt::format("-- Undoes V{}__{}.sql.\n", version, name));
    }
    return files;
}

// The new migration's version: a timestamp where the layout (or --timestamp) asks for one, else
// the next after `newest` as the layout numbers them.
std::string next_version(Layout layout, const std::optional<Version>& newest,
                         const SqlxNaming& sqlx, bool timestamp,
                         std::chrono::system_clock::time_point now) {
    if (timestamp || layout == Layout::diesel || layout == Layout::prisma ||
        (layout == Layout::sqlx && !sqlx.sequential)) {
        return format_utc(now, "%Y%m%d%H%M%S");
    }
    if (layout == Layout::flyway) {
        return next_flyway_version(newest);
    }
    if (layout == Layout::sqlx && newest) {
        // sqlx-cli writes the next number with at least four digits, whatever the width before.
        auto next = increment_version(newest->numeric());
        return std::string(next.size() < 4 ? 4 - next.size() : 0, '0') + next;
    }
    return newest ? increment_version(newest->text()) : std::string("0001");
}

}  // namespace

Result<std::vector<std::filesystem::path>> create_migration(
    const CreateOptions& options, std::chrono::system_clock::time_point now) {
    const auto name = normalise_migration_name(options.name);
    if (name.empty()) {
        return fail(ErrorCode::invalid_input,
                    "migration name '{}' has no letters or digits; use e.g. add_users_table",
                    options.name);
    }
    std::error_code ec;
    std::filesystem::create_directories(options.migrations_dir, ec);
    if (ec) {
        return fail(options.migrations_dir, ErrorCode::invalid_input, "cannot create {}: {}",
                    options.migrations_dir.string(), ec.message());
    }
    auto layout =
        options.layout ? Result<Layout>(*options.layout) : detect_layout(options.migrations_dir);
    BELAY_TRY(layout);
    if (*layout == Layout::drizzle) {
        return create_drizzle_migration(options.migrations_dir, name, options.timestamp, now);
    }
    auto newest = newest_in_layout(options.migrations_dir, *layout);
    BELAY_TRY(newest);
    SqlxNaming sqlx;
    if (*layout == Layout::sqlx) {
        auto naming = sqlx_naming_of(options.migrations_dir);
        BELAY_TRY(naming);
        sqlx = *naming;
    }
    const auto version = next_version(*layout, *newest, sqlx, options.timestamp, now);
    if (*newest && !(**newest < *Version::parse(version))) {
        return fail(options.migrations_dir, ErrorCode::invalid_input,
                    "{}: version {} would not be newer than the newest migration's version {}. "
                    "A version taken from the clock counts whole seconds: run it again once the "
                    "clock is past {} (if the newest is ahead of this machine's clock, check the "
                    "clock). Nothing was written",
                    options.migrations_dir.string(), version, (*newest)->text(), (*newest)->text());
    }
    using Files = std::vector<std::pair<std::filesystem::path, std::string>>;
    auto files = *layout == Layout::flyway
                     ? flyway_files_for(options.migrations_dir, version, name)
                     : Result<Files>(files_for(*layout, options.migrations_dir, version, name, now,
                                               sqlx.reversible));
    BELAY_TRY(files);
    std::vector<std::filesystem::path> written;
    for (const auto& [path, contents] : *files) {
        std::filesystem::create_directories(path.parent_path(), ec);
        auto ok = write_new_file(path, contents);
        if (!ok) {
            for (const auto& done : written) {
                std::filesystem::remove(done, ec);  // all files of the migration, or none
            }
            return std::unexpected(ok.error());
        }
        written.push_back(path);
    }
    return written;
}

}  // namespace belay::engine
