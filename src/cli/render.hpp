// Every command's report as the CLI shows it: a text for people, one JSON document for programs.
// The command files read options, call the library and pick one of these; the words are here.
//
// Text renderers write to `out` (stdout in the program) and are told whether to colour, rather
// than asking the terminal, so that a test can call them on any stream; JSON renderers return
// the document, and print_json writes it. Neither changes anything but `out`.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "belay/backup.hpp"
#include "belay/check.hpp"
#include "belay/dump_schema.hpp"
#include "belay/exec.hpp"
#include "belay/history_edit.hpp"
#include "belay/lint.hpp"
#include "belay/restore.hpp"
#include "belay/run_report.hpp"
#include "belay/status.hpp"

namespace belay::cli {

// `document` indented by two spaces, then a newline: how every JSON result is printed.
void print_json(std::FILE* out, const nlohmann::json& document);

// `text` safe to print on a terminal: every control character (C0, DEL, and C1 as UTF-8) is
// written as an escape (`\x1b`, `\u009b`), so that text from a file belay reads (a sidecar's
// reason, say) cannot move the cursor, retitle the window or forge a line; and every byte that is
// no part of well-formed UTF-8 as `\xNN` (escape_invalid_utf8), so the text stays UTF-8; and
// each character a terminal shows as nothing or a blank (invisible_character_at: a byte-order
// mark, a zero-width space, a direction override) as `\uNNNN`. With
// `keep_line_breaks`, newlines and tabs stay (for messages belay writes on several lines).
std::string printable(std::string_view text, bool keep_line_breaks = false);

// "12.3 KiB", "4.0 MiB": sizes for people.
std::string human_size(std::uintmax_t bytes);

// A report's version after a change, or "?" when the library could not read it then (the
// change stands): how text and JSON show an unknown version.
inline std::string shown_version(const std::optional<std::string>& version) {
    return version.value_or("?");
}

// A restore's version before, or "-" when the library could not tell it (an unreadable file,
// another tool's history table): how text and JSON show it.
inline std::string shown_version_before(const std::optional<std::string>& version) {
    return version.value_or("-");
}

// How a step is named: "0007_add_x", or "R__views" for a repeatable migration.
inline std::string step_label(const StepReport& step) {
    return step.repeatable ? "R__" + step.name : step.version + "_" + step.name;
}

// db status: the table of migrations, and its summary line.
void print_status_text(std::FILE* out, const StatusReport& report, bool colors);
nlohmann::json status_to_json(const StatusReport& report);

// db version: the current version alone.
void print_version_text(std::FILE* out, const std::string& version);
nlohmann::json version_to_json(const std::string& version);

// db migrate, down, redo, reset, refresh: the steps run (the error itself goes to stderr,
// apart; the JSON document carries it, with the exit code).
void print_run_text(std::FILE* out, const RunReport& report, bool colors);
nlohmann::json run_to_json(const RunReport& report, int exit_code);

// db adopt, baseline, repair, force.
void print_history_edit_text(std::FILE* out, HistoryEdit edit, const HistoryEditReport& report);
nlohmann::json history_edit_to_json(HistoryEdit edit, const HistoryEditReport& report);

// db backup: the new backup's path (text), with its sidecar's fields (JSON).
void print_backup_text(std::FILE* out, const Snapshot& snapshot);
nlohmann::json backup_to_json(const Snapshot& snapshot);

// db backups: `db`'s backups, each verified. The sidecars' fields are what their files say:
// the text escapes them (see printable).
void print_backups_text(std::FILE* out, const DatabaseOptions& db,
                        const std::vector<BackupEntry>& entries);
nlohmann::json backups_to_json(const DatabaseOptions& db, const std::vector<BackupEntry>& entries);

// db prune: what was removed (with `dry_run`, what would be) and what was kept.
void print_prune_text(std::FILE* out, const PruneReport& report, bool dry_run);
nlohmann::json prune_to_json(const PruneReport& report, bool dry_run);

// db restore: what `database` was restored from, and what was kept aside.
void print_restore_text(std::FILE* out, const std::filesystem::path& database,
                        const RestoreReport& report);
nlohmann::json restore_to_json(const std::filesystem::path& database, const RestoreReport& report);

// db check: the findings (with `backups_checked`, the summary counts the intact backups).
void print_check_text(std::FILE* out, const CheckReport& report, bool backups_checked);
nlohmann::json check_to_json(const CheckReport& report);

// db lint: the warnings about the files in `migrations_dir`.
void print_lint_text(std::FILE* out, const LintReport& report,
                     const std::filesystem::path& migrations_dir);
nlohmann::json lint_to_json(const LintReport& report, const std::filesystem::path& migrations_dir);

// db dump-schema: the dump itself, or with `written_to` (--out) the file it was written to;
// the JSON document holds both (`sql`, `out`: null for the one that does not apply) and the
// notes.
void print_schema_dump_text(std::FILE* out, const DumpSchemaReport& report,
                            const std::optional<std::filesystem::path>& written_to);
nlohmann::json schema_dump_to_json(const DumpSchemaReport& report,
                                   const std::optional<std::filesystem::path>& written_to);

// db dump-schema --check FILE: how `file` differs from the migrations.
void print_schema_check_text(std::FILE* out, const std::filesystem::path& file,
                             const DumpSchemaReport& report);
nlohmann::json schema_check_to_json(const std::filesystem::path& file,
                                    const DumpSchemaReport& report);

// db exec: the command, how it ended, what it changed, the checks, and a restore if one was
// made (the error itself goes to stderr, apart; the JSON document carries it).
void print_exec_text(std::FILE* out, const ExecReport& report, bool colors);
nlohmann::json exec_to_json(const ExecReport& report, int exit_code);

// db create: the files written, the migration's first.
void print_created_text(std::FILE* out, const std::vector<std::filesystem::path>& files);
nlohmann::json created_to_json(const std::vector<std::filesystem::path>& files);

}  // namespace belay::cli
