// verify_backup: checking a backup read back from disk against its sidecar.
#include <fmt/format.h>

#include "core/checksum.hpp"
#include "sqlite/database.hpp"
#include "sqlite/schema_inspection.hpp"
#include "sqlite/snapshot.hpp"

namespace belay::sqlite {

Result<std::vector<std::string>> verify_backup(const std::filesystem::path& backup,
                                               const BackupMetadata& metadata) {
    std::vector<std::string> problems;
    auto sha256 = sha256_file_hex(backup);
    if (!sha256) {
        return std::unexpected(sha256.error());
    }
    if (*sha256 != metadata.sha256) {
        problems.push_back(fmt::format(
            "its SHA-256 ({}) differs from the one recorded when it was taken ({}): the file was "
            "changed or damaged",
            sha256->substr(0, 12), metadata.sha256.substr(0, 12)));
        return problems;
    }
    auto db = Database::open(backup, OpenMode::read_only);
    auto hardened = db ? db->harden_for_untrusted_content() : std::unexpected(db.error());
    auto integrity = hardened ? check_integrity(*db, false) : std::unexpected(hardened.error());
    if (!integrity) {
        problems.push_back("it is not a readable SQLite database: " + integrity.error().message);
        return problems;
    }
    for (const auto& problem : *integrity) {
        problems.push_back("quick_check: " + problem);
    }
    const auto pages = db->query_int("PRAGMA page_count");
    if (pages && metadata.page_count != 0 && *pages != metadata.page_count) {
        problems.push_back(
            fmt::format("it has {} pages, {} were copied", *pages, metadata.page_count));
    }
    const auto fingerprint = schema_fingerprint(*db, "");
    if (fingerprint && !metadata.schema_fingerprint.empty() &&
        *fingerprint != metadata.schema_fingerprint) {
        problems.push_back("its schema differs from the one recorded when it was taken");
    }
    return problems;
}

}  // namespace belay::sqlite
