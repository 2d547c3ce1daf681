#include "core/backup_metadata.hpp"

#include <algorithm>

#include "core/utc_time.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace belay {

std::string to_json_text(const BackupMetadata& m) {
    const nlohmann::ordered_json json{
        {"source", m.source},
        {"created_at", m.created_at},
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
    return json.dump(2) + "\n";
}

Result<BackupMetadata> parse_backup_metadata(std::string_view text, std::string_view where) {
    try {
        const auto json = nlohmann::json::parse(text);
        BackupMetadata m;
        m.source = json.at("source").get<std::string>();
        m.created_at = json.at("created_at").get<std::string>();
        m.reason = json.at("reason").get<std::string>();
        m.schema_version = json.at("schema_version").get<std::string>();
        m.sha256 = json.at("sha256").get<std::string>();
        m.size_bytes = json.at("size_bytes").get<std::uintmax_t>();
        m.page_count = json.value("page_count", std::int64_t{0});
        m.page_size = json.value("page_size", std::int64_t{0});
        m.schema_fingerprint = json.value("schema_fingerprint", std::string());
        m.verified = json.value("verified", false);
        m.belay_version = json.value("belay_version", std::string());
        return m;
    } catch (const nlohmann::json::exception& e) {
        return fail(ErrorCode::invalid_input, "{}: not a valid backup sidecar: {}", where,
                    e.what());
    }
}

Result<BackupMetadata> read_backup_metadata(const std::filesystem::path& sidecar) {
    std::ifstream in(sidecar, std::ios::binary);
    if (!in) {
        return fail(ErrorCode::invalid_input, "cannot read the sidecar {}", sidecar.string());
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse_backup_metadata(text.str(), sidecar.string());
}

std::string backup_stem(const std::filesystem::path& database) {
    return database.stem().string();
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
