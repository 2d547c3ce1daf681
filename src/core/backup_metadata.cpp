#include "core/backup_metadata.hpp"

#include <algorithm>
#include <limits>
#include <type_traits>

#include "belay/utf8.hpp"
#include "core/durable_file.hpp"
#include "core/regular_file.hpp"
#include "core/utc_time.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace belay {

std::string to_json_text(const BackupMetadata& m) {
    const nlohmann::ordered_json json{
        {"format", k_sidecar_format},
        {"source", m.source},
        {"created_at", m.created_at},
        {"sequence", m.sequence},
        {"reason", m.reason},
        {"schema_version", m.schema_version},
        {"sha256", m.sha256},
        {"size_bytes", m.size_bytes},
        {"page_count", m.page_count},
        {"page_size", m.page_size},
        {"schema_fingerprint", m.schema_fingerprint},
        {"verified", m.verified},
        {"belay_version", m.belay_version},
    };
    // Never throws: the source is UTF-8 (the calls refuse any other database path, see
    // engine/utf8_paths.hpp), and any other text that is not is written with U+FFFD.
    return json.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

namespace {

// A field's value as a message shows it: its JSON text, cut short when long, and UTF-8.
std::string shown_value(const nlohmann::json& value) {
    constexpr std::size_t k_longest = 40;
    auto text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() > k_longest) {
        text = text.substr(0, k_longest - 3) + "...";
    }
    return escape_invalid_utf8(text);
}

// What a field read as T must hold, in a message's words, and whether `value` holds it. A
// number read as an integer must be a whole number in T's range: nlohmann would truncate 1.5 and
// wrap -1 into a size.
template <typename T>
std::string_view expected_type() {
    if constexpr (std::is_same_v<T, std::string>) {
        return "a string";
    } else if constexpr (std::is_same_v<T, bool>) {
        return "true or false";
    } else if constexpr (std::is_unsigned_v<T>) {
        return "a whole number from 0";
    } else {
        return "a whole number";
    }
}

template <typename T>
bool holds(const nlohmann::json& value) {
    if constexpr (std::is_same_v<T, std::string>) {
        return value.is_string();
    } else if constexpr (std::is_same_v<T, bool>) {
        return value.is_boolean();
    } else if constexpr (std::is_unsigned_v<T>) {
        return value.is_number_unsigned();
    } else if (value.is_number_unsigned()) {
        return value.get<std::uint64_t>() <=
               static_cast<std::uint64_t>(std::numeric_limits<T>::max());
    } else {
        return value.is_number_integer() &&
               value.get<std::int64_t>() >= std::numeric_limits<T>::min();
    }
}

// `key`'s value into `out`: true when the sidecar has it, false when it lacks it. A value of
// another type fails, naming the sidecar `where`, the field and what it must hold.
template <typename T>
Result<bool> read_field(const nlohmann::json& json, const char* key, T& out,
                        std::string_view where) {
    const auto found = json.find(key);
    if (found == json.end()) {
        return false;
    }
    if (!holds<T>(*found)) {
        return fail(ErrorCode::invalid_input,
                    "{}: not a valid backup sidecar: {} is {} but must be {}", where, key,
                    shown_value(*found), expected_type<T>());
    }
    out = found->get<T>();
    return true;
}

// A field every sidecar has: one that lacks it is not a valid sidecar.
template <typename T>
Result<void> read_required(const nlohmann::json& json, const char* key, T& out,
                           std::string_view where) {
    auto found = read_field(json, key, out, where);
    BELAY_TRY(found);
    if (!*found) {
        return fail(ErrorCode::invalid_input, "{}: not a valid backup sidecar: key '{}' not found",
                    where, key);
    }
    return {};
}

// A field verification needs: one the sidecar lacks is named in `missing` (its backup is
// unverifiable).
template <typename T>
Result<void> read_needed(const nlohmann::json& json, const char* key, T& out,
                         std::vector<std::string>& missing, std::string_view where) {
    auto found = read_field(json, key, out, where);
    BELAY_TRY(found);
    if (!*found) {
        missing.emplace_back(key);
    }
    return {};
}

// A sequence is a whole number from 0 to k_max_sequence: 1.5 or 1e308 would be truncated (or
// overflow) into an integer, and one next to INT64_MAX would wrap the next backup's sequence
// around to the smallest, so that it sorted as the oldest (and was the one pruned).
Result<void> check_sequence(const nlohmann::json& json, std::string_view where) {
    if (!json.contains("sequence") || !json.at("sequence").is_number()) {
        return {};  // missing, or not a number at all: read_needed says so
    }
    const auto& value = json.at("sequence");
    // nlohmann keeps a non-negative whole number as unsigned, a negative one as signed.
    if (value.is_number_unsigned() &&
        value.get<std::uint64_t>() <= static_cast<std::uint64_t>(k_max_sequence)) {
        return {};
    }
    return fail(ErrorCode::invalid_input,
                "{}: not a valid backup sidecar: sequence {} is not a whole number from 0 to {}",
                where, value.dump(), k_max_sequence);
}

// The sidecar's format (1 when it has none, as before formats existed). One below 1 is not a
// sidecar; one above k_sidecar_format was written by a newer belay, whose fields this one cannot
// know the meaning of: refused, not guessed at, naming the belay that wrote it.
Result<int> read_format(const nlohmann::json& json, std::string_view where) {
    int format = 1;
    BELAY_TRY(read_field(json, "format", format, where));
    if (format < 1) {
        return fail(ErrorCode::invalid_input,
                    "{}: not a valid backup sidecar: format {} is not one belay writes", where,
                    format);
    }
    if (format > k_sidecar_format) {
        const auto writer = json.find("belay_version");
        const auto who =
            writer != json.end() && writer->is_string()
                ? fmt::format("belay {}", escape_invalid_utf8(writer->get<std::string>()))
                : std::string("a newer belay");
        return fail(ErrorCode::refused,
                    "{}: this sidecar was written by {} in sidecar format {}, newer than the "
                    "formats this belay ({}) reads (1 to {}); use that belay version, or a later "
                    "one, for this backup",
                    where, who, format, BELAY_VERSION, k_sidecar_format);
    }
    return format;
}

// What nlohmann says is wrong, without its "[json.exception.parse_error.101] parse error at
// line 1, column 11: syntax error while parsing value - " preamble, and with any byte of the
// file it quotes that is not UTF-8 escaped (the message may end up in JSON itself).
std::string json_problem(const nlohmann::json::exception& e) {
    std::string_view text = e.what();
    if (const auto end = text.find("] ");
        text.starts_with("[json.exception.") && end != std::string_view::npos) {
        text.remove_prefix(end + 2);
    }
    if (const auto dash = text.find(" - "); dash != std::string_view::npos) {
        text.remove_prefix(dash + 3);
    }
    return escape_invalid_utf8(text);
}

// The fields of a sidecar `json` (an object) whose format is known.
Result<BackupMetadata> read_fields(const nlohmann::json& json, std::string_view where) {
    BackupMetadata m;
    auto format = read_format(json, where);
    BELAY_TRY(format);
    m.format = *format;
    BELAY_TRY(read_required(json, "source", m.source, where));
    BELAY_TRY(read_required(json, "created_at", m.created_at, where));
    BELAY_TRY(read_required(json, "reason", m.reason, where));
    BELAY_TRY(read_required(json, "schema_version", m.schema_version, where));
    auto& missing = m.missing_fields;
    if (m.format >= 2) {
        BELAY_TRY(check_sequence(json, where));
        BELAY_TRY(read_needed(json, "sequence", m.sequence, missing, where));
    }
    BELAY_TRY(read_needed(json, "sha256", m.sha256, missing, where));
    BELAY_TRY(read_needed(json, "size_bytes", m.size_bytes, missing, where));
    BELAY_TRY(read_needed(json, "page_count", m.page_count, missing, where));
    BELAY_TRY(read_needed(json, "page_size", m.page_size, missing, where));
    BELAY_TRY(read_needed(json, "schema_fingerprint", m.schema_fingerprint, missing, where));
    BELAY_TRY(read_field(json, "verified", m.verified, where));
    BELAY_TRY(read_field(json, "belay_version", m.belay_version, where));
    return m;
}

}  // namespace

