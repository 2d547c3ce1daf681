#include "sqlite/sqlite_hints.hpp"

#include <sqlite3.h>

#include <array>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "sqlite/database.hpp"

namespace belay::sqlite {

namespace {

// Built-in SQL functions of newer SQLite releases than Debian 12's 3.40.1 (and a few of its
// own, for older systems), with the release that added each. The tests check every name
// against the library linked, bundled and system (SqliteHints.*).
constexpr std::array k_newer_functions{
    NewerFunction{"iif", 3032000},
    NewerFunction{"format", 3038000},
    NewerFunction{"unixepoch", 3038000},
    NewerFunction{"unhex", 3041000},
    NewerFunction{"json_error_position", 3042000},
    NewerFunction{"octet_length", 3043000},
    NewerFunction{"timediff", 3043000},
    NewerFunction{"concat", 3044000},
    NewerFunction{"concat_ws", 3044000},
    NewerFunction{"string_agg", 3044000},
    NewerFunction{"jsonb", 3045000},
    NewerFunction{"jsonb_array", 3045000},
    NewerFunction{"jsonb_extract", 3045000},
    NewerFunction{"jsonb_group_array", 3045000},
    NewerFunction{"jsonb_group_object", 3045000},
    NewerFunction{"jsonb_insert", 3045000},
    NewerFunction{"jsonb_object", 3045000},
    NewerFunction{"jsonb_patch", 3045000},
    NewerFunction{"jsonb_remove", 3045000},
    NewerFunction{"jsonb_replace", 3045000},
    NewerFunction{"jsonb_set", 3045000},
    NewerFunction{"json_pretty", 3046000},
    NewerFunction{"if", 3048000},
    NewerFunction{"unistr", 3050000},
    NewerFunction{"unistr_quote", 3050000},
};

std::string version_text(int number) {
    return fmt::format("{}.{}.{}", number / 1000000, number / 1000 % 1000, number % 1000);
}

// "SQLite 3.40.1, the system's library" or "SQLite 3.52.0, its bundled copy".
std::string this_sqlite() {
    return fmt::format("SQLite {}, {}", library_version(),
                       library_is_bundled() ? "its bundled copy" : "the system's library");
}

// What to do when this SQLite is too old for `needed`.
std::string newer_belay_advice(int needed) {
    constexpr std::string_view bundled = BELAY_SQLITE_BUNDLED_VERSION;
    if (!library_is_bundled()) {
        return fmt::format("use a belay built with its bundled SQLite {}, the default build",
                           bundled);
    }
    return fmt::format("use a belay release that bundles SQLite {} or later", version_text(needed));
}

// The first word of `statement`, upper-cased, after blanks and comments.
std::string first_keyword(std::string_view statement) {
    std::size_t at = 0;
    while (at < statement.size()) {
        if (std::isspace(static_cast<unsigned char>(statement[at])) != 0) {
            ++at;
        } else if (statement.substr(at, 2) == "--") {
            const auto end = statement.find('\n', at);
            at = end == std::string_view::npos ? statement.size() : end + 1;
        } else if (statement.substr(at, 2) == "/*") {
            const auto end = statement.find("*/", at + 2);
            at = end == std::string_view::npos ? statement.size() : end + 2;
        } else {
            break;
        }
    }
    std::size_t end = at;
    while (end < statement.size() &&
           (std::isalpha(static_cast<unsigned char>(statement[end])) != 0)) {
        ++end;
    }
    return to_upper_ascii(std::string(statement.substr(at, end - at)));
}

// For SQLite's "malformed database schema (v) - near "ORDER": syntax error": the schema holds
// SQL this SQLite cannot parse, which a newer one may have written (an aggregate's ORDER BY is
// SQLite 3.44's). Empty for any other message.
std::string unparsable_schema_hint(std::string_view message) {
    constexpr std::string_view words = "malformed database schema (";
    const auto at = message.find(words);
    if (at == std::string_view::npos ||
        message.find("syntax error", at) == std::string_view::npos) {
        return {};
    }
    const auto object = message.substr(at + words.size());
    return fmt::format(
        "this belay runs on {}, which cannot parse the SQL of {}: if a newer SQLite wrote it, "
        "{}",
        this_sqlite(), object.substr(0, object.find(')')),
        library_is_bundled()
            ? std::string("a belay release with a newer SQLite may read it")
            : fmt::format("a belay built with its bundled SQLite {} (the default build) may read "
                          "it",
                          BELAY_SQLITE_BUNDLED_VERSION));
}

}  // namespace

std::span<const NewerFunction> newer_functions() {
    return k_newer_functions;
}

std::string missing_function(std::string_view message) {
    for (const std::string_view words : {"no such function: ", "unknown function: "}) {
        if (const auto at = message.find(words); at != std::string_view::npos) {
            auto name = message.substr(at + words.size());
            return std::string(name.substr(0, name.find_first_of(" \n:;,()")));
        }
    }
    return {};
}

std::string newer_sqlite_hint(std::string_view message) {
    const auto function = to_lower_ascii(missing_function(message));
    if (function.empty()) {
        return unparsable_schema_hint(message);
    }
    for (const auto& newer : k_newer_functions) {
        if (newer.name == function && sqlite3_libversion_number() < newer.since) {
            return fmt::format(
                "{}() is a built-in function of SQLite {} and later, but this belay runs on {}: "
                "what calls it needs a newer SQLite; {}",
                function, version_text(newer.since), this_sqlite(),
                newer_belay_advice(newer.since));
        }
    }
    return {};
}

std::string statement_hint(std::string_view message, std::string_view statement) {
    if (auto hint = newer_sqlite_hint(message); !hint.empty()) {
        return hint;
    }
    const auto lower = to_lower_ascii(std::string(message));
    const bool near_limit = lower.find("near \"limit\": syntax error") != std::string::npos ||
                            lower.find("near \"order\": syntax error") != std::string::npos;
    const auto keyword = first_keyword(statement);
    if (!near_limit || (keyword != "DELETE" && keyword != "UPDATE" && keyword != "WITH") ||
        sqlite3_compileoption_used("ENABLE_UPDATE_DELETE_LIMIT") != 0) {
        return {};
    }
    return fmt::format(
        "this belay runs on {}, which takes no LIMIT or ORDER BY on DELETE and UPDATE (Debian's "
        "library has them; no build from SQLite's amalgamation can): pick the rows in a "
        "subquery instead, as in DELETE FROM t WHERE rowid IN (SELECT rowid FROM t ORDER BY x "
        "LIMIT 10), or use a belay built with the system's SQLite",
        this_sqlite());
}

std::string with_newer_sqlite_hint(std::string message) {
    if (auto hint = newer_sqlite_hint(message); !hint.empty()) {
        message += " (" + hint + ")";
    }
    return message;
}

}  // namespace belay::sqlite
