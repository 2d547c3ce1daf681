// The JSON document of each command's report (render.hpp). Keys are those of the documented
// output (docs/); a field that does not apply is null rather than missing.
#include "render.hpp"
#include "words.hpp"

namespace belay::cli {

namespace {

nlohmann::json optional_number(const std::optional<std::int64_t>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json optional_text(const std::optional<std::string>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// Null for an empty string: "none" rather than "".
nlohmann::json text_or_null(const std::string& value) {
    return value.empty() ? nlohmann::json(nullptr) : nlohmann::json(value);
}

std::vector<std::string> all_words(const std::vector<Message>& messages) {
    std::vector<std::string> all;
    for (const auto& message : messages) {
        all.push_back(words(message));
    }
    return all;
}

nlohmann::json optional_path(const std::optional<std::filesystem::path>& value) {
    return value ? nlohmann::json(value->string()) : nlohmann::json(nullptr);
}

nlohmann::json paths_to_json(const std::vector<std::filesystem::path>& paths) {
    auto json = nlohmann::json::array();
    for (const auto& path : paths) {
        json.push_back(path.string());
    }
    return json;
}

nlohmann::json entry_to_json(const PlanEntry& entry) {
    nlohmann::json json{
        {"version", entry.applied ? entry.applied->version : entry.version.text()},
        {"name", entry.name},
        {"status", to_string(entry.status)},
        {"out_of_order", entry.out_of_order},
        {"file", nullptr},
        {"checksum", nullptr},
        {"applied_at", nullptr},
        {"execution_ms", nullptr},
        {"last_failure", nullptr},
    };
    if (entry.migration) {
        json["file"] = entry.migration->path.string();
        json["checksum"] = entry.migration->checksum;
    }
    if (entry.applied) {
        json["applied_at"] = entry.applied->applied_at;
        json["execution_ms"] = entry.applied->execution_ms;
        json["applied_checksum"] = entry.applied->checksum;
    }
    if (entry.last_failure) {
        json["last_failure"] = {{"failed_at", entry.last_failure->failed_at},
                                {"error", entry.last_failure->error}};
    }
    return json;
}

nlohmann::json repeatable_to_json(const RepeatableEntry& entry) {
    return {
        {"name", entry.migration->name},
        {"status", to_string(entry.status)},
        {"file", entry.migration->path.string()},
        {"checksum", entry.migration->checksum},
        {"applied_at", entry.applied ? nlohmann::json(entry.applied->applied_at) : nullptr},
        {"applied_checksum", entry.applied ? nlohmann::json(entry.applied->checksum) : nullptr},
    };
}

}  // namespace

nlohmann::json status_to_json(const StatusReport& report) {
    auto migrations = nlohmann::json::array();
    for (const auto& entry : report.plan.entries) {
        migrations.push_back(entry_to_json(entry));
    }
    nlohmann::json document{
        {"database", report.database},
        {"exists", report.state.exists},
        {"size_bytes", report.state.size_bytes},
        {"current_version", report.plan.current_version},
        {"pending", report.plan.pending().size()},
        {"needs_attention", report.needs_attention()},
        {"migrations", migrations},
    };
    // Only a directory with repeatable migrations (Flyway's R__ files) has the key.
    if (!report.repeatables.empty()) {
        auto repeatables = nlohmann::json::array();
        for (const auto& entry : report.repeatables) {
            repeatables.push_back(repeatable_to_json(entry));
        }
        document["repeatables"] = std::move(repeatables);
    }
    return document;
}

nlohmann::json run_to_json(const RunReport& report, int exit_code) {
    auto steps = nlohmann::json::array();
    for (const auto& step : report.steps) {
        steps.push_back({
            // null for a repeatable migration, as Flyway records one
            {"version", step.repeatable ? nlohmann::json(nullptr) : nlohmann::json(step.version)},
            {"name", step.name},
            {"direction", step.direction == Direction::up ? "up" : "down"},
            {"result", to_string(step.result)},
            {"duration_ms", step.duration_ms},
            {"no_transaction", step.no_transaction},
            {"error", text_or_null(words(step.error))},
            {"warnings", step.warnings},
        });
    }
    nlohmann::json error = nullptr;
    if (report.error) {
        error = {{"exit_code", exit_code}, {"message", words(*report.error)}};
    }
    return {
        {"database", report.database},
        {"operation", to_string(report.operation)},
        {"dry_run", report.dry_run},
        {"created_database", report.created_database},
        {"version_before", report.version_before},
        {"version_after", shown_version(report.version_after)},
        {"steps", steps},
        {"notes", all_words(report.notes)},
        {"pruned", report.pruned},
        {"snapshot", optional_text(report.snapshot)},
        {"restore_command", report.undo ? nlohmann::json(words(*report.undo)) : nullptr},
        {"snapshot_ms", optional_number(report.snapshot_ms)},
        {"final_check_ms", optional_number(report.final_check_ms)},
        {"error", error},
    };
}

nlohmann::json version_to_json(const std::string& version) {
    return {{"version", version}};
}

nlohmann::json history_edit_to_json(HistoryEdit edit, const HistoryEditReport& report) {
    return {
        {"database", report.database},
        {"operation", to_string(edit)},
        {"version_before", report.version_before},
        {"version_after", shown_version(report.version_after)},
        {"changes", all_words(report.changes)},
        {"notes", all_words(report.notes)},
        {"snapshot", optional_text(report.snapshot)},
        {"restore_command", report.undo ? nlohmann::json(words(*report.undo)) : nullptr},
    };
}

namespace {

nlohmann::json metadata_to_json(const BackupMetadata& m) {
    return {{"source", m.source},
            {"created_at", m.created_at},
            {"sequence", m.sequence},
            {"reason", m.reason},
            {"schema_version", m.schema_version},
            {"sha256", m.sha256},
            {"size_bytes", m.size_bytes},
            {"verified_at_creation", m.verified}};
}

}  // namespace

nlohmann::json backup_to_json(const Snapshot& snapshot) {
    return {{"path", snapshot.path.string()}, {"metadata", metadata_to_json(snapshot.metadata)}};
}

nlohmann::json backups_to_json(const DatabaseOptions& db, const std::vector<BackupEntry>& entries) {
    auto list = nlohmann::json::array();
    for (const auto& entry : entries) {
        list.push_back({{"path", entry.path.string()},
                        {"metadata", metadata_to_json(entry.metadata)},
                        {"intact", entry.problems->empty()},
                        {"problems", *entry.problems}});
    }
    return {{"database", db.database.string()}, {"backups", list}};
}

nlohmann::json prune_to_json(const PruneReport& report, bool dry_run) {
    auto removed = nlohmann::json::array();
    for (const auto& entry : report.removed) {
        removed.push_back(entry.path.string());
    }
    return {{"dry_run", dry_run},
            {"removed", removed},
            {"kept", report.kept.size()},
            {"bytes_freed", report.bytes_freed}};
}

nlohmann::json restore_to_json(const std::filesystem::path& database, const RestoreReport& report) {
    return {
        {"database", database.string()},
        {"backup", report.backup.string()},
        {"version_before", shown_version_before(report.version_before)},
        {"version_after", shown_version(report.version_after)},
        {"safety_snapshot", optional_path(report.safety_snapshot)},
        {"moved_aside", optional_path(report.moved_aside)},
        {"page_size_converted", report.converted_page_size},
        {"timings",
         {{"verify_backup_ms", report.timings.verify_backup_ms},
          {"check_current_ms", report.timings.check_current_ms},
          {"safety_snapshot_ms", report.timings.safety_snapshot_ms},
          {"copy_ms", report.timings.copy_ms}}},
        {"orphans_moved_aside", paths_to_json(report.orphans_moved_aside)},
    };
}

namespace {

nlohmann::json roundtrip_results_to_json(const std::vector<RoundtripResult>& results) {
    auto json = nlohmann::json::array();
    for (const auto& result : results) {
        json.push_back({{"version", result.version},
                        {"name", result.name},
                        {"outcome", result.outcome},
                        {"problems", result.problems}});
    }
    return json;
}

nlohmann::json roundtrip_to_json(const std::optional<RoundtripReport>& roundtrip) {
    if (!roundtrip) {
        return nullptr;
    }
    return {{"complete", roundtrip->complete},
            {"migrations", roundtrip_results_to_json(roundtrip->migrations)},
            {"on_copy", roundtrip_results_to_json(roundtrip->on_copy)},
            {"on_copy_skipped", text_or_null(words(roundtrip->on_copy_skipped))}};
}

}  // namespace

nlohmann::json check_to_json(const CheckReport& report) {
    auto findings = nlohmann::json::array();
    for (const auto& finding : report.findings) {
        findings.push_back({{"area", finding.area}, {"message", finding.message}});
    }
    auto others = nlohmann::json::array();
    for (const auto& other : report.other_histories) {
        others.push_back(
            {{"tool", other.tool}, {"table", other.table}, {"adoptable", other.adoptable}});
    }
    return {{"database", report.database},
            {"version", report.version},
            {"ok", report.findings.empty()},
            {"backups_checked", report.backups.size()},
            {"findings", findings},
            {"roundtrip", roundtrip_to_json(report.roundtrip)},
            {"other_histories", others},
            {"history_checked", report.history_skipped.empty()},
            {"history_skipped", text_or_null(report.history_skipped)}};
}

nlohmann::json lint_to_json(const LintReport& report, const std::filesystem::path& migrations_dir) {
    auto warnings = nlohmann::json::array();
    for (const auto& warning : report.warnings) {
        warnings.push_back({{"rule", warning.rule},
                            {"file", warning.file.string()},
                            {"line", warning.line},
                            {"message", words(warning.message)}});
    }
    return {
        {"migrations", migrations_dir.string()}, {"warnings", warnings}, {"notes", report.notes}};
}

nlohmann::json schema_dump_to_json(const DumpSchemaReport& report,
                                   const std::optional<std::filesystem::path>& written_to) {
    return {{"sql", written_to ? nlohmann::json(nullptr) : nlohmann::json(report.sql)},
            {"out", written_to ? nlohmann::json(written_to->string()) : nlohmann::json(nullptr)},
            {"notes", report.notes}};
}

nlohmann::json schema_check_to_json(const std::filesystem::path& file,
                                    const DumpSchemaReport& report) {
    return {{"file", file.string()},
            {"up_to_date", report.differences.empty()},
            {"differences", report.differences}};
}

nlohmann::json created_to_json(const std::vector<std::filesystem::path>& files) {
    return {{"path", files.front().string()}, {"files", paths_to_json(files)}};
}

}  // namespace belay::cli
