#include "core/plan.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit/core/migration_fixtures.hpp"

namespace belay {
namespace {
using namespace fixtures;  // NOLINT(google-build-using-namespace): test fixtures only

const PlanEntry& entry_for(const Plan& plan, std::string_view version) {
    for (const auto& entry : plan.entries) {
        if (entry.version == v(version)) {
            return entry;
        }
    }
    throw std::out_of_range("no plan entry for " + std::string(version));
}

std::vector<std::string> versions_of(const std::vector<const Migration*>& steps) {
    std::vector<std::string> versions;
    for (const auto* step : steps) {
        versions.push_back(step->version.text());
    }
    return versions;
}

std::vector<std::string> statuses_of(const Plan& plan) {
    std::vector<std::string> statuses;
    for (const auto& entry : plan.entries) {
        statuses.push_back(entry.version.text() + ":" + std::string(to_string(entry.status)));
    }
    return statuses;
}

std::string refusal(const Plan& plan, const UpPolicy& policy = {}) {
    auto steps = select_up_steps(plan, policy);
    if (steps) {
        ADD_FAILURE() << "expected a refusal, got " << steps->size() << " steps";
        return {};
    }
    EXPECT_EQ(steps.error().code, ErrorCode::refused);
    return steps.error().message;
}

TEST(BuildPlan, NewDatabaseHasEverythingPendingAndVersionZero) {
    const std::vector<Migration> files{file("0001", "a"), file("0002", "b")};
    const auto plan = build_plan(files, History{});
    EXPECT_EQ(statuses_of(plan), (std::vector<std::string>{"0001:pending", "0002:pending"}));
    EXPECT_EQ(plan.current_version, "0");
    EXPECT_EQ(plan.pending().size(), 2U);
    EXPECT_FALSE(plan.has_problems());
    EXPECT_EQ(entry_for(plan, "0001").migration, &files[0]);
}

TEST(BuildPlan, GivesEveryStatus) {
    const std::vector<Migration> files{file("0001", "applied"), file("0002", "modified", "edited"),
                                       file("0004", "failed"), file("0005", "dirty"),
                                       file("0006", "pending")};
    History history;
    history.table_exists = true;
    history.applied = {applied("0001", "applied"), applied("0002", "modified"),
                       applied("0003", "missing")};
    history.failures = {FailedAttempt{"0004", "failed", "2026-01-02T03:04:05Z", "boom"}};
    history.dirty = {DirtyMark{"0005", "dirty", "2026-01-02T03:04:05Z"}};

    const auto plan = build_plan(files, history);

    EXPECT_EQ(statuses_of(plan),
              (std::vector<std::string>{"0001:applied", "0002:modified", "0003:missing",
                                        "0004:failed", "0005:dirty", "0006:pending"}));
    EXPECT_EQ(entry_for(plan, "0003").migration, nullptr);
    EXPECT_EQ(entry_for(plan, "0003").name, "missing");
    ASSERT_TRUE(entry_for(plan, "0004").last_failure.has_value());
    EXPECT_EQ(entry_for(plan, "0004").last_failure->error, "boom");
    ASSERT_TRUE(entry_for(plan, "0002").applied.has_value());
    EXPECT_EQ(entry_for(plan, "0002").applied->checksum, checksum_of("0002"));
    EXPECT_TRUE(plan.has_problems());
    // Failed migrations are retried, so they count as pending work.
    std::vector<std::string> pending;
    for (const auto* entry : plan.pending()) {
        pending.push_back(entry->version.text());
    }
    EXPECT_EQ(pending, (std::vector<std::string>{"0004", "0006"}));
}

TEST(BuildPlan, ZeroPaddedFileMatchesUnpaddedHistoryRow) {
    const std::vector<Migration> files{file("0001", "a"), file("0002", "b")};
    History history;
    history.applied = {applied("1", "a", checksum_of("0001"))};
    const auto plan = build_plan(files, history);
    ASSERT_EQ(plan.entries.size(), 2U);
    EXPECT_EQ(entry_for(plan, "1").status, MigrationStatus::applied);
    EXPECT_EQ(entry_for(plan, "1").migration, &files[0]);
    EXPECT_EQ(entry_for(plan, "2").status, MigrationStatus::pending);
    // The current version is spelled as the history row has it.
    EXPECT_EQ(plan.current_version, "1");
}

TEST(BuildPlan, OrdersVersionsNumericallyBeyondInt64) {
    // 99999999999999999999 > 2^64; 100000000000000000000 has 21 digits.
    const std::vector<Migration> files{file("9", "nine"),
                                       file("10", "ten"),
                                       file("20240101123456", "stamp"),
                                       file("18446744073709551616", "past_uint64"),
                                       file("99999999999999999999", "big"),
                                       file("100000000000000000000", "bigger")};
    const auto plan = build_plan(files, History{});
    std::vector<std::string> order;
    for (const auto& entry : plan.entries) {
        order.push_back(entry.version.text());
    }
    EXPECT_EQ(order, (std::vector<std::string>{"9", "10", "20240101123456", "18446744073709551616",
                                               "99999999999999999999", "100000000000000000000"}));
}

TEST(BuildPlan, CurrentVersionIsTheNewestAppliedAsWritten) {
    const std::vector<Migration> files{file("0001", "a"), file("00003", "c"), file("0010", "d")};
    History history;
    // History order does not matter; the newest by number wins, spelled as written.
    history.applied = {applied("00003", "c"), applied("0001", "a")};
    const auto plan = build_plan(files, history);
    EXPECT_EQ(plan.current_version, "00003");
}

TEST(BuildPlan, MissingFileStillCountsForCurrentVersion) {
    const std::vector<Migration> files{file("0001", "a")};
    History history;
    history.applied = {applied("0001", "a"), applied("0002", "gone")};
    const auto plan = build_plan(files, history);
    EXPECT_EQ(plan.current_version, "0002");
    EXPECT_EQ(entry_for(plan, "0002").status, MigrationStatus::missing);
}

TEST(BuildPlan, FlagsPendingOlderThanNewestAppliedAsOutOfOrder) {
    const std::vector<Migration> files{file("0001", "a"), file("0002", "late"), file("0003", "c"),
                                       file("0004", "next")};
    History history;
    history.applied = {applied("0001", "a"), applied("0003", "c")};
    const auto plan = build_plan(files, history);
    EXPECT_TRUE(entry_for(plan, "0002").out_of_order);
    EXPECT_EQ(entry_for(plan, "0002").status, MigrationStatus::pending);
    EXPECT_FALSE(entry_for(plan, "0004").out_of_order);
    EXPECT_FALSE(entry_for(plan, "0001").out_of_order);
    EXPECT_TRUE(plan.has_problems());
}

TEST(BuildPlan, FailedMigrationOlderThanNewestAppliedIsOutOfOrderToo) {
    const std::vector<Migration> files{file("0001", "a"), file("0002", "b")};
    History history;
    history.applied = {applied("0002", "b")};
    history.failures = {FailedAttempt{"0001", "a", "2026-01-02T03:04:05Z", "boom"}};
    const auto plan = build_plan(files, history);
    EXPECT_EQ(entry_for(plan, "0001").status, MigrationStatus::failed);
    EXPECT_TRUE(entry_for(plan, "0001").out_of_order);
}

TEST(BuildPlan, FailureRecordForAnAppliedMigrationIsIgnored) {
    const std::vector<Migration> files{file("0001", "a")};
    History history;
    history.applied = {applied("0001", "a")};
    history.failures = {FailedAttempt{"0001", "a", "2026-01-02T03:04:05Z", "old"}};
    const auto plan = build_plan(files, history);
    EXPECT_EQ(entry_for(plan, "0001").status, MigrationStatus::applied);
    EXPECT_FALSE(plan.has_problems());
}

TEST(BuildPlan, DirtyMarkWithoutFileStillShows) {
    History history;
    history.dirty = {DirtyMark{"0007", "half_done", "2026-01-02T03:04:05Z"}};
    const auto plan = build_plan({}, history);
    ASSERT_EQ(plan.entries.size(), 1U);
    EXPECT_EQ(plan.entries[0].status, MigrationStatus::dirty);
    EXPECT_EQ(plan.entries[0].name, "half_done");
}

// Regression: a hand-written history row whose version is not digits sorts after every real
// version; it must not become the "current version" nor hide out-of-order files.
TEST(BuildPlan, NonNumericHistoryRowDoesNotBecomeCurrentVersion) {
    const std::vector<Migration> files{file("0001", "a"), file("0002", "b"), file("0003", "c")};
    History history;
    history.applied = {applied("0001", "a"), applied("0003", "c"), applied("manual", "hotfix")};
    const auto plan = build_plan(files, history);
    EXPECT_EQ(plan.current_version, "0003");
    EXPECT_TRUE(entry_for(plan, "0002").out_of_order);
}

TEST(BuildPlan, HandEditedRowsSortAfterEveryVersionByTheirText) {
    const std::vector<Migration> files{file("9", "nine"), file("000", "zero")};
    History history;
    history.applied = {applied("b", "x"), applied("10", "ten"), applied("a", "y"),
                       applied("0009", "nine", checksum_of("9")), applied("", "blank")};
    const auto plan = build_plan(files, history);
    std::vector<std::string> order;
    for (const auto& entry : plan.entries) {
        order.push_back(entry.name + ":" + std::string(to_string(entry.status)));
    }
    EXPECT_EQ(order, (std::vector<std::string>{"zero:pending", "nine:applied", "ten:missing",
                                               "blank:missing", "y:missing", "x:missing"}));
    EXPECT_EQ(plan.current_version, "10");
    EXPECT_TRUE(entry_for(plan, "0").out_of_order);
}

TEST(BuildPlan, EntriesComeOutInVersionOrderWhateverOrderTheHistoryIsIn) {
    // Rows in a scrambled order (cycles of every length), files for every third version,
    // dirty marks for a version with a file and for one without.
    std::vector<Migration> files;
    History history;
    for (int i = 1; i <= 60; ++i) {
        const int version = (i * 37) % 61;  // 37 generates the group: every 1..60 once
        history.applied.push_back(applied(std::to_string(version), "m" + std::to_string(version)));
    }
    for (int version = 3; version <= 90; version += 3) {
        files.push_back(file(std::to_string(version), "m" + std::to_string(version)));
    }
    history.dirty = {DirtyMark{"95", "late", "2026-01-02T03:04:05Z"},
                     DirtyMark{"30", "m30", "2026-01-02T03:04:05Z"}};
    const auto plan = build_plan(files, history);
    std::vector<std::string> expected;
    for (int version = 1; version <= 90; ++version) {
        if (version <= 60 || version % 3 == 0) {
            const char* status = version == 30  ? "dirty"
                                 : version > 60 ? "pending"
                                 : version % 3  ? "missing"
                                                : "applied";
            expected.push_back(std::to_string(version) + ":" + status);
        }
    }
    expected.push_back("95:dirty");
    EXPECT_EQ(statuses_of(plan), expected);
    EXPECT_EQ(plan.current_version, "60");
    EXPECT_EQ(entry_for(plan, "63").migration, &files[20]);
    EXPECT_EQ(entry_for(plan, "7").applied->name, "m7");
}

TEST(SelectUpSteps, ReturnsPendingInOrder) {
    const std::vector<Migration> files{file("0001", "a"), file("0002", "b"), file("0003", "c")};
    History history;
    history.applied = {applied("0001", "a")};
    const auto steps = select_up_steps(build_plan(files, history), {});
    ASSERT_TRUE(steps.has_value()) << steps.error().message;
    EXPECT_EQ(versions_of(*steps), (std::vector<std::string>{"0002", "0003"}));
    EXPECT_EQ((*steps)[0], &files[1]);
}

TEST(SelectUpSteps, NothingPendingGivesNoSteps) {
    const std::vector<Migration> files{file("0001", "a")};
    History history;
    history.applied = {applied("0001", "a")};
    const auto steps = select_up_steps(build_plan(files, history), {});
    ASSERT_TRUE(steps.has_value()) << steps.error().message;
    EXPECT_TRUE(steps->empty());
}

TEST(SelectUpSteps, RetriesFailedMigrations) {
    const std::vector<Migration> files{file("0001", "a"), file("0002", "b")};
    History history;
    history.applied = {applied("0001", "a")};
    history.failures = {FailedAttempt{"0002", "b", "2026-01-02T03:04:05Z", "boom"}};
    const auto steps = select_up_steps(build_plan(files, history), {});
    ASSERT_TRUE(steps.has_value()) << steps.error().message;
    EXPECT_EQ(versions_of(*steps), (std::vector<std::string>{"0002"}));
}

TEST(SelectUpSteps, RefusesDirty) {
    const std::vector<Migration> files{file("0001", "a"), file("0002", "b")};
    History history;
    history.dirty = {DirtyMark{"0001", "a", "2026-01-02T03:04:05Z"}};
    const auto message = refusal(build_plan(files, history));
    EXPECT_CONTAINS(message, "0001_a is dirty");
}

TEST(SelectUpSteps, RefusesModifiedNamingBothChecksums) {
    const std::vector<Migration> files{file("0001", "a", "0123456789abcdefdisk"),
                                       file("0002", "b")};
    History history;
    history.applied = {applied("0001", "a", "fedcba9876543210hist")};
    const auto message = refusal(build_plan(files, history));
    EXPECT_CONTAINS(message, "0001_a was changed after it was applied");
    EXPECT_CONTAINS(message, "fedcba987654");
    EXPECT_CONTAINS(message, "0123456789ab");
}

TEST(SelectUpSteps, RefusesMissing) {
    const std::vector<Migration> files{file("0002", "b")};
    History history;
    history.applied = {applied("0001", "gone")};
    const auto message = refusal(build_plan(files, history));
    EXPECT_CONTAINS(message, "0001_gone is applied but its file is gone");
}

TEST(SelectUpSteps, RefusesOutOfOrderUnlessAllowed) {
    const std::vector<Migration> files{file("0001", "a"), file("0002", "late"), file("0003", "c"),
                                       file("0004", "d")};
    History history;
    history.applied = {applied("0001", "a"), applied("0003", "c")};
    const auto plan = build_plan(files, history);

    const auto message = refusal(plan);
    EXPECT_CONTAINS(message, "0002_late");
    EXPECT_CONTAINS(message, "or pass allow_out_of_order to apply it anyway");
    EXPECT_NOT_CONTAINS(message, "0004") << message;

    const auto steps = select_up_steps(plan, UpPolicy{std::nullopt, true});
    ASSERT_TRUE(steps.has_value()) << steps.error().message;
    EXPECT_EQ(versions_of(*steps), (std::vector<std::string>{"0002", "0004"}));
}

TEST(SelectUpSteps, AllowOutOfOrderDoesNotLiftOtherRefusals) {
    const std::vector<Migration> files{file("0001", "a", "edited"), file("0002", "b")};
    History history;
    history.applied = {applied("0001", "a")};
    const auto message = refusal(build_plan(files, history), UpPolicy{std::nullopt, true});
    EXPECT_CONTAINS(message, "0001_a was changed");
}

TEST(SelectUpSteps, ListsEveryReasonInOneMessage) {
    const std::vector<Migration> files{file("0001", "late"), file("0002", "changed", "edited"),
                                       file("0004", "applied"), file("0005", "half")};
    History history;
    history.applied = {applied("0002", "changed"), applied("0003", "gone"),
                       applied("0004", "applied")};
    history.dirty = {DirtyMark{"0005", "half", "2026-01-02T03:04:05Z"}};
    const auto message = refusal(build_plan(files, history));
    EXPECT_CONTAINS(message, "nothing was changed");
    EXPECT_CONTAINS(message, "0001_late is pending but older");
    EXPECT_CONTAINS(message, "0002_changed was changed");
    EXPECT_CONTAINS(message, "0003_gone is applied but its file is gone");
    EXPECT_CONTAINS(message, "0005_half is dirty");
}

TEST(SelectUpSteps, TargetStopsAfterIt) {
    const std::vector<Migration> files{file("0001", "a"), file("0002", "b"), file("0003", "c")};
    const auto plan = build_plan(files, History{});
    const auto steps = select_up_steps(plan, UpPolicy{v("0002"), false});
    ASSERT_TRUE(steps.has_value()) << steps.error().message;
    EXPECT_EQ(versions_of(*steps), (std::vector<std::string>{"0001", "0002"}));
}

TEST(SelectUpSteps, TargetMatchesNumerically) {
    const std::vector<Migration> files{file("0001", "a"), file("0002", "b"), file("0003", "c")};
    const auto steps = select_up_steps(build_plan(files, History{}), UpPolicy{v("1"), false});
    ASSERT_TRUE(steps.has_value()) << steps.error().message;
    EXPECT_EQ(versions_of(*steps), (std::vector<std::string>{"0001"}));
}

TEST(SelectUpSteps, TargetAlreadyAppliedGivesNoSteps) {
    const std::vector<Migration> files{file("0001", "a"), file("0002", "b")};
    History history;
    history.applied = {applied("0001", "a")};
    const auto steps = select_up_steps(build_plan(files, history), UpPolicy{v("0001"), false});
    ASSERT_TRUE(steps.has_value()) << steps.error().message;
    EXPECT_TRUE(steps->empty());
}

TEST(RefuseUnknownUpTarget, AVersionNoFileHasIsInvalidInput) {
    const std::vector<Migration> files{file("0001", "a"), file("0003", "c")};
    const auto refused = refuse_unknown_up_target(files, v("0002"));
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_input);
    // The library names the field, and says it as a fact; the CLI words it as --to.
    EXPECT_CONTAINS(refused.error().message, "target 0002: no migration file has that version");
    EXPECT_EQ(refused.error().option(), Option::target);
    ASSERT_TRUE(refused.error().advised_call().has_value());
    EXPECT_EQ(refused.error().advised_call()->command, Command::status);
}

TEST(RefuseUnknownUpTarget, AFilesVersionPassesWrittenAnyWay) {
    const std::vector<Migration> files{file("0001", "a"), file("0003", "c")};
    EXPECT_TRUE(refuse_unknown_up_target(files, v("3")).has_value());
    EXPECT_TRUE(refuse_unknown_up_target(files, v("0001")).has_value());
}

TEST(MigrationStatusNames, AreTheWordsStatusPrints) {
    EXPECT_EQ(to_string(MigrationStatus::applied), "applied");
    EXPECT_EQ(to_string(MigrationStatus::pending), "pending");
    EXPECT_EQ(to_string(MigrationStatus::failed), "failed");
    EXPECT_EQ(to_string(MigrationStatus::dirty), "dirty");
    EXPECT_EQ(to_string(MigrationStatus::modified), "modified");
    EXPECT_EQ(to_string(MigrationStatus::missing), "missing");
}

}  // namespace
}  // namespace belay

