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

// Entries keyed by the numeric value of the version, so "0001" in a file and "1" in the
// history meet (and Flyway's "1.0" and "1"). Keys that are not versions at all sort last, by
// their text. A key holds only the numeric form (or the text): no Version is kept to look an
// entry up.
struct EntryKey {
    bool is_version = false;
    std::string text;  // Version::numeric() for a version, else the text as written
    bool operator<(const EntryKey& other) const {
        if (is_version != other.is_version) {
            return is_version;
        }
        if (is_version) {
            return compare_numeric_versions(text, other.text) < 0;  // as Version compares
        }
        return text < other.text;
    }
};

EntryKey key_for(std::string_view text) {
    auto version = Version::parse_dotted(text);
    if (!version) {
        return EntryKey{false, std::string(text)};
    }
    return EntryKey{true, version->numeric()};
}

PlanEntry make_entry(Version version, std::string name, MigrationStatus status) {
    return PlanEntry{std::move(version), std::move(name), status, nullptr,
                     std::nullopt,       std::nullopt,    false};
}

PlanEntry make_entry(std::string_view version_text, std::string name, MigrationStatus status) {
    // A history row whose version is not one (written by hand) still gets an entry.
    return make_entry(Version::parse_dotted(version_text).value_or(*Version::parse("0")),
                      std::move(name), status);
}

// Puts entries[order[k]] at position k for every k, in place, following the permutation's
// cycles: an entry already in its place (all of them, when files and history come in version
// order) is not moved at all.
void arrange(std::vector<PlanEntry>& entries, std::vector<std::size_t> order) {
    for (std::size_t k = 0; k < order.size(); ++k) {
        if (order[k] == k) {
            continue;
        }
        PlanEntry held = std::move(entries[k]);
        std::size_t j = k;
        while (order[j] != k) {
            const std::size_t next = order[j];
            entries[j] = std::move(entries[next]);
            order[j] = j;
            j = next;
        }
        entries[j] = std::move(held);
        order[j] = j;
    }
}

// The plan's entries in the order they are first seen, looked up by key. A map holding the
// entries themselves, moved into the plan afterwards, kept two copies of every entry alive.
class EntryTable {
  public:
    explicit EntryTable(std::size_t capacity) { m_entries.reserve(capacity); }

    // The entry under `key`, made by `make()` when there is none yet; true when it was made.
    // The pointer is good until the next call.
    template <typename Make>
    std::pair<PlanEntry*, bool> find_or_add(EntryKey key, Make make) {
        // Hinted at the end: files and history rows mostly come in ascending order, and a key
        // above all others then goes in without a search.
        const std::size_t known = m_index.size();
        const auto it = m_index.try_emplace(m_index.end(), std::move(key), m_entries.size());
        const bool inserted = m_index.size() != known;
        if (inserted) {
            m_entries.push_back(make());
        }
        return {&m_entries[it->second], inserted};
    }

    PlanEntry* find(const EntryKey& key) {
        const auto it = m_index.find(key);
        return it == m_index.end() ? nullptr : &m_entries[it->second];
    }

    // Every entry, ascending by key.
    std::vector<PlanEntry> take_sorted() {
        std::vector<std::size_t> order;
        order.reserve(m_index.size());
        for (const auto& [key, position] : m_index) {
            order.push_back(position);
        }
        arrange(m_entries, std::move(order));
        return std::move(m_entries);
    }

  private:
    std::map<EntryKey, std::size_t> m_index;  // key -> position in m_entries
    std::vector<PlanEntry> m_entries;
};

// Every version the files or the history know, each with its status before ordering.
EntryTable collect_entries(std::span<const Migration> migrations, const History& history) {
    EntryTable entries(history.applied.size() + migrations.size() + history.dirty.size());
    for (const auto& row : history.applied) {
        entries.find_or_add(key_for(row.version), [&] {
            auto entry = make_entry(row.version, row.name, MigrationStatus::missing);
            entry.applied = row;
            return entry;
        });
    }
    for (const auto& migration : migrations) {
        auto [entry, inserted] =
            entries.find_or_add(EntryKey{true, migration.version.numeric()}, [&] {
                return make_entry(migration.version, migration.name, MigrationStatus::pending);
            });
        entry->migration = &migration;
        if (!inserted) {
            entry->status = entry->applied->checksum == migration.checksum
                                ? MigrationStatus::applied
                                : MigrationStatus::modified;
        }
    }
    for (const auto& failure : history.failures) {
        auto* entry = entries.find(key_for(failure.version));
        if (entry != nullptr && entry->status == MigrationStatus::pending) {
            entry->status = MigrationStatus::failed;
            entry->last_failure = failure;
        }
    }
    for (const auto& mark : history.dirty) {
        entries
            .find_or_add(
                key_for(mark.version),
                [&] { return make_entry(mark.version, mark.name, MigrationStatus::dirty); })
            .first->status = MigrationStatus::dirty;
    }
    return entries;
}

}  // namespace

