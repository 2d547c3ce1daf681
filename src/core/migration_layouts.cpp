#include "core/migration_layouts.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "belay/utf8.hpp"
#include "core/ascii.hpp"
#include "core/checksum.hpp"
#include "core/migration_drizzle.hpp"
#include "core/migration_files.hpp"
#include "core/migration_flyway.hpp"
#include "core/migration_parser.hpp"
#include "core/migration_prisma.hpp"
#include "core/migration_source.hpp"
#include "core/migration_sqlx.hpp"

namespace belay {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::pair<Layout, std::string_view>, 10> k_names{{
    {Layout::sql_migrate, "sql-migrate"},
    {Layout::goose, "goose"},
    {Layout::dbmate, "dbmate"},
    {Layout::golang_migrate, "golang-migrate"},
    {Layout::pop, "pop"},
    {Layout::diesel, "diesel"},
    {Layout::sqlx, "sqlx"},
    {Layout::prisma, "prisma"},
    {Layout::drizzle, "drizzle"},
    {Layout::flyway, "flyway"},
}};

// The text after "--" on a comment line (trimmed) when it starts with `marker` (lower case),
// compared without case; std::nullopt for any other line. Allocates nothing: it is asked of
// every comment line of every file.
// `text` from its first character that is neither blank nor invisible (invisible_character_at):
// a directive behind one is still the file's evidence of its layout (its reader refuses it).
std::string_view without_leading_invisible(std::string_view text) {
    for (auto invisible = invisible_character_at(text); invisible.length != 0;
         invisible = invisible_character_at(text)) {
        text = trim_blanks(text.substr(invisible.length));
    }
    return text;
}

std::optional<std::string_view> text_of_directive(std::string_view line, std::string_view marker) {
    auto text = without_leading_invisible(trim_blanks(line));
    if (!text.starts_with("--")) {
        return std::nullopt;
    }
    text = without_leading_invisible(trim_blanks(text.substr(2)));
    if (!starts_with_ascii_nocase(text, marker)) {
        return std::nullopt;
    }
    return text;
}

// The layout a single .sql file's directives belong to: sqlx's when it has none (sqlx runs the
// whole file) or starts with sqlx's "-- no-transaction".
Layout layout_of_single_file(std::string_view contents) {
    if (starts_with_sqlx_no_transaction(contents)) {
        return Layout::sqlx;
    }
    std::size_t start = 0;
    while (start <= contents.size()) {
        const auto end = std::min(contents.find('\n', start), contents.size());
        const auto line = contents.substr(start, end - start);
        if (text_of_directive(line, "+goose")) {
            return Layout::goose;
        }
        if (text_of_directive(line, "migrate:")) {
            return Layout::dbmate;
        }
        if (text_of_directive(line, "+migrate")) {
            return Layout::sql_migrate;
        }
        start = end + 1;
    }
    return Layout::sqlx;
}

bool is_pair_file(std::string_view name) {
    return name.ends_with(".up.sql") || name.ends_with(".down.sql");
}

}  // namespace

std::string_view no_transaction_hint(Layout layout) {
    switch (layout) {
        case Layout::goose:
            return "put '-- +goose NO TRANSACTION' in the file";
        case Layout::dbmate:
            return "add 'transaction:false' to its '-- migrate:up' or '-- migrate:down' line";
        case Layout::golang_migrate:
        case Layout::pop:
            return "name the file <version>_<name>.autocommit.up.sql (or .down.sql)";
        case Layout::diesel:
            return "put 'run_in_transaction = false' in the folder's metadata.toml";
        case Layout::sqlx:
            return "make '-- no-transaction' the file's first line";
        case Layout::prisma:
            return "move it out of the Prisma migrations, which have no marker for this, and run "
                   "it by hand";
        case Layout::drizzle:
            return "Drizzle runs every migration in a transaction too: run it by hand, outside "
                   "the migrations,";
        case Layout::flyway:
            return "put 'executeInTransaction=false' in a file beside it named like it with "
                   "'.conf' added (Flyway's script configuration, e.g. V3__vacuum.sql.conf)";
        case Layout::embedded:
            return "set no_transaction (or down_no_transaction) in its EmbeddedMigration";
        default:
            return "put '-- +migrate NoTransaction' in the file";
    }
}

std::string_view to_string(Layout layout) {
    if (layout == Layout::embedded) {
        return "embedded";  // not a --format: parse_layout does not accept it
    }
    for (const auto& [value, name] : k_names) {
        if (value == layout) {
            return name;
        }
    }
    return "unknown";
}

