#include <nlohmann/json.hpp>

#include "render.hpp"

namespace belay::cli {

namespace {

nlohmann::json optional_number(const std::optional<std::int64_t>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
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

}  // namespace

nlohmann::json status_to_json(const StatusReport& report) {
    auto migrations = nlohmann::json::array();
    for (const auto& entry : report.plan.entries) {
        migrations.push_back(entry_to_json(entry));
    }
    return {
        {"database", report.database},
        {"exists", report.state.exists},
        {"size_bytes", report.state.size_bytes},
        {"current_version", report.plan.current_version},
        {"pending", report.plan.pending().size()},
        {"needs_attention", report.needs_attention()},
        {"migrations", migrations},
    };
}

nlohmann::json run_to_json(const RunReport& report, int exit_code) {
    auto steps = nlohmann::json::array();
    for (const auto& step : report.steps) {
        steps.push_back({
            {"version", step.version},
            {"name", step.name},
            {"direction", step.direction == Direction::up ? "up" : "down"},
            {"result", to_string(step.result)},
            {"duration_ms", step.duration_ms},
            {"no_transaction", step.no_transaction},
            {"error", step.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(step.error)},
            {"warnings", step.warnings},
        });
    }
    nlohmann::json error = nullptr;
    if (report.error) {
        error = {{"exit_code", exit_code}, {"message", report.error->message}};
    }
    return {
        {"database", report.database},
        {"operation", to_string(report.operation)},
        {"dry_run", report.dry_run},
        {"created_database", report.created_database},
        {"version_before", report.version_before},
        {"version_after", report.version_after},
        {"steps", steps},
        {"notes", report.notes},
        {"pruned", report.pruned},
        {"snapshot", report.snapshot ? nlohmann::json(*report.snapshot) : nlohmann::json(nullptr)},
        {"restore_command", report.restore_command.empty()
                                ? nlohmann::json(nullptr)
                                : nlohmann::json(report.restore_command)},
        {"snapshot_ms", optional_number(report.snapshot_ms)},
        {"final_check_ms", optional_number(report.final_check_ms)},
        {"error", error},
    };
}

}  // namespace belay::cli