Plan build_plan(std::span<const Migration> migrations, const History& history) {
    Plan plan;
    plan.entries = collect_entries(migrations, history).take_sorted();
    std::optional<Version> newest_applied;
    for (const auto& entry : plan.entries) {
        // A history row whose version is not one (edited by hand) is reported as missing but
        // never becomes the current version.
        if (entry.applied && Version::parse_dotted(entry.applied->version)) {
            newest_applied = entry.version;
            plan.current_version = entry.applied->version;
        }
    }
    for (auto& entry : plan.entries) {
        const bool waiting =
            entry.status == MigrationStatus::pending || entry.status == MigrationStatus::failed;
        entry.out_of_order = waiting && newest_applied && entry.version < *newest_applied;
    }
    return plan;
}

namespace {

bool is_embedded(const Migration& migration) {
    return migration.layout == Layout::embedded;
}

}  // namespace

bool from_program(const Plan& plan) {
    return std::ranges::any_of(plan.entries, [](const PlanEntry& entry) {
        return entry.migration != nullptr && is_embedded(*entry.migration);
    });
}

namespace {

// Where the migration's current text is: its file, or the program's list.
std::string_view where_it_is(const Migration& migration) {
    return is_embedded(migration) ? "in the program" : "on disk";
}

Message describe_refusal(const PlanEntry& entry, const UpPolicy& policy, bool embedded) {
    const std::string label = fmt::format("{}_{}", entry.version.text(), entry.name);
    switch (entry.status) {
        case MigrationStatus::dirty:
            return said(
                "  {} is dirty: an attempt at it started and did not finish (a NoTransaction "
                "step, or an attempt another tool recorded as failed before {}), so the database "
                "may hold part of it. Inspect the schema, restore a backup taken before that "
                "attempt, or fix it by hand and clear the mark with {}",
                label, named(Command::adopt), run(Command::repair));
        case MigrationStatus::modified:
            return fmt::format(
                "  {} was changed after it was applied (checksum {} in the history, {} {}). "
                "Restore {} as it was applied and put the change in a new migration",
                label, entry.applied->checksum.substr(0, 12),
                entry.migration->checksum.substr(0, 12), where_it_is(*entry.migration),
                is_embedded(*entry.migration) ? "the embedded migration" : "the file");
        case MigrationStatus::missing:
            if (embedded) {
                return fmt::format(
                    "  {} is applied but the program's embedded migrations no longer have it. Put "
                    "it back in the list as it was applied (from version control)",
                    label);
            }
            return fmt::format(
                "  {} is applied but its file is gone. Restore the file (from version control)",
                label);
        default:
            break;
    }
    if (entry.out_of_order && !policy.allow_out_of_order) {
        return said(
            "  {} is pending but older than the newest applied migration. Renumber it after the "
            "newest one, or pass {} to apply it anyway",
            label, Option::allow_out_of_order);
    }
    return {};
}

}  // namespace

Result<void> refuse_unknown_up_target(std::span<const Migration> migrations,
                                      const Version& target) {
    if (std::ranges::none_of(
            migrations, [&](const Migration& migration) { return migration.version == target; })) {
        return fail(ErrorCode::invalid_input,
                    "{} {}: no migration file has that version; run {} to see the versions",
                    Option::target, target.text(), run(Command::status));
    }
    return {};
}