std::optional<Layout> parse_layout(std::string_view name) {
    for (const auto& [value, text] : k_names) {
        if (text == name) {
            return value;
        }
    }
    return std::nullopt;
}

namespace {

// Whether a file below `directory`, in any subdirectory, is named as Flyway names its scripts:
// Flyway scans a location recursively (flyway_tree), so a project may keep every script in
// subdirectories (release1/V1__init.sql).
bool has_flyway_file_below(const fs::path& directory) {
    Problems ignored;  // the loader reports them
    return std::ranges::any_of(flyway_tree(directory, ignored), [](const fs::path& file) {
        return parse_flyway_file_name(file.filename().string()).has_value();
    });
}

// What one entry of a migrations directory says about its layout, if anything. A single .sql
// file is read, and kept in `cache` (when there is one) for the loader.
std::optional<Layout> evidence_of(const ListedEntry& entry, std::size_t index, ReadCache* cache) {
    const std::string_view name = entry.file_name();
    std::error_code ec;
    if (is_ignored_file_name(name)) {
        return std::nullopt;
    }
    if (entry.is_directory(ec)) {
        // Prisma's folders may have diesel's names (20240101120000_init): migration.sql decides.
        if (fs::exists(entry.path() / "migration.sql", ec)) {
            return Layout::prisma;
        }
        if (is_diesel_folder_name(std::string(name))) {
            return Layout::diesel;
        }
        return has_flyway_file_below(entry.path()) ? std::optional(Layout::flyway) : std::nullopt;
    }
    if (is_prisma_lock_file_name(name)) {
        return Layout::prisma;
    }
    if (parse_flyway_file_name(name)) {
        return Layout::flyway;
    }
    if (is_pair_file(name)) {
        // sqlx's pairs are named as golang-migrate's: only sqlx's own marker tells them apart.
        return file_starts_with_sqlx_no_transaction(entry.path()) ? Layout::sqlx
                                                                  : Layout::golang_migrate;
    }
    if (!parse_migration_file_name(name)) {
        return std::nullopt;  // the loader reports it
    }
    auto contents = read_whole_file(entry.path());
    if (!contents) {
        return std::nullopt;  // the loader reports it
    }
    const Layout layout = layout_of_single_file(*contents);
    if (cache != nullptr) {
        cache->keep(index, std::move(*contents));
    }
    return layout;
}

// What to say of sqlx's place in a mix: a file without directives reads as sqlx's, where the
// file's author may have forgotten the other layout's Up marker.
std::string sqlx_in_mix(const std::map<Layout, fs::path>& found) {
    if (!found.contains(Layout::sqlx)) {
        return {};
    }
    std::string text = " (a .sql file without any directive is sqlx's, which runs it whole";
    for (const auto& [layout, marker] :
         {std::pair{Layout::sql_migrate, "-- +migrate Up"},
          std::pair{Layout::goose, "-- +goose Up"}, std::pair{Layout::dbmate, "-- migrate:up"}}) {
        if (found.contains(layout)) {
            text +=
                fmt::format("; if {} is meant as {}'s, it lacks its '{}' line",
                            found.at(Layout::sqlx).filename().string(), to_string(layout), marker);
        }
    }
    return text + ")";
}

}  // namespace

Result<Layout> detect_layout(const fs::path& directory, ReadCache* cache) {
    if (is_drizzle_folder(directory)) {
        return Layout::drizzle;  // its reader names every .sql file the journal does not list
    }
    ReadCache own;
    const auto& entries = (cache != nullptr ? *cache : own).entries(directory);
    BELAY_TRY(entries);
    std::map<Layout, fs::path> found;  // each layout seen, with its first file
    for (std::size_t index = 0; index < entries->size(); ++index) {
        if (const auto layout = evidence_of((*entries)[index], index, cache)) {
            found.try_emplace(*layout, (*entries)[index].path());
        }
    }
    // sqlx allows simple files and pairs side by side: beside sqlx's files, pairs are sqlx's.
    if (found.contains(Layout::sqlx)) {
        found.erase(Layout::golang_migrate);
    }
    if (found.size() > 1) {
        std::vector<std::string> examples;
        for (const auto& [layout, path] : found) {
            examples.push_back(fmt::format("{} ({})", to_string(layout), path.string()));
        }
        return fail(directory, ErrorCode::invalid_input,
                    "{} holds migrations in more than one layout: {}{}; keep one layout per "
                    "directory, or pass {} to choose one",
                    directory.string(), fmt::join(examples, ", "), sqlx_in_mix(found),
                    Option::layout);
    }
    return found.empty() ? Layout::sql_migrate : found.begin()->first;
}

}  // namespace belay
