#include "core/plan.hpp"

#include <algorithm>
#include <map>

#include <fmt/ranges.h>

namespace belay {

std::string_view to_string(MigrationStatus status) {
    switch (status) {
        case MigrationStatus::applied:
            return "applied";
        case MigrationStatus::pending:
            return "pending";
        case MigrationStatus::failed:
            return "failed";
        case MigrationStatus::dirty:
            return "dirty";
        case MigrationStatus::modified:
            return "modified";
        case MigrationStatus::missing:
            return "missing";
    }
    return "unknown";
}

std::vector<const PlanEntry*> Plan::pending() const {
    std::vector<const PlanEntry*> result;
    for (const auto& entry : entries) {
        if (entry.status == MigrationStatus::pending || entry.status == MigrationStatus::failed) {
            result.push_back(&entry);
        }
    }
    return result;
}

bool Plan::has_problems() const {
    return std::ranges::any_of(entries, [](const PlanEntry& e) {
        return e.out_of_order ||
               (e.status != MigrationStatus::applied && e.status != MigrationStatus::pending);
    });
}

namespace {

// True for the text of a version: one or more ASCII digits (what Version::parse accepts).
bool is_version_text(std::string_view text) {
    return !text.empty() && std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
}

// Entries keyed by the numeric value of the version, so "0001" in a file and "1" in the
// history meet. Keys that are not versions at all sort last, by their text. A key holds only
// the digits without leading zeros (or the text): no Version is built to look an entry up.
struct EntryKey {
    bool is_version = false;
    std::string text;  // Version::numeric() for a version, else the text as written
    bool operator<(const EntryKey& other) const {
        if (is_version != other.is_version) {
            return is_version;
        }
        if (is_version && text.size() != other.text.size()) {
            return text.size() < other.text.size();  // as Version compares numbers
        }
        return text < other.text;
    }
};

EntryKey key_for(std::string_view text) {
    if (!is_version_text(text)) {
        return EntryKey{false, std::string(text)};
    }
    const auto first_nonzero = text.find_first_not_of('0');
    return EntryKey{true, first_nonzero == std::string_view::npos
                              ? std::string("0")
                              : std::string(text.substr(first_nonzero))};
}

PlanEntry make_entry(Version version, std::string name, MigrationStatus status) {
    return PlanEntry{std::move(version), std::move(name), status, nullptr,
                     std::nullopt,       std::nullopt,    false};
}

PlanEntry make_entry(std::string_view version_text, std::string name, MigrationStatus status) {
    // A history row whose version is not digits (written by hand) still gets an entry.
    return make_entry(Version::parse(version_text).value_or(*Version::parse("0")), std::move(name),
                      status);
}

}  // namespace

Plan build_plan(std::span<const Migration> migrations, const History& history) {
    std::map<EntryKey, PlanEntry> entries;
    for (const auto& row : history.applied) {
        auto entry = make_entry(row.version, row.name, MigrationStatus::missing);
        entry.applied = row;
        entries.emplace(key_for(row.version), std::move(entry));
    }
    for (const auto& migration : migrations) {
        auto [it, inserted] = entries.try_emplace(
            EntryKey{true, migration.version.numeric()},
            make_entry(migration.version, migration.name, MigrationStatus::pending));
        auto& entry = it->second;
        entry.migration = &migration;
        if (inserted) {
            entry.status = MigrationStatus::pending;
        } else {
            entry.status = entry.applied->checksum == migration.checksum
                               ? MigrationStatus::applied
                               : MigrationStatus::modified;
        }
    }
    for (const auto& failure : history.failures) {
        auto it = entries.find(key_for(failure.version));
        if (it != entries.end() && it->second.status == MigrationStatus::pending) {
            it->second.status = MigrationStatus::failed;
            it->second.last_failure = failure;
        }
    }
    for (const auto& mark : history.dirty) {
        auto [it, inserted] = entries.try_emplace(
            key_for(mark.version), make_entry(mark.version, mark.name, MigrationStatus::dirty));
        it->second.status = MigrationStatus::dirty;
    }

    Plan plan;
    plan.entries.reserve(entries.size());
    std::optional<Version> newest_applied;
    for (auto& [key, entry] : entries) {
        // A history row whose version is not digits (edited by hand) is reported as missing
        // but never becomes the current version.
        if (entry.applied && is_version_text(entry.applied->version)) {
            newest_applied = entry.version;
            plan.current_version = entry.applied->version;
        }
        plan.entries.push_back(std::move(entry));
    }
    for (auto& entry : plan.entries) {
        const bool waiting =
            entry.status == MigrationStatus::pending || entry.status == MigrationStatus::failed;
        entry.out_of_order = waiting && newest_applied && entry.version < *newest_applied;
    }
    return plan;
}

namespace {

std::string describe_refusal(const PlanEntry& entry, const UpPolicy& policy) {
    const std::string label = fmt::format("{}_{}", entry.version.text(), entry.name);
    switch (entry.status) {
        case MigrationStatus::dirty:
            return fmt::format(
                "  {} is dirty: a NoTransaction step started and did not finish, so the database "
                "may hold part of it. Inspect the schema, restore the backup taken before that "
                "run, or fix it by hand and clear the mark with belay db repair",
                label);
        case MigrationStatus::modified:
            return fmt::format(
                "  {} was changed after it was applied (checksum {} in the history, {} on disk). "
                "Restore the file as it was applied and put the change in a new migration",
                label, entry.applied->checksum.substr(0, 12),
                entry.migration->checksum.substr(0, 12));
        case MigrationStatus::missing:
            return fmt::format(
                "  {} is applied but its file is gone. Restore the file (from version control)",
                label);
        default:
            break;
    }
    if (entry.out_of_order && !policy.allow_out_of_order) {
        return fmt::format(
            "  {} is pending but older than the newest applied migration. Renumber it after the "
            "newest one, or pass --allow-out-of-order to apply it anyway",
            label);
    }
    return {};
}

}  // namespace

Result<std::vector<const Migration*>> select_up_steps(const Plan& plan, const UpPolicy& policy) {
    std::vector<std::string> reasons;
    for (const auto& entry : plan.entries) {
        if (auto reason = describe_refusal(entry, policy); !reason.empty()) {
            reasons.push_back(std::move(reason));
        }
    }
    if (!reasons.empty()) {
        return fail(ErrorCode::refused, "refusing to migrate; nothing was changed:\n{}",
                    fmt::join(reasons, "\n"));
    }
    if (policy.target) {
        const bool known = std::ranges::any_of(plan.entries, [&](const PlanEntry& e) {
            return e.version == *policy.target && e.migration != nullptr;
        });
        if (!known) {
            return fail(ErrorCode::invalid_input,
                        "--to {}: no migration file has that version; run belay db status to see "
                        "the versions",
                        policy.target->text());
        }
    }
    std::vector<const Migration*> steps;
    for (const auto* entry : plan.pending()) {
        if (policy.target && *policy.target < entry->version) {
            break;
        }
        steps.push_back(entry->migration);
    }
    return steps;
}

}  // namespace belay

