#include "core/history_edit.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/tool_checksums.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"
#include "unit/core/migration_fixtures.hpp"

namespace belay {
namespace {
using namespace fixtures;  // NOLINT(google-build-using-namespace): test fixtures only

std::vector<std::string> described(const std::vector<HistoryChange>& changes) {
    std::vector<std::string> lines;
    for (const auto& change : changes) {
        lines.push_back(change.description);
    }
    return lines;
}

TEST(PlanBaseline, RecordsEveryFileUpToTheTarget) {
    const std::vector<Migration> files{file("1", "a"), file("2", "b"), file("3", "c")};
    auto changes = plan_baseline(files, History{}, v("0002"));
    ASSERT_TRUE(changes.has_value()) << changes.error().message;
    EXPECT_EQ(described(*changes),
              (std::vector<std::string>{"record 1_a as applied (it is not run)",
                                        "record 2_b as applied (it is not run)"}));
    EXPECT_EQ((*changes)[1].checksum, "sum-2");
}

TEST(PlanBaseline, RefusesHistoryAndUnknownTargets) {
    const std::vector<Migration> files{file("1", "a")};
    History history;
    history.applied = {applied("1", "a")};
    auto refused = plan_baseline(files, history, v("1"));
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::refused);
    // The message names the refusing operation first; the call it advises is the next step.
    ASSERT_TRUE(refused.error().advised_call().has_value()) << refused.error().message;
    EXPECT_EQ(refused.error().advised_call()->command, Command::status);
    auto unknown = plan_baseline(files, History{}, v("7"));
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, ErrorCode::invalid_input);
}

TEST(PlanRepair, ClearsMarksReRecordsChecksumsAndLeavesMissingFilesToForce) {
    const std::vector<Migration> files{file("1", "a", "new"), file("2", "b"), file("3", "c")};
    History history;
    history.applied = {applied("1", "a", "old"), applied("9", "gone")};
    history.dirty = {DirtyMark{"2", "b", "2026-01-01T00:00:00Z"}};
    history.failures = {FailedAttempt{"3", "c", "2026-01-01T00:00:00Z", "boom"}};
    std::vector<Message> notes;
    const auto changes = plan_repair(build_plan(files, history), notes);
    EXPECT_EQ(described(changes),
              (std::vector<std::string>{"re-record the checksum of 1_a: old -> new",
                                        "clear the dirty mark of 2_b",
                                        "clear the failed attempt of 3_c"}));
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_CONTAINS(notes[0], "9_gone is applied but its file is gone");
    // The note advises a call, as a fact: the CLI words it as `belay db force`.
    ASSERT_TRUE(notes[0].call().has_value());
    EXPECT_EQ(notes[0].call()->command, Command::force);
    EXPECT_TRUE(plan_repair(build_plan(files, History{}), notes).empty());
}

TEST(PlanForce, AddsUpToTheTargetRemovesNewerAndClearsDirtyMarks) {
    const std::vector<Migration> files{file("1", "a"), file("2", "b"), file("3", "c")};
    History history;
    history.applied = {applied("1", "a"), applied("3", "c"), applied("4", "gone")};
    history.dirty = {DirtyMark{"3", "c", "2026-01-01T00:00:00Z"}};
    auto changes = plan_force(build_plan(files, history), v("2"));
    ASSERT_TRUE(changes.has_value()) << changes.error().message;
    EXPECT_EQ(described(*changes),
              (std::vector<std::string>{
                  "record 2_b as applied (it is not run)", "clear the dirty mark of 3_c",
                  "remove 3_c from the history (what it changed in the schema stays)",
                  "remove 4_gone from the history (what it changed in the schema stays)"}));
    auto zero = plan_force(build_plan(files, history), v("0"));
    ASSERT_TRUE(zero.has_value());
    EXPECT_EQ(zero->size(), 4u);  // three rows removed, one dirty mark cleared
    auto unknown = plan_force(build_plan(files, history), v("8"));
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, ErrorCode::invalid_input);
}

TEST(PlanAdopt, RecordsFlywaysRepeatablesAsTheFilesAreNowAndNotesTheOthers) {
    testing::TempDir dir;
    const auto repeatable = [&](const std::string& name, const std::string& contents) {
        const auto path = dir.write("R__" + name + ".sql", contents);
        return RepeatableMigration{.name = name,
                                   .path = path,
                                   .up = SqlSection{true, contents, 1, {}},
                                   .checksum = "belay-" + name,
                                   .layout = Layout::flyway};
    };
    const std::vector<RepeatableMigration> files{
        repeatable("same_as_applied", "SELECT 1;\n"), repeatable("edited", "SELECT 2;\n"),
        repeatable("failed", "SELECT 3;\n"), repeatable("deleted", "SELECT 4;\n"),
        repeatable("never_applied", "SELECT 5;\n")};
    const auto row = [&](std::string rank, std::string description, std::string_view contents,
                         bool succeeded, bool deleted = false) {
        return ForeignHistory::RepeatableRow{.rank = std::move(rank),
                                             .description = std::move(description),
                                             .script = "R__x.sql",
                                             .checksum = std::to_string(flyway_checksum(contents)),
                                             .applied_at = "2026-01-02T03:04:05Z",
                                             .succeeded = succeeded,
                                             .deleted = deleted};
    };
    ForeignHistory foreign{"Flyway", "flyway_schema_history", {}, std::nullopt, false};
    foreign.repeatables = {
        row("1", "same as applied", "SELECT 1;\n", true), row("2", "edited", "SELECT 1;\n", true),
        row("3", "failed", "SELECT 3;\n", false), row("4", "deleted", "SELECT 4;\n", true, true),
        row("5", "no file", "SELECT 6;\n", true)};
    std::vector<Message> notes;
    auto changes = plan_adopt({}, files, History{}, foreign, notes);
    ASSERT_TRUE(changes.has_value()) << changes.error().message;
    ASSERT_EQ(changes->size(), 2u) << "the kept table, and one repeatable";
    const auto& recorded = changes->back();
    EXPECT_EQ(recorded.kind, HistoryChange::Kind::record_repeatable);
    EXPECT_EQ(recorded.name, "same_as_applied");
    EXPECT_EQ(recorded.checksum, "belay-same_as_applied") << "belay's checksum, not Flyway's";
    EXPECT_EQ(recorded.applied_at, "2026-01-02T03:04:05Z");
    ASSERT_EQ(notes.size(), 5u);
    EXPECT_CONTAINS(notes[0], "R__edited.sql: changed since Flyway last applied it");
    EXPECT_CONTAINS(notes[1], "R__failed.sql: Flyway's latest row of it (row 3) failed");
    EXPECT_CONTAINS(notes[2],
                    "R__deleted.sql: Flyway's latest row of it (row 4) marks it "
                    "deleted");
    EXPECT_CONTAINS(notes[3], "R__never_applied.sql: flyway_schema_history has no row of it");
    EXPECT_CONTAINS(notes[4], "row 5 records the repeatable migration R__x.sql (no file)");
}

}  // namespace
}  // namespace belay
