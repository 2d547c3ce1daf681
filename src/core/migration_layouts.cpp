#include "core/migration_layouts.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/ascii.hpp"
#include "core/checksum.hpp"
#include "core/migration_files.hpp"
#include "core/migration_flyway.hpp"
#include "core/migration_parser.hpp"
#include "core/migration_source.hpp"

namespace belay {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::pair<Layout, std::string_view>, 7> k_names{{
    {Layout::sql_migrate, "sql-migrate"},
    {Layout::goose, "goose"},
    {Layout::dbmate, "dbmate"},
    {Layout::golang_migrate, "golang-migrate"},
    {Layout::pop, "pop"},
    {Layout::diesel, "diesel"},
    {Layout::flyway, "flyway"},
}};

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    return text;
}

// The text after "--" on a comment line (trimmed) when it starts with `marker` (lower case),
// compared without case; std::nullopt for any other line. Allocates nothing: it is asked of
// every comment line of every file.
std::optional<std::string_view> text_of_directive(std::string_view line, std::string_view marker) {
    auto text = trimmed(line);
    if (!text.starts_with("--")) {
        return std::nullopt;
    }
    text = trimmed(text.substr(2));
    if (!starts_with_ascii_nocase(text, marker)) {
        return std::nullopt;
    }
    return text;
}

// The words after `marker` on a directive line, in lower case, or std::nullopt for any other
// line: "-- +goose NO TRANSACTION" -> "no transaction".
std::optional<std::string> directive_after(std::string_view line, std::string_view marker) {
    const auto text = text_of_directive(line, marker);
    if (!text) {
        return std::nullopt;
    }
    return to_lower_ascii(trimmed(text->substr(marker.size())));
}

std::string goose_to_sql_migrate(const std::string& command) {
    if (command == "up" || command == "down") {
        return command == "up" ? "Up" : "Down";
    }
    if (command == "statementbegin" || command == "statementend") {
        return command == "statementbegin" ? "StatementBegin" : "StatementEnd";
    }
    if (command == "no transaction") {
        return "NoTransaction";
    }
    return "goose:" + command;  // unknown: belay's parser reports the line
}

std::string dbmate_to_sql_migrate(const std::string& command) {
    const auto space = command.find(' ');
    const auto keyword = command.substr(0, space);
    std::string result = keyword == "up" ? "Up" : keyword == "down" ? "Down" : "dbmate:" + keyword;
    if (space != std::string::npos) {
        const auto option = std::string(trimmed(std::string_view(command).substr(space)));
        result += option == "transaction:false" ? " notransaction" : " " + option;
    }
    return result;
}

// The layout a single .sql file's directives belong to.
Layout layout_of_single_file(std::string_view contents) {
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
    return Layout::sql_migrate;
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

std::string translate_directives(std::string_view contents, Layout layout) {
    const std::string_view marker = layout == Layout::goose ? "+goose" : "migrate:";
    std::string result;
    result.reserve(contents.size() + 64);  // the translation is about as long as the file
    std::size_t start = 0;
    while (start <= contents.size()) {
        const auto end = std::min(contents.find('\n', start), contents.size());
        const auto line = contents.substr(start, end - start);
        if (auto command = directive_after(line, marker)) {
            result += "-- +migrate ";
            result += layout == Layout::goose ? goose_to_sql_migrate(*command)
                                              : dbmate_to_sql_migrate(*command);
            if (line.ends_with('\r')) {
                result += '\r';
            }
        } else {
            result += line;
        }
        if (end < contents.size()) {
            result += '\n';
        }
        start = end + 1;
    }
    return result;
}

Result<Layout> detect_layout(const fs::path& directory, ReadCache* cache) {
    ReadCache own;
    const auto& entries = (cache != nullptr ? *cache : own).entries(directory);
    BELAY_TRY(entries);
    std::map<Layout, fs::path> found;  // each layout seen, with its first file
    for (std::size_t index = 0; index < entries->size(); ++index) {
        const ListedEntry& entry = (*entries)[index];
        const std::string_view name = entry.file_name();
        std::error_code ec;
        if (is_ignored_file_name(name)) {
            continue;
        }
        if (entry.is_directory(ec)) {
            if (is_diesel_folder_name(std::string(name))) {
                found.try_emplace(Layout::diesel, entry.path());
            }
            continue;
        }
        if (parse_flyway_file_name(name)) {
            found.try_emplace(Layout::flyway, entry.path());
            continue;
        }
        if (is_pair_file(name)) {
            found.try_emplace(Layout::golang_migrate, entry.path());
            continue;
        }
        if (!parse_migration_file_name(name)) {
            continue;  // the loader reports it
        }
        auto contents = read_whole_file(entry.path());
        if (contents) {
            found.try_emplace(layout_of_single_file(*contents), entry.path());
            if (cache != nullptr) {
                cache->keep(index, std::move(*contents));
            }
        }
    }
    if (found.size() > 1) {
        std::vector<std::string> examples;
        for (const auto& [layout, path] : found) {
            examples.push_back(fmt::format("{} ({})", to_string(layout), path.string()));
        }
        return fail(directory, ErrorCode::invalid_input,
                    "{} holds migrations in more than one layout: {}; keep one layout per "
                    "directory, or pass {} to choose one",
                    directory.string(), fmt::join(examples, ", "), Option::layout);
    }
    return found.empty() ? Layout::sql_migrate : found.begin()->first;
}

}  // namespace belay