Result<std::vector<const Migration*>> select_up_steps(const Plan& plan, const UpPolicy& policy) {
    std::vector<Message> reasons;
    for (const auto& entry : plan.entries) {
        if (auto reason = describe_refusal(entry, policy, from_program(plan)); !reason.empty()) {
            reasons.push_back(std::move(reason));
        }
    }
    if (!reasons.empty()) {
        return fail(ErrorCode::refused, "refusing to migrate; nothing was changed:\n{}",
                    joined(reasons, "\n"));
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
// What a migration of `layout` without a way down lacks, in its tool's words.
std::string_view missing_down(Layout layout) {
    switch (layout) {
        case Layout::flyway:
            return "no undo file (U<version>__<description>.sql beside it)";
        case Layout::golang_migrate:
        case Layout::pop:
            return "no .down.sql file";
        case Layout::diesel:
            return "no down.sql";
        default:
            return "no Down section";
    }
}

Message describe_down_refusal(const PlanEntry& entry, bool embedded, bool allow_missing_down) {
    const std::string label = fmt::format("{}_{}", entry.version.text(), entry.name);
    switch (entry.status) {
        case MigrationStatus::missing:
            return fmt::format("  {} is applied but {}, so it has no Down section", label,
                               embedded ? "no longer among the program's embedded migrations"
                                        : "its file is gone");
        case MigrationStatus::modified:
            return fmt::format(
                "  {} was changed after it was applied (checksum {} in the history, {} {}): "
                "its Down section may not undo what was applied",
                label, entry.applied->checksum.substr(0, 12),
                entry.migration->checksum.substr(0, 12), where_it_is(*entry.migration));
        default:
            break;
    }
    if (!entry.migration->down.present && !allow_missing_down &&
        entry.migration->layout == Layout::drizzle) {
        return fmt::format("  {} is a Drizzle migration ({}), and Drizzle has no down migrations",
                           label, entry.migration->path.string());
    }
    if (!entry.migration->down.present && !allow_missing_down &&
        entry.migration->layout == Layout::prisma) {
        return fmt::format("  {} is a Prisma migration ({}), and Prisma migrations have no down",
                           label, entry.migration->path.string());
    }
    if (!entry.migration->down.present && !allow_missing_down &&
        entry.migration->layout == Layout::sqlx) {
        return fmt::format(
            "  {} is a simple sqlx migration ({}), which has no down file (a "
            "reversible one is a .up.sql and .down.sql pair)",
            label, entry.migration->path.string());
    }
    if (!entry.migration->down.present && !allow_missing_down) {
        return said(
            "  {} has {} ({}); pass {} to revert it as a no-op, as goose does (what its Up did "
            "stays in the database)",
            label, missing_down(entry.migration->layout), entry.migration->path.string(),
            Option::allow_missing_down);
    }
    return {};
}

// The applied entries, newest first.
std::vector<const PlanEntry*> applied_newest_first(const Plan& plan) {
    std::vector<const PlanEntry*> applied;
    for (const auto& entry : plan.entries) {
        if (entry.applied && Version::parse_dotted(entry.applied->version)) {
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
                        "{} {}: that version is not applied; give an applied version (it "
                        "stays applied) or 0 to undo everything; run {} to see them",
                        Option::target, policy.target->text(), run(Command::status));
        }
        for (const auto* entry : applied) {
            // 0 undoes everything: a migration of version 0 (Prisma's 0_init, Flyway's V0__)
            // too.
            if (!to_zero && !(*policy.target < entry->version)) {
                break;
            }
            way.push_back(entry);
        }
        return way;
    }
    if (policy.steps < 1 || static_cast<std::size_t>(policy.steps) > applied.size()) {
        return fail(ErrorCode::invalid_input,
                    "{} {}: {} migration(s) are applied; give a number from 1 to {}", Option::steps,
                    policy.steps, applied.size(), applied.size());
    }
    way.assign(applied.begin(), applied.begin() + policy.steps);
    return way;
}

}  // namespace

Result<std::vector<const Migration*>> select_down_steps(const Plan& plan,
                                                        const DownPolicy& policy) {
    auto way = entries_to_revert(plan, policy);
    BELAY_TRY(way);
    std::vector<Message> reasons;
    for (const auto& entry : plan.entries) {
        if (entry.status == MigrationStatus::dirty) {
            reasons.push_back(describe_refusal(entry, UpPolicy{}, from_program(plan)));
        }
    }
    for (const auto* entry : *way) {
        if (auto reason =
                describe_down_refusal(*entry, from_program(plan), policy.allow_missing_down);
            !reason.empty()) {
            reasons.push_back(std::move(reason));
        }
    }
    if (!reasons.empty()) {
        return fail(ErrorCode::refused,
                    "refusing to revert; nothing was changed:\n{}\nTo go back past a migration "
                    "that cannot be reverted, restore a backup taken before it ({}, then {})",
                    joined(reasons, "\n"), run(Command::backups),
                    run(Command::restore, {placeholder("PATH")}));
    }
    std::vector<const Migration*> steps;
    for (const auto* entry : *way) {
        steps.push_back(entry->migration);
    }
    return steps;
}

}  // namespace belay
