// Drizzle's migrations folder (see migration_drizzle.hpp).
#include "core/migration_drizzle.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/checksum.hpp"
#include "core/migration_files.hpp"
#include "core/migration_parser.hpp"
#include "core/migration_source.hpp"

namespace belay {

namespace fs = std::filesystem;

namespace {

using Json = nlohmann::ordered_json;

// What to say after any problem of the journal itself.
constexpr std::string_view k_journal_advice =
    "drizzle-kit writes this file: restore it from version control rather than edit it";

// Line and column (both 1-based) of the byte at `offset` in `text`.
std::pair<int, int> line_and_column(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    const auto before = text.substr(0, offset);
    const auto line = 1 + static_cast<int>(std::ranges::count(before, '\n'));
    const auto line_start = before.rfind('\n');
    const auto column =
        static_cast<int>(line_start == std::string_view::npos ? offset + 1 : offset - line_start);
    return {line, column};
}

Result<Json> parse_json(std::string_view text, const fs::path& path) {
    try {
        return Json::parse(text);
    } catch (const Json::parse_error& error) {
        // nlohmann's message: "[json.exception.parse_error.101] parse error at line 3, column
        // 5: syntax error while parsing ..."; the position is given as path:line:column instead.
        const std::string what = error.what();
        const auto column = what.find("column ");
        const auto colon = what.find(": ", column == std::string::npos ? 0 : column);
        const auto reason = colon == std::string::npos ? what : what.substr(colon + 2);
        const auto [line, at] = line_and_column(text, error.byte == 0 ? 0 : error.byte - 1);
        return fail(path, ErrorCode::invalid_input, "{}:{}:{}: not valid JSON ({}); {}",
                    path.string(), line, at, reason, k_journal_advice);
    }
}

// A JSON number that is a whole number of int64's range (JSON.parse reads 5.0 as 5, and so
// does Drizzle).
std::optional<std::int64_t> whole_number(const Json& value) {
    if (value.is_number_unsigned()) {
        const auto number = value.get<std::uint64_t>();
        if (number <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return static_cast<std::int64_t>(number);
        }
    } else if (value.is_number_integer()) {
        return value.get<std::int64_t>();
    } else if (value.is_number_float()) {
        const double number = value.get<double>();
        if (std::floor(number) == number && std::fabs(number) < 9.0e15) {
            return static_cast<std::int64_t>(number);
        }
    }
    return std::nullopt;
}

// "drizzle/meta/_journal.json: entries[3] (0003_x)": where an entry's problem is.
std::string entry_label(const fs::path& path, std::size_t index, const Json& entry) {
    const auto tag = entry.is_object() ? entry.find("tag") : entry.end();
    if (tag != entry.end() && tag->is_string()) {
        return fmt::format("{}: entries[{}] ({})", path.string(), index, tag->get<std::string>());
    }
    return fmt::format("{}: entries[{}]", path.string(), index);
}

// One entry's fields, or a problem naming the field.
std::optional<DrizzleEntry> read_entry(const Json& entry, const std::string& label,
                                       Problems& problems) {
    if (!entry.is_object()) {
        problems.add(fmt::format("{}: not an object; {}", label, k_journal_advice));
        return std::nullopt;
    }
    const auto number = [&](const char* field) -> std::optional<std::int64_t> {
        const auto it = entry.find(field);
        auto value = it == entry.end() ? std::nullopt : whole_number(*it);
        if (!value || *value < 0) {
            problems.add(fmt::format("{}: \"{}\" is {}, not a whole number of 0 or more; {}", label,
                                     field, it == entry.end() ? std::string("missing") : it->dump(),
                                     k_journal_advice));
            return std::nullopt;
        }
        return value;
    };
    const auto idx = number("idx");
    const auto when = number("when");
    const auto tag = entry.find("tag");
    const bool tag_ok =
        tag != entry.end() && tag->is_string() && !tag->get<std::string>().empty() &&
        tag->get<std::string>().find_first_of(std::string("/\0", 2)) == std::string::npos;
    if (!tag_ok) {
        problems.add(fmt::format(
            "{}: \"tag\" is {}, not the name of a file of this folder without its .sql; {}", label,
            tag == entry.end() ? std::string("missing") : tag->dump(), k_journal_advice));
    }
    if (!idx || !when || !tag_ok) {
        return std::nullopt;
    }
    return DrizzleEntry{*idx, *when, tag->get<std::string>()};
}

// Two entries with one idx or one tag, or idx that do not rise along the list.
void check_order(const fs::path& path, const std::vector<DrizzleEntry>& entries,
                 const std::vector<std::size_t>& indexes, Problems& problems) {
    std::map<std::string, std::size_t> by_tag;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto& entry = entries[i];
        if (const auto [it, added] = by_tag.emplace(entry.tag, indexes[i]); !added) {
            problems.add(fmt::format(
                "{}: entries[{}] and entries[{}] both name {}.sql; keep one entry per file ({})",
                path.string(), it->second, indexes[i], entry.tag, k_journal_advice));
        }
        if (i == 0 || entries[i - 1].idx < entry.idx) {
            continue;
        }
        const auto& before = entries[i - 1];
        problems.add(
            before.idx == entry.idx
                ? fmt::format("{}: entries[{}] ({}) and entries[{}] ({}) both have idx {}; give "
                              "each entry its own idx, rising along the list as drizzle-kit "
                              "numbers them (0, 1, 2, ...)",
                              path.string(), indexes[i - 1], before.tag, indexes[i], entry.tag,
                              entry.idx)
                : fmt::format("{}: entries[{}] ({}) has idx {}, below the {} of entries[{}] ({}): "
                              "Drizzle runs the entries in the journal's order and belay orders "
                              "them by idx, so the idx must rise along the list as drizzle-kit "
                              "numbers them (0, 1, 2, ...)",
                              path.string(), indexes[i], entry.tag, entry.idx, before.idx,
                              indexes[i - 1], before.tag));
    }
}

// The "dialect" must be SQLite's: "sqlite", or "turso" (libSQL, SQLite's fork).
void check_dialect(const fs::path& path, const Json& journal, Problems& problems) {
    const auto dialect = journal.find("dialect");
    if (dialect != journal.end() && dialect->is_string() &&
        (*dialect == "sqlite" || *dialect == "turso")) {
        return;
    }
    problems.add_said(
        path, 0,
        said("{}: the journal's \"dialect\" is {}: belay runs SQLite migrations, and drizzle-kit "
             "writes \"sqlite\" (or \"turso\") for them; point {} at the folder of your SQLite "
             "schema's migrations",
             path.string(), dialect == journal.end() ? std::string("missing") : dialect->dump(),
             Option::migrations_dir));
}

// Whether `meta` holds a snapshot drizzle-kit writes (<idx>_snapshot.json). Unreadable: no.
bool has_drizzle_snapshots(const fs::path& meta) {
    std::error_code ec;
    for (fs::directory_iterator it(meta, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().filename().string().ends_with("_snapshot.json")) {
            return true;
        }
    }
    return false;
}

Result<Json> read_journal_document(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(path, ec)) && has_drizzle_snapshots(path.parent_path())) {
        return fail(path, ErrorCode::invalid_input,
                    "{} does not exist, but drizzle-kit's snapshots are beside it: the folder is "
                    "Drizzle's and its journal, which orders the migrations, is lost. Restore it "
                    "(git checkout -- {}); nothing was run",
                    path.string(), path.string());
    }
    if (std::error_code target;
        fs::is_symlink(fs::symlink_status(path, ec)) && !fs::exists(fs::status(path, target))) {
        return fail(path, ErrorCode::invalid_input,
                    "{} is a symbolic link that {} ({}), so the folder's journal, which orders "
                    "the migrations, cannot be read. Point the link at the journal, or restore "
                    "the file (git checkout -- {}); nothing was run",
                    path.string(),
                    target == std::errc::too_many_symbolic_link_levels ? "loops" : "leads nowhere",
                    target ? target.message() : "no such file", path.string());
    }
    if (!fs::exists(path, ec)) {
        return fail(path, ErrorCode::invalid_input,
                    "{} does not exist: a Drizzle migrations folder has meta/_journal.json, "
                    "which drizzle-kit generate writes; point {} at that folder (drizzle.config's "
                    "`out`), or create the first migration with {}",
                    path.string(), Option::migrations_dir,
                    run(Command::create, {placeholder("NAME")}));
    }
    auto text = read_whole_file(path);
    BELAY_TRY(text);
    auto journal = parse_json(*text, path);
    BELAY_TRY(journal);
    const auto entries = journal->is_object() ? journal->find("entries") : journal->end();
    if (entries == journal->end() || !entries->is_array()) {
        return fail(path, ErrorCode::invalid_input,
                    "{}: no \"entries\" list, so not a Drizzle journal; {}", path.string(),
                    k_journal_advice);
    }
    return journal;
}

}  // namespace

