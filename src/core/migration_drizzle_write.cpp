// Writing Drizzle's journal and snapshots as drizzle-kit writes them (see migration_drizzle.hpp).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/migration_drizzle.hpp"

namespace belay {

namespace fs = std::filesystem;

namespace {

using Json = nlohmann::ordered_json;

// The indentation of one level in `text` (the whitespace that starts its first indented line),
// as JSON.stringify's third argument; two spaces for a file with none (drizzle-kit's).
std::pair<int, char> indentation_of(std::string_view text) {
    const auto newline = text.find('\n');
    if (newline == std::string_view::npos) {
        return {2, ' '};
    }
    const auto line = text.substr(newline + 1);
    if (line.starts_with('\t')) {
        return {1, '\t'};
    }
    const auto spaces = line.find_first_not_of(' ');
    return {spaces == 0 || spaces == std::string_view::npos ? 2 : static_cast<int>(spaces), ' '};
}

// `document` as JSON.stringify(document, null, indent) writes it, with `text`'s indentation
// and its final newline, if it had one. nlohmann writes objects, arrays, escapes and integers as
// JSON.stringify does; bytes that are not UTF-8 are written as U+FFFD, as Node reads them.
std::string stringify_like(const Json& document, std::string_view text) {
    const auto [width, character] = indentation_of(text);
    auto result = document.dump(width, character, false, Json::error_handler_t::replace);
    if (text.ends_with('\n')) {
        result += '\n';
    }
    return result;
}

// Parses JSON, reporting malformed text as read_drizzle_journal does.
Result<Json> parse_object(std::string_view text, const fs::path& path) {
    const auto document = Json::parse(text, nullptr, false);
    if (document.is_discarded() || !document.is_object()) {
        return fail(path, ErrorCode::invalid_input,
                    "{}: not a JSON object as drizzle-kit writes it; restore it from version "
                    "control",
                    path.string());
    }
    return document;
}

}  // namespace

Result<std::string> drizzle_journal_with(std::string_view journal_text, const fs::path& path,
                                         const DrizzleEntry& entry) {
    auto journal = parse_object(journal_text, path);
    BELAY_TRY(journal);
    auto& entries = (*journal)["entries"];
    if (!entries.is_array()) {
        return fail(path, ErrorCode::invalid_input,
                    "{}: no \"entries\" list, so not a Drizzle journal; restore it from version "
                    "control",
                    path.string());
    }
    // drizzle-kit gives each entry its snapshots' version: SQLite's is "6".
    Json version = "6";
    if (!entries.empty() && entries.back().is_object() && entries.back().contains("version")) {
        version = entries.back()["version"];
    }
    entries.push_back(Json{{"idx", entry.idx},
                           {"version", version},
                           {"when", entry.when},
                           {"tag", entry.tag},
                           {"breakpoints", true}});
    return stringify_like(*journal, journal_text);
}

std::string new_drizzle_journal() {
    // What drizzle-kit writes first: JSON.stringify without indentation, journal version "7".
    return R"({"version":"7","dialect":"sqlite","entries":[]})";
}

Result<std::string> drizzle_custom_snapshot(std::string_view previous_text, const fs::path& path,
                                            const std::string& id) {
    auto previous = parse_object(previous_text, path);
    BELAY_TRY(previous);
    // {id, prevId, ...the previous snapshot but its id and prevId}, then an empty "_meta" in
    // the place the previous one had it: what `drizzle-kit generate --custom` writes.
    Json snapshot{{"id", id}, {"prevId", previous->value("id", Json())}};
    for (const auto& [key, value] : previous->items()) {
        if (key != "id" && key != "prevId") {
            snapshot[key] = value;
        }
    }
    snapshot["_meta"] =
        Json{{"columns", Json::object()}, {"schemas", Json::object()}, {"tables", Json::object()}};
    return stringify_like(snapshot, previous_text);
}

}  // namespace belay