// Every sidecar belay has written holds every field (git history: the writer has had them all
// since it first existed), so a missing one means damage or editing, except "format" and
// "sequence", which format 1 (no "format" key) predates.
Result<BackupMetadata> parse_backup_metadata(std::string_view text, std::string_view where) {
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        return fail(ErrorCode::invalid_input,
                    "{}: not a valid backup sidecar: not valid JSON at byte {} ({})", where, e.byte,
                    json_problem(e));
    }
    if (!json.is_object()) {
        return fail(ErrorCode::invalid_input,
                    "{}: not a valid backup sidecar: it holds {} where a JSON object belongs",
                    where, shown_value(json));
    }
    return read_fields(json, where);
}

Result<BackupMetadata> read_backup_metadata(const std::filesystem::path& sidecar) {
    // No sidecar belay writes comes near this size; a larger file is not one.
    constexpr std::uintmax_t k_max_sidecar_bytes = 1 << 20;
    auto file = RegularFile::open(sidecar);
    BELAY_TRY(file);
    auto text = file->read_all(k_max_sidecar_bytes);
    if (!text) {
        return std::unexpected(with_context(
            text.error(), fmt::format("{}: cannot read this sidecar", sidecar.string())));
    }
    return about(sidecar, parse_backup_metadata(*text, sidecar.string()));
}

