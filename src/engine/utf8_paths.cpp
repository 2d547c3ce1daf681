#include "engine/utf8_paths.hpp"

#include <filesystem>
#include <optional>
#include <string>

#include "belay/utf8.hpp"

namespace belay::engine {

namespace {

constexpr std::string_view k_why =
    "is not valid UTF-8 (the bytes that are not are shown as \\xNN). belay writes paths into "
    "backup sidecars and reports as JSON, which holds UTF-8 only, so it works only with UTF-8 "
    "paths. Nothing was changed";

// The path SQLite will open for `path`, as far as it can be known before it exists: made absolute
// (the current directory may hold the bad bytes), each symlink on the last name followed (to a
// target that may not exist yet), what exists resolved. The first one that is not valid UTF-8.
std::optional<std::string> non_utf8_full_path(const std::filesystem::path& path) {
    std::error_code ec;
    auto full = std::filesystem::absolute(path, ec);
    // A chain of links is followed only so far: SQLite itself gives up on a loop.
    for (int link = 0; !ec && link < 40; ++link) {
        const auto resolved = std::filesystem::weakly_canonical(full, ec);
        for (const auto& candidate : {full.native(), ec ? std::string() : resolved.native()}) {
            if (!is_valid_utf8(candidate)) {
                return candidate;
            }
        }
        if (!std::filesystem::is_symlink(std::filesystem::symlink_status(full, ec)) || ec) {
            break;
        }
        const auto target = std::filesystem::read_symlink(full, ec);
        full = target.is_absolute() ? target : full.parent_path() / target;
    }
    return std::nullopt;
}

}  // namespace

Result<void> refuse_non_utf8_paths(const DatabaseOptions& options) {
    const auto& given = options.database.native();
    if (!is_valid_utf8(given)) {
        auto error = fail(ErrorCode::invalid_input,
                          "{} {}: this path {}; rename the file (or the directory that holds it) "
                          "to a UTF-8 name",
                          Option::database, escape_invalid_utf8(given), k_why);
        error.error().subject.path = options.database;
        return error;
    }
    if (const auto full = non_utf8_full_path(options.database)) {
        auto error = fail(ErrorCode::invalid_input,
                          "{} {}: its full path {} {}; rename the directory (or the symlink's "
                          "target) to a UTF-8 name",
                          Option::database, given, escape_invalid_utf8(*full), k_why);
        error.error().subject.path = options.database;
        return error;
    }
    if (!is_valid_utf8(options.backup_dir.native())) {
        return fail(ErrorCode::invalid_input,
                    "{} {}: this path {}; rename the directory to a UTF-8 name", Option::backup_dir,
                    escape_invalid_utf8(options.backup_dir.native()), k_why);
    }
    return {};
}

Result<void> refuse_non_utf8_out(const std::filesystem::path& out) {
    if (is_valid_utf8(out.native())) {
        return {};
    }
    return fail(out, ErrorCode::invalid_input,
                "{} {}: this path {}; give a path whose every name is UTF-8", Option::out,
                escape_invalid_utf8(out.native()), k_why);
}

Result<void> refuse_non_utf8_backup(const std::filesystem::path& backup) {
    const auto& given = backup.native();
    if (!is_valid_utf8(given)) {
        return fail(backup, ErrorCode::invalid_input,
                    "backup {}: this path {}; rename the backup and its sidecar (or the directory "
                    "that holds them) to UTF-8 names",
                    escape_invalid_utf8(given), k_why);
    }
    if (const auto full = non_utf8_full_path(backup)) {
        return fail(backup, ErrorCode::invalid_input,
                    "backup {}: its full path {} {}; rename the directory (or the symlink's "
                    "target) to a UTF-8 name",
                    given, escape_invalid_utf8(*full), k_why);
    }
    return {};
}

}  // namespace belay::engine