fs::path drizzle_journal_path(const fs::path& folder) {
    return folder / "meta" / "_journal.json";
}

bool is_drizzle_folder(const fs::path& folder) {
    std::error_code ec;
    const auto journal = drizzle_journal_path(folder);
    return fs::exists(fs::symlink_status(journal, ec)) ||
           has_drizzle_snapshots(journal.parent_path());
}

bool has_drizzle_journal(const fs::path& folder) {
    std::error_code ec;
    return fs::is_regular_file(drizzle_journal_path(folder), ec);
}

Result<DrizzleJournal> read_drizzle_journal(const fs::path& folder) {
    DrizzleJournal journal{drizzle_journal_path(folder), {}};
    auto document = read_journal_document(journal.path);
    BELAY_TRY(document);
    Problems problems;
    check_dialect(journal.path, *document, problems);
    std::vector<std::size_t> indexes;  // of each read entry in the list
    const auto& entries = document->at("entries");
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (auto entry =
                read_entry(entries[i], entry_label(journal.path, i, entries[i]), problems)) {
            journal.entries.push_back(std::move(*entry));
            indexes.push_back(i);
        }
    }
    check_order(journal.path, journal.entries, indexes, problems);
    if (!problems.empty()) {
        return std::unexpected(problems.error());
    }
    return journal;
}