namespace belay {

namespace {

// Why `entry` cannot be reverted, or "" when it can.
std::string describe_down_refusal(const PlanEntry& entry) {
    const std::string label = fmt::format("{}_{}", entry.version.text(), entry.name);
    switch (entry.status) {
        case MigrationStatus::missing:
            return fmt::format("  {} is applied but its file is gone, so it has no Down section",
                               label);
        case MigrationStatus::modified:
            return fmt::format(
                "  {} was changed after it was applied (checksum {} in the history, {} on disk): "
                "its Down section may not undo what was applied",
                label, entry.applied->checksum.substr(0, 12),
                entry.migration->checksum.substr(0, 12));
        default:
            break;
    }
    if (!entry.migration->down.present) {
        return fmt::format("  {} has no Down section ({})", label, entry.migration->path.string());
    }
    return {};
}

// The applied entries, newest first.
std::vector<const PlanEntry*> applied_newest_first(const Plan& plan) {
    std::vector<const PlanEntry*> applied;
    for (const auto& entry : plan.entries) {
        if (entry.applied && Version::parse(entry.applied->version)) {
            applied.push_back(&entry);
        }
    }
    std::ranges::reverse(applied);
    return applied;
}

Result<std::vector<const PlanEntry*>> entries_to_revert(const Plan& plan,
                                                        const DownPolicy& policy) {
    const auto applied = applied_newest_first(plan);
    std::vector<const PlanEntry*> way;
    if (applied.empty()) {
        return way;  // nothing to revert, whatever was asked
    }
    if (policy.target) {
        const bool to_zero = policy.target->numeric() == "0";
        const bool known = std::ranges::any_of(
            applied, [&](const PlanEntry* e) { return e->version == *policy.target; });
        if (!to_zero && !known) {
            return fail(ErrorCode::invalid_input,
                        "--to {}: that version is not applied; give an applied version (it stays "
                        "applied) or 0 to undo everything; run belay db status to see them",
                        policy.target->text());
        }
        for (const auto* entry : applied) {
            if (!(*policy.target < entry->version)) {
                break;
            }
            way.push_back(entry);
        }
        return way;
    }
    if (policy.steps < 1 || static_cast<std::size_t>(policy.steps) > applied.size()) {
        return fail(ErrorCode::invalid_input,
                    "--steps {}: {} migration(s) are applied; give a number from 1 to {}",
                    policy.steps, applied.size(), applied.size());
    }
    way.assign(applied.begin(), applied.begin() + policy.steps);
    return way;
}

}  // namespace

Result<std::vector<const Migration*>> select_down_steps(const Plan& plan,
                                                        const DownPolicy& policy) {
    auto way = entries_to_revert(plan, policy);
    if (!way) {
        return std::unexpected(way.error());
    }
    std::vector<std::string> reasons;
    for (const auto& entry : plan.entries) {
        if (entry.status == MigrationStatus::dirty) {
            reasons.push_back(describe_refusal(entry, UpPolicy{}));
        }
    }
    for (const auto* entry : *way) {
        if (auto reason = describe_down_refusal(*entry); !reason.empty()) {
            reasons.push_back(std::move(reason));
        }
    }
    if (!reasons.empty()) {
        return fail(ErrorCode::refused,
                    "refusing to revert; nothing was changed:\n{}\nTo go back past a migration "
                    "that cannot be reverted, restore a backup taken before it (belay db "
                    "backups, then belay db restore PATH)",
                    fmt::join(reasons, "\n"));
    }
    std::vector<const Migration*> steps;
    for (const auto* entry : *way) {
        steps.push_back(entry->migration);
    }
    return steps;
}

}  // namespace belay
