#include "engine/dump_schema.hpp"

#include <algorithm>
#include <iterator>
#include <set>

#include <fmt/format.h>

#include "core/durable_file.hpp"
#include "core/migration_files.hpp"
#include "core/plan.hpp"
#include "engine/database_state.hpp"
#include "engine/migration_set.hpp"
#include "engine/scratch_run.hpp"
#include "sqlite/database.hpp"
#include "sqlite/schema_dump.hpp"

namespace belay::engine {

namespace {

// Every Up, in order, then every repeatable migration, on a scratch database; its dump.
Result<std::string> dump_of_migrations(const MigrateOptions& options) {
    auto set = load_migration_set(options.db);
    auto scratch = set ? ScratchRun::create("belay-dump-check", options)
                       : Result<ScratchRun>(std::unexpected(set.error()));
    BELAY_TRY(scratch);
    for (const auto& migration : set->migrations) {
        auto outcome = scratch->apply(migration, Direction::up);
        if (outcome.error) {
            return fail(ErrorCode::invalid_input,
                        "cannot build the schema from the migrations: {}_{} fails on a scratch "
                        "database: {}",
                        migration.version.text(), migration.name, outcome.error->message);
        }
    }
    // After the newest version, as a run that applies it ends with them.
    for (const auto& repeatable : set->repeatables) {
        auto outcome = scratch->apply(repeatable);
        if (outcome.error) {
            return fail(ErrorCode::invalid_input,
                        "cannot build the schema from the migrations: R__{} fails on a scratch "
                        "database: {}",
                        repeatable.name, outcome.error->message);
        }
    }
    const auto newest =
        set->migrations.empty() ? std::string("0") : set->migrations.back().version.text();
    return sqlite::dump_schema(scratch->db(), options.db.history_table, "belay", newest);
}

// A line as a difference shows it: a blank one is named.
std::string shown(const std::string& line) {
    return line.empty() ? "(a blank line)" : line;
}

// What `want` (the migrations' dump) has that `have` (the file) lacks, and the other way round:
// lines as multisets (a dump's order is fixed by names, not worth a diff of its own), history
// rows by version.
void add_differences(sqlite::DumpParts have, sqlite::DumpParts want,
                     std::vector<std::string>& differences) {
    const auto compare = [&](std::vector<std::string> a, std::vector<std::string> b,
                             std::string_view what) {
        std::ranges::sort(a);
        std::ranges::sort(b);
        std::vector<std::string> missing;
        std::vector<std::string> extra;
        std::ranges::set_difference(b, a, std::back_inserter(missing));
        std::ranges::set_difference(a, b, std::back_inserter(extra));
        for (const auto& line : missing) {
            differences.push_back(fmt::format("missing {}: {}", what, shown(line)));
        }
        for (const auto& line : extra) {
            differences.push_back(fmt::format("extra {}: {}", what, shown(line)));
        }
    };
    compare(std::move(have.schema), std::move(want.schema), "schema line");
    for (const auto& [version, line] : want.history) {
        const auto there = have.history.find(version);
        if (there == have.history.end()) {
            differences.push_back(fmt::format("missing history version: {}", version));
        } else if (there->second != line) {
            differences.push_back(fmt::format("changed history row: {} (the migrations give: {})",
                                              there->second, line));
        }
    }
    for (const auto& [version, line] : have.history) {
        if (!want.history.contains(version)) {
            differences.push_back(fmt::format("extra history version: {}", version));
        }
    }
    compare(std::move(have.other), std::move(want.other), "line");
}

Result<DumpSchemaReport> check_dump(const DumpSchemaOptions& options) {
    std::error_code ec;
    if (!std::filesystem::exists(*options.check, ec) && !ec) {
        std::vector<Argument> write;
        if (!options.run.db.database.empty()) {
            write.push_back(argument(Option::database, options.run.db.database.string()));
        }
        write.push_back(argument(Option::out, options.check->string()));
        return fail(ErrorCode::invalid_input,
                    "{} does not exist, so there is no schema file to check; write it with `{}` "
                    "(and commit it), or check the path",
                    options.check->string(), run(Command::dump_schema, std::move(write)));
    }
    auto file = read_whole_file(*options.check);
    BELAY_TRY(file);
    auto expected = dump_of_migrations(options.run);
    BELAY_TRY(expected);
    const auto& table = options.run.db.history_table;
    DumpSchemaReport report;
    // A checkout that turned LF into CRLF: the lines are compared without the CRs, and that the
    // file has them is a difference of its own (loading it puts CRs into multi-line text).
    if (file->find("\r\n") != std::string::npos) {
        report.differences.emplace_back(
            "the file has CRLF line endings, belay writes LF (a checkout with git's autocrlf?)");
        std::string lf;
        for (std::size_t i = 0; i < file->size(); ++i) {
            if ((*file)[i] != '\r' || i + 1 == file->size() || (*file)[i + 1] != '\n') {
                lf += (*file)[i];
            }
        }
        *file = std::move(lf);
    }
    add_differences(sqlite::split_dump(*file, table), sqlite::split_dump(*expected, table),
                    report.differences);
    return report;
}

}  // namespace

Result<DumpSchemaReport> run_dump_schema(const DumpSchemaOptions& options) {
    if (options.check) {
        return check_dump(options);
    }
    const auto& db_options = options.run.db;
    auto state = read_database_state(db_options);
    BELAY_TRY(state);
    if (!state->exists) {
        return fail(db_options.database, ErrorCode::invalid_input,
                    "database {} does not exist; nothing to dump", db_options.database.string());
    }
    auto db = sqlite::Database::open(db_options.database, sqlite::OpenMode::read_only,
                                     db_options.lock_timeout);
    auto set =
        db ? load_migration_set(db_options) : Result<MigrationSet>(std::unexpected(db.error()));
    // The version as the history says; the files are only needed to spell it.
    const auto version = set ? build_plan(set->migrations, state->history).current_version
                             : build_plan(std::vector<Migration>{}, state->history).current_version;
    BELAY_TRY(db);
    auto sql = sqlite::dump_schema(*db, db_options.history_table, options.written_by, version);
    BELAY_TRY(sql);
    DumpSchemaReport report;
    if (options.out) {
        auto ownership = FileOwnership{};
        BELAY_TRY(write_new_file_durably(*options.out, *sql, ownership, ExistingFile::replace));
        report.notes.push_back(fmt::format("wrote {}", options.out->string()));
    } else {
        report.sql = std::move(*sql);
    }
    return report;
}

}  // namespace belay::engine
