// verify_backup: checking a backup read back from disk against its sidecar.
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/checksum.hpp"
#include "engine/snapshot.hpp"
#include "sqlite/copy_check.hpp"

namespace belay::engine {

namespace {

// "unverifiable: ..." when the sidecar lacks what verification compares against.
std::optional<std::string> unverifiable(const std::filesystem::path& backup,
                                        const BackupMetadata& metadata) {
    if (metadata.missing_fields.empty()) {
        return std::nullopt;
    }
    return fmt::format(
        "unverifiable: its sidecar {} lacks {} (every sidecar of format {} has {}: it was damaged "
        "or edited), so belay cannot tell whether this backup is intact",
        sidecar_path(backup).string(), fmt::join(metadata.missing_fields, ", "), metadata.format,
        metadata.missing_fields.size() == 1 ? "it" : "them");
}

}  // namespace

// The hash covers the file's bytes, and the immutable open reads exactly those bytes: no
// -journal or -wal beside the backup can add to what is checked (or later copied).
Result<std::vector<std::string>> verify_backup(const std::filesystem::path& backup,
                                               const BackupMetadata& metadata) {
    if (auto problem = unverifiable(backup, metadata)) {
        return std::vector<std::string>{std::move(*problem)};
    }
    auto sha256 = sha256_file_hex(backup);
    BELAY_TRY(sha256);
    if (*sha256 != metadata.sha256) {
        return std::vector<std::string>{fmt::format(
            "its SHA-256 ({}) differs from the one recorded when it was taken ({}): the file was "
            "changed or damaged",
            sha256->substr(0, 12), metadata.sha256.substr(0, 12))};
    }
    return sqlite::problems_in_copy(backup, metadata.page_count, metadata.schema_fingerprint);
}

}  // namespace belay::engine