namespace belay {
namespace {
using namespace fixtures;  // NOLINT(google-build-using-namespace): test fixtures only

Migration reversible(std::string_view version, std::string name) {
    auto m = file(version, std::move(name));
    m.down.present = true;
    m.down.sql = "SELECT 2;\n";
    return m;
}

TEST(SelectDownSteps, NewestFirstByStepsOrTarget) {
    const std::vector<Migration> files{reversible("0001", "a"), reversible("0002", "b"),
                                       reversible("10", "c")};
    History history;
    history.table_exists = true;
    history.applied = {applied("0001", "a"), applied("0002", "b"), applied("10", "c")};
    const auto plan = build_plan(files, history);

    auto one = select_down_steps(plan, DownPolicy{});
    ASSERT_TRUE(one.has_value()) << one.error().message;
    EXPECT_EQ(versions_of(*one), (std::vector<std::string>{"10"}));
    auto two = select_down_steps(plan, DownPolicy{std::nullopt, 2});
    ASSERT_TRUE(two.has_value());
    EXPECT_EQ(versions_of(*two), (std::vector<std::string>{"10", "0002"}));
    auto to_one = select_down_steps(plan, DownPolicy{v("1"), 1});
    ASSERT_TRUE(to_one.has_value());
    EXPECT_EQ(versions_of(*to_one), (std::vector<std::string>{"10", "0002"}));
    auto all = select_down_steps(plan, DownPolicy{v("0"), 1});
    ASSERT_TRUE(all.has_value());
    EXPECT_EQ(versions_of(*all), (std::vector<std::string>{"10", "0002", "0001"}));
}

TEST(SelectDownSteps, PendingFilesAreNotOnTheWay) {
    const std::vector<Migration> files{reversible("1", "a"), reversible("2", "b"),
                                       file("3", "no_down")};
    History history;
    history.table_exists = true;
    history.applied = {applied("1", "a"), applied("2", "b")};
    auto all = select_down_steps(build_plan(files, history), DownPolicy{v("0"), 1});
    ASSERT_TRUE(all.has_value()) << all.error().message;
    EXPECT_EQ(versions_of(*all), (std::vector<std::string>{"2", "1"}));
}

TEST(SelectDownSteps, RefusesListingEveryMigrationThatCannotBeReverted) {
    const std::vector<Migration> files{file("1", "no_down"), reversible("2", "b"),
                                       reversible("3", "c")};
    History history;
    history.table_exists = true;
    history.applied = {applied("1", "no_down"), applied("2", "b", "other"), applied("3", "c"),
                       applied("4", "gone")};
    auto refused = select_down_steps(build_plan(files, history), DownPolicy{v("0"), 1});
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::refused);
    EXPECT_CONTAINS(refused.error().message, "1_no_down has no Down section");
    EXPECT_CONTAINS(refused.error().message, "2_b was changed after it was applied");
    EXPECT_CONTAINS(refused.error().message, "4_gone is applied but its file is gone");
    EXPECT_CONTAINS(refused.error().message, "then run_restore(PATH)");
    EXPECT_NOT_CONTAINS(refused.error().message, "3_c") << "3_c can be reverted and is not listed";
}

TEST(SelectDownSteps, ToZeroRevertsAMigrationOfVersionZeroToo) {
    const std::vector<Migration> files{reversible("0", "base"), reversible("1", "b")};
    History history;
    history.table_exists = true;
    history.applied = {applied("0", "base"), applied("1", "b")};
    auto all = select_down_steps(build_plan(files, history), DownPolicy{v("0"), 1});
    ASSERT_TRUE(all.has_value()) << all.error().message;
    EXPECT_EQ(versions_of(*all), (std::vector<std::string>{"1", "0"}));
}

TEST(SelectDownSteps, AMigrationWithoutAWayDownIsNamedInItsToolsWords) {
    auto flyway = file("1", "no_undo");
    flyway.layout = Layout::flyway;
    auto pair = file("2", "no_down_file");
    pair.layout = Layout::golang_migrate;
    const std::vector<Migration> files{flyway, pair};
    History history;
    history.table_exists = true;
    history.applied = {applied("1", "no_undo"), applied("2", "no_down_file")};
    auto refused = select_down_steps(build_plan(files, history), DownPolicy{v("0"), 1});
    ASSERT_FALSE(refused.has_value());
    EXPECT_CONTAINS(refused.error().message,
                    "1_no_undo has no undo file (U<version>__<description>.sql beside it)");
    EXPECT_CONTAINS(refused.error().message, "2_no_down_file has no .down.sql file");
}

TEST(SelectDownSteps, AllowMissingDownRevertsThemAndNamesTheOptionWhenRefusing) {
    const std::vector<Migration> files{file("1", "no_down"), reversible("2", "b")};
    History history;
    history.table_exists = true;
    history.applied = {applied("1", "no_down"), applied("2", "b")};
    const auto plan = build_plan(files, history);
    auto refused = select_down_steps(plan, DownPolicy{.target = v("0"), .steps = 1});
    ASSERT_FALSE(refused.has_value());
    EXPECT_CONTAINS(refused.error().message,
                    "1_no_down has no Down section (1_no_down.sql); pass allow_missing_down to "
                    "revert it as a no-op, as goose does");
    EXPECT_EQ(refused.error().option(), Option::allow_missing_down);
    auto allowed = select_down_steps(
        plan, DownPolicy{.target = v("0"), .steps = 1, .allow_missing_down = true});
    ASSERT_TRUE(allowed.has_value()) << allowed.error().message;
    EXPECT_EQ(versions_of(*allowed), (std::vector<std::string>{"2", "1"}));

    history.applied.push_back(applied("3", "gone"));
    auto still =
        select_down_steps(build_plan(files, history),
                          DownPolicy{.target = v("0"), .steps = 1, .allow_missing_down = true});
    ASSERT_FALSE(still.has_value()) << "a missing file is not a missing Down section";
    EXPECT_CONTAINS(still.error().message, "3_gone is applied but its file is gone");
}

TEST(SelectDownSteps, BadTargetsAndCountsAreUsageErrors) {
    const std::vector<Migration> files{reversible("1", "a"), reversible("2", "b")};
    History history;
    history.table_exists = true;
    history.applied = {applied("1", "a")};
    const auto plan = build_plan(files, history);
    auto pending_target = select_down_steps(plan, DownPolicy{v("2"), 1});
    ASSERT_FALSE(pending_target.has_value());
    EXPECT_EQ(pending_target.error().code, ErrorCode::invalid_input);
    auto too_many = select_down_steps(plan, DownPolicy{std::nullopt, 2});
    ASSERT_FALSE(too_many.has_value());
    EXPECT_EQ(too_many.error().code, ErrorCode::invalid_input);
    auto nothing = select_down_steps(build_plan(files, History{}), DownPolicy{std::nullopt, 3});
    ASSERT_TRUE(nothing.has_value()) << "nothing applied is nothing to revert";
    EXPECT_TRUE(nothing->empty());
}

RepeatableMigration repeatable(std::string name, std::string checksum) {
    return RepeatableMigration{.name = name,
                               .path = "R__" + name + ".sql",
                               .up = SqlSection{true, "SELECT 1;\n", 1, {}},
                               .checksum = std::move(checksum),
                               .layout = Layout::flyway};
}

TEST(PlanRepeatables, PendingAppliedOrChangedByChecksumInTheFilesOrder) {
    const std::vector<RepeatableMigration> files{
        repeatable("b_new", "1"), repeatable("a_same", "2"), repeatable("c_edited", "3")};
    History history;
    history.repeatables = {{"a_same", "2", "2026-01-01T00:00:00Z"},
                           {"c_edited", "old", "2026-01-02T00:00:00Z"},
                           {"gone", "4", "2026-01-03T00:00:00Z"}};
    const auto entries = plan_repeatables(files, history);
    ASSERT_EQ(entries.size(), 3u) << "a row no file has is left out";
    EXPECT_EQ(entries[0].migration, &files[0]);
    EXPECT_EQ(entries[0].status, RepeatableStatus::pending);
    EXPECT_FALSE(entries[0].applied.has_value());
    EXPECT_EQ(entries[1].status, RepeatableStatus::applied);
    EXPECT_EQ(entries[1].applied->applied_at, "2026-01-01T00:00:00Z");
    EXPECT_EQ(entries[2].status, RepeatableStatus::changed);
    EXPECT_EQ(to_string(entries[2].status), "changed");
    const auto due = repeatables_due(files, history);
    ASSERT_EQ(due.size(), 2u);
    EXPECT_EQ(due[0], &files[0]);
    EXPECT_EQ(due[1], &files[2]);
    const auto step = step_of(files[2]);
    EXPECT_EQ(step.name, "c_edited");
    EXPECT_EQ(step.up.sql, "SELECT 1;\n");
    EXPECT_FALSE(step.down.present);
    EXPECT_FALSE(step.up_no_transaction);
}

}  // namespace
}  // namespace belay
