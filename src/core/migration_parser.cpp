#include "core/migration_parser.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <vector>

#include "core/ascii.hpp"
#include "core/checksum.hpp"
#include "core/migration_files.hpp"
#include "core/migration_text_parser.hpp"

namespace belay {
namespace {

constexpr std::string_view k_nul_byte_problem =
    "a NUL byte; SQLite stops reading SQL there, so the rest of the file would never run: save "
    "the file as UTF-8 text (a file saved as UTF-16 has a NUL in every ASCII character)";

// The 1-based line of the first NUL byte of `text`, or 0 when it has none.
int line_of_first_nul(std::string_view text) {
    const auto nul = text.find('\0');
    if (nul == std::string_view::npos) {
        return 0;
    }
    return 1 +
           static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(nul), '\n'));
}

// Parses `text`, a file of `layout`, and takes the checksum of `original`, the file as written.
Result<Migration> parse_text(std::filesystem::path path, std::string_view text,
                             std::string_view original, Layout layout,
                             const EnvironmentLookup& environment) {
    MigrationTextParser parser(path, layout, environment);
    auto file_name = parse_migration_file_name(file_name_of(path));
    if (!file_name) {
        parser.problem(0,
                       "the file name does not look like <version>_<name>.sql (e.g. "
                       "0001_create_users.sql); rename it");
    }
    if (const int nul_line = line_of_first_nul(text); nul_line != 0) {
        parser.problem(nul_line, std::string(k_nul_byte_problem));
    }
    parser.parse(text);
    if (auto error = parser.error()) {
        return std::unexpected(std::move(*error));
    }
    ParsedText parsed = parser.take_result();
    return Migration{
        .version = std::move(file_name->first),
        .name = std::move(file_name->second),
        .path = std::move(path),
        .up = std::move(parsed.section(SectionKind::up)),
        .down = std::move(parsed.section(SectionKind::down)),
        .verify = std::move(parsed.section(SectionKind::verify)),
        .up_no_transaction = parsed.up_no_transaction,
        .down_no_transaction = parsed.down_no_transaction,
        .timeout = parsed.timeout,
        .checksum = migration_checksum(original),
        .layout = layout,
    };
}

}  // namespace

std::optional<std::pair<Version, std::string>> parse_migration_file_name(
    std::string_view file_name) {
    if (!file_name.ends_with(".sql")) {
        return std::nullopt;
    }
    const std::string_view stem = file_name.substr(0, file_name.size() - 4);
    const auto underscore = stem.find('_');
    if (underscore == std::string_view::npos || underscore + 1 == stem.size()) {
        return std::nullopt;
    }
    auto version = Version::parse(stem.substr(0, underscore));
    if (!version) {
        return std::nullopt;
    }
    return std::pair{std::move(*version), std::string(stem.substr(underscore + 1))};
}

Result<Migration> parse_translated_migration(std::filesystem::path path,
                                             std::string_view translated,
                                             std::string_view original) {
    return parse_text(std::move(path), translated, original, Layout::sql_migrate,
                      process_environment());
}

Result<Migration> parse_migration(std::filesystem::path path, std::string_view contents,
                                  Layout layout, const EnvironmentLookup& environment) {
    return parse_text(std::move(path), contents, contents, layout,
                      environment ? environment : process_environment());
}

Result<void> check_no_nul_byte(const std::filesystem::path& path, std::string_view contents) {
    if (const int line = line_of_first_nul(contents); line != 0) {
        auto nul = fail(path, ErrorCode::invalid_input, "{}:{}: {}", path.string(), line,
                        k_nul_byte_problem);
        nul.error().subject.line = line;
        return nul;
    }
    return {};
}

}  // namespace belay