namespace {

// Where SQLite's tokenizer stands: in code, or inside a literal or a comment.
enum class Lexical { code, single_quoted, double_quoted, backquoted, bracketed, block, line };

std::string_view inside(Lexical state) {
    switch (state) {
        case Lexical::single_quoted:
            return "a string literal ('...'), which it would cut in two";
        case Lexical::double_quoted:
        case Lexical::backquoted:
        case Lexical::bracketed:
            return "a quoted name, which it would cut in two";
        case Lexical::block:
            return "a /* */ comment, which it would cut in two, leaving the rest as SQL";
        default:
            return "a -- comment, whose rest of the line it would run as SQL";
    }
}

// The state after the character(s) at `i` in `state`; advances `i` past them.
Lexical step(std::string_view text, std::size_t& i, Lexical state) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    ++i;
    switch (state) {
        case Lexical::code:
            if (c == '-' && next == '-') {
                ++i;
                return Lexical::line;
            }
            if (c == '/' && next == '*') {
                ++i;
                return Lexical::block;
            }
            return c == '\''  ? Lexical::single_quoted
                   : c == '"' ? Lexical::double_quoted
                   : c == '`' ? Lexical::backquoted
                   : c == '[' ? Lexical::bracketed
                              : Lexical::code;
        case Lexical::single_quoted:
        case Lexical::double_quoted:
        case Lexical::backquoted: {
            const char quote = state == Lexical::single_quoted   ? '\''
                               : state == Lexical::double_quoted ? '"'
                                                                 : '`';
            if (c != quote) {
                return state;
            }
            if (next == quote) {
                ++i;  // a doubled quote stands for itself
                return state;
            }
            return Lexical::code;
        }
        case Lexical::bracketed:
            return c == ']' ? Lexical::code : state;
        case Lexical::block:
            if (c == '*' && next == '/') {
                ++i;
                return Lexical::code;
            }
            return state;
        case Lexical::line:
            return c == '\n' ? Lexical::code : state;
    }
    return state;
}

