#include "core/embedded_migrations.hpp"

#include <algorithm>
#include <map>

#include <fmt/ranges.h>

#include "core/checksum.hpp"
#include "core/error.hpp"
#include "core/migration_parser.hpp"

namespace belay {

namespace {

bool is_usable_name(const std::string& name) {
    return !name.empty() && std::ranges::all_of(name, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

SqlSection section_of(const std::string& sql, const std::string& label, bool present) {
    SqlSection section;
    section.present = present;
    if (present) {
        section.sql = sql;
        section.first_line = 1;
        section.file = label;
    }
    return section;
}

// Every field that changes what the steps do, each preceded by its length, so that no two
// different migrations share a checksum. (Editing a file's SQL or directives changes its
// checksum; the same edits here change this one.)
std::string checksum_of(const EmbeddedMigration& embedded) {
    const std::string flags =
        fmt::format("up {}transaction, down {}transaction, timeout {}",
                    embedded.no_transaction ? "no " : "", embedded.down_no_transaction ? "no " : "",
                    embedded.timeout ? std::to_string(embedded.timeout->count()) : "none");
    Sha256 hash;
    for (const std::string& part : {embedded.up, embedded.down, embedded.verify, flags}) {
        hash.update(fmt::format("{}:", part.size()));
        hash.update(part);
    }
    return hash.finish_hex();
}

}  // namespace

std::vector<Migration> embedded_to_migrations(const std::vector<EmbeddedMigration>& embedded,
                                              Problems& problems) {
    std::vector<Migration> migrations;
    std::map<std::string, std::string> seen;  // numeric version -> who has it
    for (std::size_t i = 0; i < embedded.size(); ++i) {
        const EmbeddedMigration& source = embedded[i];
        const std::string who = fmt::format("embedded migration #{} (version \"{}\", name \"{}\")",
                                            i + 1, source.version, source.name);
        const std::string label = fmt::format("(embedded) {}_{}", source.version, source.name);
        auto version = Version::parse(source.version);
        if (!version) {
            problems.add(label, fmt::format("{}: the version must be a run of digits, like "
                                            "\"0001\" or \"20261123101500\"",
                                            who));
        }
        if (!is_usable_name(source.name)) {
            problems.add(label, fmt::format("{}: the name must be letters, digits, '_' or '-', "
                                            "like \"create_users\"",
                                            who));
        }
        if (source.timeout &&
            (*source.timeout < std::chrono::milliseconds(1) || *source.timeout > k_max_timeout)) {
            problems.add(label,
                         fmt::format("{}: the timeout must be between 1 ms and {:.0f} s (given {} "
                                     "ms)",
                                     who, k_max_timeout_seconds, source.timeout->count()));
        }
        if (!version || !is_usable_name(source.name)) {
            continue;
        }
        if (auto [it, inserted] = seen.emplace(version->numeric(), who); !inserted) {
            problems.add(
                fmt::format("{}: {} has the same version; give each migration its own version", who,
                            it->second));
            continue;
        }
        migrations.push_back(Migration{
            .version = *version,
            .name = source.name,
            .path = label,
            .up = section_of(source.up, label + ", up", true),
            .down = section_of(source.down, label + ", down", !source.down.empty()),
            .verify = section_of(source.verify, label + ", verify", !source.verify.empty()),
            .up_no_transaction = source.no_transaction,
            .down_no_transaction = source.down_no_transaction,
            .timeout = source.timeout,
            .checksum = checksum_of(source),
            .layout = Layout::embedded,
        });
    }
    std::ranges::sort(migrations, {}, &Migration::version);
    return migrations;
}

Result<std::vector<Migration>> embedded_to_migrations(
    const std::vector<EmbeddedMigration>& embedded) {
    Problems problems;
    auto migrations = embedded_to_migrations(embedded, problems);
    if (!problems.empty()) {
        return std::unexpected(problems.error());
    }
    return migrations;
}

}  // namespace belay
