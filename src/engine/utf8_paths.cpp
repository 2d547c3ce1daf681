#include "engine/utf8_paths.hpp"

#include <filesystem>

#include "core/utf8.hpp"

namespace belay::engine {

namespace {

constexpr std::string_view k_why =
    "is not valid UTF-8 (the bytes that are not are shown as \\xNN). belay writes paths into "
    "backup sidecars and reports as JSON, which holds UTF-8 only, so it works only with UTF-8 "
    "paths. Nothing was changed; rename";

}  // namespace

Result<void> refuse_non_utf8_paths(const DatabaseOptions& options) {
    const auto& given = options.database.native();
    if (!is_valid_utf8(given)) {
        auto error = fail(ErrorCode::invalid_input,
                          "{} {}: this path {} the file (or the directory that holds it) to a "
                          "UTF-8 name",
                          Option::database, escape_invalid_utf8(given), k_why);
        error.error().subject.path = options.database;
        return error;
    }
    std::error_code ec;
    const auto full = std::filesystem::weakly_canonical(options.database, ec).native();
    if (!ec && !is_valid_utf8(full)) {
        auto error = fail(ErrorCode::invalid_input,
                          "{} {}: its full path {} {} the directory (or the symlink's target) to "
                          "a UTF-8 name",
                          Option::database, given, escape_invalid_utf8(full), k_why);
        error.error().subject.path = options.database;
        return error;
    }
    if (!is_valid_utf8(options.backup_dir.native())) {
        return fail(ErrorCode::invalid_input, "{} {}: this path {} the directory to a UTF-8 name",
                    Option::backup_dir, escape_invalid_utf8(options.backup_dir.native()), k_why);
    }
    return {};
}

}  // namespace belay::engine