std::vector<std::string> automatic_backup_stems(std::string_view name) {
    std::vector<std::string> stems;
    if (!name.ends_with(".bak.json")) {
        return stems;
    }
    // "<stem>-YYYYMMDD-HHMMSS[-n].bak.json": the stem ends where the stamp starts, with or
    // without the "-n".
    const auto base = name.substr(0, name.size() - 9);
    const auto stamp = std::string_view("-YYYYMMDD-HHMMSS").size();
    std::vector<std::size_t> cuts;
    if (base.size() > stamp) {
        cuts.push_back(base.size() - stamp);
    }
    if (const auto dash = base.find_last_of('-'); dash != std::string_view::npos && dash > stamp) {
        cuts.push_back(dash - stamp);
    }
    for (const auto cut : cuts) {
        if (is_backup_file_name(name, base.substr(0, cut), true)) {
            stems.emplace_back(base.substr(0, cut));
        }
    }
    return stems;
}

namespace {

// Whether `name` (a sidecar's) is the automatic name of a backup of a stem other than `stem`.
bool is_another_stems_backup(std::string_view name, std::string_view stem) {
    const auto stems = automatic_backup_stems(name);
    return !stems.empty() && std::ranges::find(stems, stem) == stems.end();
}

std::filesystem::path directory_or_here(const std::filesystem::path& directory) {
    return directory.empty() ? std::filesystem::path(".") : directory;
}

// The highest sequence of the sidecars at `paths` that name `source` (regular files only).
std::int64_t highest_among(const std::vector<std::filesystem::path>& paths,
                           const std::string& source) {
    std::int64_t highest = 0;
    for (const auto& path : paths) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(path, ec))) {
            continue;
        }
        auto metadata = read_backup_metadata(path);
        if (metadata && metadata->source == source) {
            highest = std::max(highest, metadata->sequence);
        }
    }
    return highest;
}

}  // namespace

std::vector<std::string> list_sidecars_of_stem(const std::filesystem::path& directory,
                                               std::string_view stem) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry :
         std::filesystem::directory_iterator(directory_or_here(directory), ec)) {
        auto name = entry.path().filename().string();
        if (name.ends_with(".bak.json") && !is_another_stems_backup(name, stem)) {
            names.push_back(std::move(name));
        }
    }
    return names;
}

std::int64_t highest_sequence(const std::filesystem::path& directory, const std::string& source,
                              std::string_view stem) {
    return highest_sequence(directory, source, list_sidecars_of_stem(directory, stem));
}

std::int64_t highest_sequence(const std::filesystem::path& directory, const std::string& source,
                              const std::vector<std::string>& sidecars) {
    std::vector<std::filesystem::path> paths;
    for (const auto& name : sidecars) {
        paths.push_back(directory_or_here(directory) / name);
    }
    return highest_among(paths, source);
}

std::int64_t sequence_after(std::int64_t highest) {
    return highest < k_max_sequence ? highest + 1 : k_max_sequence;
}

std::string backup_stem(const std::filesystem::path& database) {
    return follow_symlinks(database).stem().string();
}

std::string backup_file_name(std::string_view stem, std::chrono::system_clock::time_point when,
                             int n) {
    const auto stamp = format_utc(when, "%Y%m%d-%H%M%S");
    if (n == 0) {
        return fmt::format("{}-{}.bak", stem, stamp);
    }
    return fmt::format("{}-{}-{}.bak", stem, stamp, n);
}

std::string corrupt_file_name(std::string_view stem, std::chrono::system_clock::time_point when) {
    return fmt::format("{}-corrupt-{}.db", stem, format_utc(when, "%Y%m%d-%H%M%S"));
}

std::filesystem::path sidecar_path(const std::filesystem::path& backup) {
    auto path = backup;
    path += ".json";
    return path;
}

bool is_backup_file_name(std::string_view name, std::string_view stem, bool or_sidecar) {
    if (or_sidecar && name.ends_with(".bak.json")) {
        name.remove_suffix(5);
    }
    if (!name.starts_with(stem) || !name.ends_with(".bak")) {
        return false;
    }
    name.remove_prefix(stem.size());
    name.remove_suffix(4);
    // "-YYYYMMDD-HHMMSS", then optionally "-<n>".
    const auto digits = [](std::string_view text) {
        return !text.empty() &&
               std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
    };
    if (name.size() < 16 || name[0] != '-' || name[9] != '-' || !digits(name.substr(1, 8)) ||
        !digits(name.substr(10, 6))) {
        return false;
    }
    const auto rest = name.substr(16);
    return rest.empty() || (rest[0] == '-' && digits(rest.substr(1)));
}

}  // namespace belay
