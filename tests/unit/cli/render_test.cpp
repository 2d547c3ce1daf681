// The CLI's renderers on reports built by hand: what each prints for cases the end-to-end suite
// reaches only with effort (a status table longer than one write, a sidecar holding escape
// codes, fields that did not apply).
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "cli/render.hpp"
#include "support/expect.hpp"

namespace belay::cli {
namespace {

// What `print` writes to the stream it is given.
std::string written(const std::function<void(std::FILE*)>& print) {
    char* data = nullptr;
    std::size_t size = 0;
    std::FILE* out = open_memstream(&data, &size);
    if (out == nullptr) {
        ADD_FAILURE() << "open_memstream failed";
        return {};
    }
    print(out);
    std::fclose(out);
    std::string text(data, size);
    std::free(data);
    return text;
}

std::size_t occurrences(const std::string& text, const std::string& part) {
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
        ++count;
    }
    return count;
}

PlanEntry pending_entry(const std::string& version, const std::string& name) {
    return PlanEntry{*Version::parse(version),
                     name,
                     MigrationStatus::pending,
                     nullptr,
                     std::nullopt,
                     std::nullopt,
                     false};
}

PlanEntry applied_entry(const std::string& version, const std::string& name) {
    auto entry = pending_entry(version, name);
    entry.status = MigrationStatus::applied;
    entry.applied = AppliedMigration{version, name, "", "2026-01-02T03:04:05Z", 7, ""};
    return entry;
}

BackupEntry backup_entry(const std::string& path, const std::string& reason) {
    BackupEntry entry{path, {}, std::vector<std::string>{}};
    entry.metadata.created_at = "2026-01-02T03:04:05Z";
    entry.metadata.reason = reason;
    entry.metadata.schema_version = "0003";
    entry.metadata.size_bytes = 2048;
    return entry;
}

TEST(RenderStatusText, ATableLongerThanOneWriteReachesTheStreamWholeAndInOrder) {
    StatusReport report;
    report.database = "big.db";
    report.state.exists = true;
    for (int i = 1; i <= 3000; ++i) {
        report.plan.entries.push_back(applied_entry(
            std::to_string(10000 + i), "migration_with_a_long_name_" + std::to_string(i)));
    }
    report.plan.current_version = "13000";
    const auto text = written([&](std::FILE* out) { print_status_text(out, report, false); });
    ASSERT_GT(text.size(), 128U * 1024) << "the table should need more than one flush";
    EXPECT_EQ(occurrences(text, "migration_with_a_long_name_"), 3000U);
    EXPECT_LT(text.find("_name_2999 "), text.find("_name_3000 "));
    EXPECT_TRUE(text.ends_with("\n3000 applied, 0 pending\n")) << text.substr(text.size() - 80);
}

TEST(RenderStatusText, ColoursOnlyWhenAskedAndPadsAsWithout) {
    StatusReport report;
    report.database = "app.db";
    report.plan.entries.push_back(applied_entry("0001", "a"));
    report.plan.entries.push_back(pending_entry("0002", "b"));
    const auto plain = written([&](std::FILE* out) { print_status_text(out, report, false); });
    EXPECT_NOT_CONTAINS(plain, '\x1b') << plain;
    auto coloured = written([&](std::FILE* out) { print_status_text(out, report, true); });
    EXPECT_CONTAINS(coloured, "\x1b[32mapplied ") << coloured;
    EXPECT_CONTAINS(coloured, "\x1b[33mpending ") << coloured;
    for (const std::string escape : {"\x1b[32m", "\x1b[33m", "\x1b[0m"}) {
        for (auto at = coloured.find(escape); at != std::string::npos; at = coloured.find(escape)) {
            coloured.erase(at, escape.size());
        }
    }
    EXPECT_EQ(coloured, plain);
}

TEST(RenderBackupsText, ASidecarsEscapeCodesArePrintedAsTextNeverSent) {
    DatabaseOptions db;
    db.database = "app.db";
    auto entry = backup_entry("app-20260102-030405.bak", "manual\x1b]0;owned\x07");
    entry.problems = std::vector<std::string>{"sha256 differs\x1b[2J"};
    const auto text = written([&](std::FILE* out) { print_backups_text(out, db, {entry}); });
    EXPECT_NOT_CONTAINS(text, '\x1b') << text;
    EXPECT_CONTAINS(text, "manual\\x1b]0;owned\\x07") << text;
    EXPECT_CONTAINS(text, "FAILED: sha256 differs\\x1b[2J") << text;
    EXPECT_CONTAINS(text, "2.0 KiB") << text;
}

TEST(RenderBackups, NoBackupsNameWhereTheyWereLookedFor) {
    DatabaseOptions db;
    db.database = "app.db";
    EXPECT_EQ(written([&](std::FILE* out) { print_backups_text(out, db, {}); }),
              "no backups of app.db in .\n");
    db.backup_dir = "/srv/backups";
    EXPECT_EQ(written([&](std::FILE* out) { print_backups_text(out, db, {}); }),
              "no backups of app.db in /srv/backups\n");
    const auto json = backups_to_json(db, {});
    EXPECT_EQ(json["database"], "app.db");
    EXPECT_TRUE(json["backups"].is_array() && json["backups"].empty()) << json.dump();
}

TEST(RenderPrune, ADryRunSaysWhatWouldBeRemovedAndFreed) {
    PruneReport report;
    report.removed.push_back(backup_entry("old.bak", "manual"));
    report.kept.push_back(backup_entry("new.bak", "manual"));
    report.bytes_freed = 2048;
    EXPECT_EQ(written([&](std::FILE* out) { print_prune_text(out, report, true); }),
              "would remove old.bak (2026-01-02T03:04:05Z, 2.0 KiB)\n"
              "would remove 1 backup(s), kept 1, would free 2.0 KiB\n");
    report.abandoned_removed = 2;
    EXPECT_EQ(written([&](std::FILE* out) { print_prune_text(out, report, false); }),
              "removed 2 file(s) left by an interrupted backup or prune\n"
              "removed old.bak (2026-01-02T03:04:05Z, 2.0 KiB)\n"
              "removed 1 backup(s), kept 1, freed 2.0 KiB\n");
    const auto json = prune_to_json(report, true);
    EXPECT_EQ(json.dump(), R"({"bytes_freed":2048,"dry_run":true,"kept":1,"removed":["old.bak"]})");
}

TEST(RenderJson, WhatDidNotHappenIsNullNotMissing) {
    RestoreReport restore;
    restore.backup = "app.bak";
    const auto restored = restore_to_json("app.db", restore);
    EXPECT_TRUE(restored.at("safety_snapshot").is_null()) << restored.dump();
    EXPECT_TRUE(restored.at("moved_aside").is_null()) << restored.dump();
    EXPECT_EQ(restored.at("orphans_moved_aside"), nlohmann::json::array());

    CheckReport check;
    check.database = "app.db";
    const auto checked = check_to_json(check);
    EXPECT_TRUE(checked.at("roundtrip").is_null()) << checked.dump();
    EXPECT_TRUE(checked.at("history_skipped").is_null()) << checked.dump();
    EXPECT_EQ(checked.at("history_checked"), true);
    check.roundtrip = RoundtripReport{};
    EXPECT_TRUE(check_to_json(check).at("roundtrip").at("on_copy_skipped").is_null());

    RunReport run;
    const auto ran = run_to_json(run, 0);
    EXPECT_TRUE(ran.at("error").is_null()) << ran.dump();
    EXPECT_TRUE(ran.at("snapshot").is_null()) << ran.dump();
    EXPECT_TRUE(ran.at("restore_command").is_null()) << ran.dump();
    run.error = Error{ErrorCode::step_failed, "boom"};
    EXPECT_EQ(run_to_json(run, 4).at("error").dump(), R"({"exit_code":4,"message":"boom"})");
}

// The library leaves version_after unset when it could not read it after the change; the CLI
// shows "?" there, in text and JSON alike.
TEST(RenderVersions, AVersionAfterTheLibraryCouldNotReadShowsAsAQuestionMark) {
    RunReport run;
    run.version_before = "0001";
    run.version_after.reset();
    run.error = Error{ErrorCode::step_failed, "boom"};
    EXPECT_CONTAINS(written([&](std::FILE* out) { print_run_text(out, run, false); }),
                    "Stopped at version ?.\n");
    EXPECT_EQ(run_to_json(run, 4).at("version_after"), "?");

    HistoryEditReport edit;
    edit.database = "app.db";
    edit.changes = {"marked 0002 applied"};
    edit.version_after.reset();
    EXPECT_CONTAINS(
        written([&](std::FILE* out) { print_history_edit_text(out, HistoryEdit::force, edit); }),
        "Now at version ? (was 0).");
    EXPECT_EQ(history_edit_to_json(HistoryEdit::force, edit).at("version_after"), "?");

    RestoreReport restore;
    restore.backup = "app.bak";
    restore.version_after.reset();
    EXPECT_CONTAINS(written([&](std::FILE* out) { print_restore_text(out, "app.db", restore); }),
                    "now at version ? (was 0)");
    EXPECT_EQ(restore_to_json("app.db", restore).at("version_after"), "?");
    restore.version_after = "0003";
    EXPECT_EQ(restore_to_json("app.db", restore).at("version_after"), "0003");
}

// The library leaves a restore's version_before unset when it could not tell it (an unreadable
// file, another tool's history table); the CLI shows "-" there, in text and JSON alike.
TEST(RenderVersions, AVersionBeforeARestoreTheLibraryCouldNotTellShowsAsADash) {
    RestoreReport restore;
    restore.backup = "app.bak";
    restore.version_before.reset();
    restore.version_after = "0003";
    EXPECT_EQ(written([&](std::FILE* out) { print_restore_text(out, "app.db", restore); }),
              "Restored app.db from app.bak: now at version 0003 (was -).\n");
    EXPECT_EQ(restore_to_json("app.db", restore).at("version_before"), "-");
    restore.version_before = "0002";
    EXPECT_EQ(restore_to_json("app.db", restore).at("version_before"), "0002");
}

TEST(RenderCheckText, ThePassingSummaryCountsBackupsOnlyWhenTheyWereChecked) {
    CheckReport report;
    report.database = "app.db";
    report.version = "0002";
    report.backups.push_back(backup_entry("a.bak", "manual"));
    EXPECT_EQ(written([&](std::FILE* out) { print_check_text(out, report, false); }),
              "app.db (version 0002): no problems found\n");
    EXPECT_EQ(written([&](std::FILE* out) { print_check_text(out, report, true); }),
              "app.db (version 0002): no problems found, 1 backup(s) intact\n");
    report.findings.push_back({"drift", "table t was added outside migrations"});
    EXPECT_EQ(written([&](std::FILE* out) { print_check_text(out, report, true); }),
              "drift        table t was added outside migrations\n1 problem(s) found in app.db\n");
}

TEST(RenderSchemaDump, TheDumpOrTheFileItWasWrittenTo) {
    DumpSchemaReport report;
    report.sql = "CREATE TABLE t (x);\n";
    EXPECT_EQ(written([&](std::FILE* out) { print_schema_dump_text(out, report, std::nullopt); }),
              "CREATE TABLE t (x);\n");
    EXPECT_EQ(written([&](std::FILE* out) { print_schema_dump_text(out, report, "schema.sql"); }),
              "schema.sql\n");
}

TEST(RenderSizes, HumanSizeChangesUnitAtEach1024) {
    EXPECT_EQ(human_size(0), "0 B");
    EXPECT_EQ(human_size(1023), "1023 B");
    EXPECT_EQ(human_size(1024), "1.0 KiB");
    EXPECT_EQ(human_size(1536 * 1024), "1.5 MiB");
}

TEST(RenderPrintable, ControlCharactersOfC0DelAndC1AreEscaped) {
    EXPECT_EQ(printable("a\x1b[2Jb\x7f"), "a\\x1b[2Jb\\x7f");
    EXPECT_EQ(printable("\xc2\x9b"
                        "31m"),
              "\\u009b31m");
    EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");
    // A byte that is no part of UTF-8 (a Latin-1 file's line quoted in a message) is escaped,
    // so the message stays valid UTF-8.
    EXPECT_EQ(printable("f\xe9lse \xff"), "f\\xe9lse \\xff");
    // A byte-order mark quoted from a file is shown, where a terminal shows nothing.
    EXPECT_EQ(printable("'\xEF\xBB\xBF"
                        "executeInTransaction=false'"),
              "'\\ufeffexecuteInTransaction=false'");
    // So is every other invisible character: a zero-width space, a no-break space, a direction
    // override (which could make a line read backwards).
    EXPECT_EQ(printable("transaction:\xE2\x80\x8B"
                        "false\xC2\xA0x\xE2\x80\xAEy"),
              "transaction:\\u200bfalse\\u00a0x\\u202ey");
    EXPECT_EQ(printable("\xE2\x80\x94 dash"), "\xE2\x80\x94 dash") << "visible: kept";
    EXPECT_EQ(printable("one\ntwo\t", false), "one\\x0atwo\\x09");
    EXPECT_EQ(printable("one\ntwo\t", true), "one\ntwo\t");
}

}  // namespace
}  // namespace belay::cli