// Whether only blanks follow `from` up to the end of its line.
bool rest_of_line_is_blank(std::string_view text, std::size_t from) {
    for (; from < text.size() && text[from] != '\n'; ++from) {
        if (text[from] != ' ' && text[from] != '\t' && text[from] != '\r') {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string drizzle_statements(std::string_view text, const fs::path& path, Problems& problems) {
    std::string result(text);
    Lexical state = Lexical::code;
    int line = 1;
    std::size_t comment_start = 0;  // of the -- comment `state` is in
    for (std::size_t i = 0; i < text.size();) {
        if (text.substr(i).starts_with(k_drizzle_breakpoint)) {
            // At the end of a -- comment Drizzle's cut leaves nothing of the line to run: the
            // comment ends with the piece. Blanked, so the ';' that ends the piece is not in it.
            const bool ends_comment = state == Lexical::line &&
                                      rest_of_line_is_blank(text, i + k_drizzle_breakpoint.size());
            if (ends_comment) {
                result.replace(comment_start, i - comment_start, i - comment_start, ' ');
                state = Lexical::code;
            }
            if (state == Lexical::code) {
                result.replace(i, k_drizzle_breakpoint.size(),
                               ";" + std::string(k_drizzle_breakpoint.size() - 1, ' '));
            } else {
                problems.add(path, line,
                             fmt::format("{}:{}: '{}' stands inside {}: Drizzle splits the file "
                                         "at it all the same; put the breakpoint after the "
                                         "statement's ';', on a line of its own",
                                         path.string(), line, k_drizzle_breakpoint, inside(state)));
            }
            i += k_drizzle_breakpoint.size();
            continue;
        }
        line += text[i] == '\n' ? 1 : 0;
        comment_start = state == Lexical::code ? i : comment_start;
        state = step(text, i, state);
    }
    return result;
}

namespace {

// "0007" and "brave_hulk" for the tag 0007_brave_hulk of idx 7: the tag's leading digits when
// they are the idx (drizzle-kit's default prefix), else the idx written as drizzle-kit writes
// that prefix, with the whole tag as the name (its "timestamp", "unix" and "none" prefixes).
std::pair<Version, std::string> version_and_name(const DrizzleEntry& entry) {
    const auto underscore = entry.tag.find('_');
    if (underscore != std::string::npos && underscore + 1 < entry.tag.size()) {
        const auto digits = Version::parse(std::string_view(entry.tag).substr(0, underscore));
        if (digits && digits->numeric() == std::to_string(entry.idx)) {
            return {*digits, entry.tag.substr(underscore + 1)};
        }
    }
    return {*Version::parse(fmt::format("{:04}", entry.idx)), entry.tag};
}

std::optional<Migration> read_migration(const fs::path& folder, const DrizzleEntry& entry,
                                        const fs::path& journal, Problems& problems) {
    const auto path = folder / (entry.tag + ".sql");
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        problems.add(path, fmt::format("{}: missing, but {} lists it (idx {}); restore the file "
                                       "from version control, or remove its entry if no "
                                       "database has applied it",
                                       path.string(), journal.string(), entry.idx));
        return std::nullopt;
    }
    auto contents = read_whole_file(path);
    auto clean = contents ? check_no_nul_byte(path, *contents) : Result<void>();
    if (!contents || !clean) {
        problems.add(contents ? std::move(clean.error()) : std::move(contents.error()));
        return std::nullopt;
    }
    auto [version, name] = version_and_name(entry);
    return Migration{.version = std::move(version),
                     .name = std::move(name),
                     .path = path,
                     .up = SqlSection{true, drizzle_statements(*contents, path, problems), 1, {}},
                     .down = {},
                     .verify = {},
                     .timeout = std::nullopt,
                     .checksum = migration_checksum(*contents),
                     .layout = Layout::drizzle,
                     .journal_when = entry.when};
}

// What to say of the snapshot beside an unlisted file `name` (<NNNN>_<name>.sql): a db create
// (drizzle-kit's or belay's) that did not get to the journal leaves meta/<NNNN>_snapshot.json
// too, which no entry has either. "" when there is none.
std::string unlisted_snapshot(const fs::path& folder, const DrizzleJournal& journal,
                              std::string_view name) {
    const auto prefix = name.substr(0, name.find('_'));
    const auto listed = std::ranges::any_of(journal.entries, [&](const DrizzleEntry& e) {
        return e.tag.starts_with(std::string(prefix) + "_");
    });
    const auto snapshot = folder / "meta" / (std::string(prefix) + "_snapshot.json");
    std::error_code ec;
    if (prefix.empty() || prefix.size() == name.size() || listed ||
        !fs::is_regular_file(snapshot, ec)) {
        return {};
    }
    return fmt::format(
        " with {}, which no entry has either (both are what a create that did "
        "not finish leaves)",
        snapshot.string());
}

// A problem for every .sql file of the folder that no entry names: Drizzle would never run it.
void report_unlisted(const fs::path& folder, const DrizzleJournal& journal, Problems& problems) {
    auto listing = sorted_entries(folder);
    if (!listing) {
        problems.add(std::move(listing.error()));
        return;
    }
    std::set<std::string> named;
    for (const auto& entry : journal.entries) {
        named.insert(entry.tag + ".sql");
    }
    for (const auto& entry : *listing) {
        const auto name = entry.file_name();
        std::error_code ec;
        if (!name.ends_with(".sql") || is_ignored_file_name(name) || entry.is_directory(ec) ||
            named.contains(std::string(name))) {
            continue;
        }
        problems.add(entry.path(),
                     fmt::format("{}: {} does not list it, so Drizzle would never run it; add "
                                 "its entry (drizzle-kit generate writes both), or move the file "
                                 "out of the folder{}",
                                 entry.path().string(), journal.path.string(),
                                 unlisted_snapshot(folder, journal, name)));
    }
}

}  // namespace

Result<std::vector<Migration>> load_drizzle_folder(const fs::path& folder) {
    auto journal = read_drizzle_journal(folder);
    BELAY_TRY(journal);
    Problems problems;
    std::vector<Migration> migrations;
    migrations.reserve(journal->entries.size());
    for (const auto& entry : journal->entries) {
        if (auto migration = read_migration(folder, entry, journal->path, problems)) {
            migrations.push_back(std::move(*migration));
        }
    }
    report_unlisted(folder, *journal, problems);
    if (!problems.empty()) {
        return std::unexpected(problems.error());
    }
    return migrations;
}

bool drizzle_hash_matches(const Migration& migration, const std::string& hash) {
    if (hash == migration.checksum) {
        return true;
    }
    auto contents = read_whole_file(migration.path);
    return contents && sha256_hex(*contents) == hash;
}

}  // namespace belay
