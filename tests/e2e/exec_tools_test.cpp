// `belay db exec` around the real migration tools, run as their users run them, each with its
// own project and migration files in the tool's own format: dbmate, Alembic, and the sqlite3
// shell reading a script with `.read`. scripts/setup installs all three. For each tool: two
// migrations that succeed; one that fails after one that succeeds, with and without
// --restore-on-failure; one that leaves a broken view and a foreign-key violation; one that
// hangs past --timeout; and dry runs of a set that succeeds and of one that fails. Last, a dry
// run whose tool migrates the database itself (dbmate reading .env) fails.
#include <sys/types.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>

#include "e2e/harness.hpp"

namespace belay::testing {
namespace {

// The application's database before any tool runs: its tables, a view and rows.
constexpr const char* k_application =
    "CREATE TABLE packages (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
    "CREATE TABLE releases (id INTEGER PRIMARY KEY, package_id INTEGER NOT NULL "
    "REFERENCES packages (id), version TEXT NOT NULL);"
    "CREATE TABLE downloads (release_id INTEGER NOT NULL, day TEXT NOT NULL, count INTEGER);"
    "CREATE VIEW download_totals AS SELECT release_id, sum(count) AS total FROM downloads "
    "GROUP BY release_id;"
    "INSERT INTO packages VALUES (1, 'left-pad'), (2, 'is-even');"
    "INSERT INTO releases VALUES (1, 1, '1.0.0'), (2, 2, '0.1.0');"
    "INSERT INTO downloads VALUES (1, '2024-01-01', 10), (2, '2024-01-01', 3);";

// One migration; each tool writes it in its own format.
struct Migration {
    std::string slug;             // "create_notes"
    std::vector<std::string> up;  // SQL statements, without their ';'
    std::vector<std::string> down;
};

const Migration k_create_notes{
    "create_notes",
    {"CREATE TABLE notes (id INTEGER PRIMARY KEY, package_id INTEGER REFERENCES packages (id), "
     "body TEXT NOT NULL)",
     "INSERT INTO notes (package_id, body) VALUES (1, 'first release')"},
    {"DROP TABLE notes"}};
const Migration k_add_license{
    "add_license",
    {"ALTER TABLE packages ADD COLUMN license TEXT NOT NULL DEFAULT 'MIT'",
     "CREATE INDEX notes_package ON notes (package_id)"},
    {"DROP INDEX notes_package", "ALTER TABLE packages DROP COLUMN license"}};
// The classic mistake: a NOT NULL column with no default, on a table that has rows.
const Migration k_add_license_without_default{
    "add_license",
    {"CREATE TABLE licenses (spdx TEXT PRIMARY KEY)",
     "ALTER TABLE packages ADD COLUMN license TEXT NOT NULL"},
    {"ALTER TABLE packages DROP COLUMN license", "DROP TABLE licenses"}};
// Drops a table a view still reads, and a package that still has a release (the tools leave
// foreign keys off, so both succeed).
const Migration k_drop_downloads_and_a_package{
    "drop_downloads",
    {"DROP TABLE downloads", "DELETE FROM packages WHERE id = 2"},
    {"CREATE TABLE downloads (release_id INTEGER NOT NULL, day TEXT NOT NULL, count INTEGER)"}};
// A backfill whose recursive CTE never ends (it counts forever, in constant memory).
const Migration k_runaway_backfill{
    "backfill_counts",
    {"CREATE TABLE counts (n INTEGER)",
     "INSERT INTO counts WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
     "SELECT count(*) FROM c"},
    {"DROP TABLE counts"}};

const std::vector<Migration> k_succeeding{k_create_notes, k_add_license};
const std::vector<Migration> k_failing_second{k_create_notes, k_add_license_without_default};

void write_text(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
}

std::string statements_with_semicolons(const std::vector<std::string>& statements) {
    std::string text;
    for (const auto& statement : statements) {
        text += statement + ";\n";
    }
    return text;
}

// A migration tool: how its files are written, how it is run, and what its history records.
struct Tool {
    std::string name;  // the test name's suffix
    // Each migration's version or revision, in order (as many as a test writes).
    std::vector<std::string> ids;
    // Writes the tool's project and `migrations` (in order) in `dir`.
    void (*write_project)(const fs::path& dir, const std::vector<std::string>& ids,
                          const std::vector<Migration>& migrations);
    std::vector<std::string> (*command)();
    std::string history_tool;  // its name in the report's tool_records; "" when it keeps none
    std::string history_table;
    bool keeps_one_version = false;  // records only the version it is at (Alembic)
};

// --- dbmate: db/migrations/<version>_<name>.sql with `-- migrate:up` and `-- migrate:down`.

void write_dbmate(const fs::path& dir, const std::vector<std::string>& ids,
                  const std::vector<Migration>& migrations) {
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        write_text(dir / "db/migrations" / (ids.at(i) + "_" + migrations[i].slug + ".sql"),
                   "-- migrate:up\n" + statements_with_semicolons(migrations[i].up) +
                       "\n-- migrate:down\n" + statements_with_semicolons(migrations[i].down));
    }
}

std::vector<std::string> dbmate_command() {
    return {"dbmate",           "--url", "sqlite:{db}", "--migrations-dir", "db/migrations",
            "--no-dump-schema", "up"};
}

// --- Alembic: alembic.ini and alembic/env.py as `alembic init` writes them (trimmed), env.py
// with docs/exec.md's lines that read BELAY_DB, and one revision per migration in
// alembic/versions, as `alembic revision` writes them.

constexpr const char* k_alembic_ini = R"([alembic]
script_location = alembic
prepend_sys_path = .
sqlalchemy.url = sqlite:///app.db

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
)";

constexpr const char* k_alembic_env = R"(from logging.config import fileConfig

from sqlalchemy import engine_from_config
from sqlalchemy import pool

from alembic import context

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name)

import os
if "BELAY_DB" in os.environ:
    url = "sqlite:///" + os.environ["BELAY_DB"]
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))

target_metadata = None


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )

    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)

        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
)";

std::string alembic_calls(const std::vector<std::string>& statements) {
    std::string text;
    for (const auto& statement : statements) {
        text += "    op.execute(\"\"\"" + statement + "\"\"\")\n";
    }
    return text;
}

std::string alembic_revision(const std::string& id, const std::string& previous,
                             const Migration& migration) {
    const auto quoted_previous = previous.empty() ? std::string("None") : "'" + previous + "'";
    return "\"\"\"" + migration.slug + "\n\nRevision ID: " + id + "\nRevises: " + previous +
           "\nCreate Date: 2024-01-01 00:00:00.000000\n\n\"\"\"\nfrom alembic import op\n"
           "import sqlalchemy as sa\n\n\n# revision identifiers, used by Alembic.\n"
           "revision = '" +
           id + "'\ndown_revision = " + quoted_previous +
           "\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade() -> None:\n" +
           alembic_calls(migration.up) + "\n\ndef downgrade() -> None:\n" +
           alembic_calls(migration.down);
}

void write_alembic(const fs::path& dir, const std::vector<std::string>& ids,
                   const std::vector<Migration>& migrations) {
    write_text(dir / "alembic.ini", k_alembic_ini);
    write_text(dir / "alembic/env.py", k_alembic_env);
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        write_text(dir / "alembic/versions" / (ids.at(i) + "_" + migrations[i].slug + ".py"),
                   alembic_revision(ids.at(i), i == 0 ? "" : ids.at(i - 1), migrations[i]));
    }
}

bool on_path(const std::string& program) {
    int status = -1;
    shell_output("command -v '" + program + "' >/dev/null", &status);
    return status == 0;
}

// The `alembic` script Debian's package installs; else the module, as pip users run it.
std::vector<std::string> alembic_command() {
    if (on_path("alembic")) {
        return {"alembic", "upgrade", "head"};
    }
    return {"python3", "-m", "alembic", "upgrade", "head"};
}

// --- The sqlite3 shell: one script per migration, each in a transaction, and upgrade.sql
// reading them in order; -bail stops at the first error.

void write_sqlite3(const fs::path& dir, const std::vector<std::string>& ids,
                   const std::vector<Migration>& migrations) {
    std::string upgrade;
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        const auto file = "migrations/" + ids.at(i) + "_" + migrations[i].slug + ".sql";
        write_text(dir / file,
                   "BEGIN;\n" + statements_with_semicolons(migrations[i].up) + "COMMIT;\n");
        upgrade += ".read " + file + "\n";
    }
    write_text(dir / "upgrade.sql", upgrade);
}

std::vector<std::string> sqlite3_command() {
    return {"sqlite3", "-bail", "{db}", ".read upgrade.sql"};
}

const Tool k_dbmate{.name = "dbmate",
                    .ids = {"20240101000000", "20240102000000"},
                    .write_project = write_dbmate,
                    .command = dbmate_command,
                    .history_tool = "dbmate",
                    .history_table = "schema_migrations"};
const Tool k_alembic{.name = "Alembic",
                     .ids = {"5d1f0c3a9b21", "a7c4e2b81f06"},
                     .write_project = write_alembic,
                     .command = alembic_command,
                     .history_tool = "Alembic",
                     .history_table = "alembic_version",
                     .keeps_one_version = true};
const Tool k_sqlite3{.name = "sqlite3",
                     .ids = {"001", "002"},
                     .write_project = write_sqlite3,
                     .command = sqlite3_command,
                     .history_tool = "",
                     .history_table = ""};

// The processes whose working directory is `dir`: the tool belay ran there, and any process it
// started (this test's own process works elsewhere).
std::vector<std::string> processes_working_in(const fs::path& dir) {
    const auto wanted = fs::canonical(dir);
    std::vector<std::string> found;
    std::error_code ec;
    for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
        const auto pid = it->path().filename().string();
        if (!std::ranges::all_of(pid, [](unsigned char c) { return std::isdigit(c); })) {
            continue;
        }
        std::error_code gone;
        if (fs::read_symlink(it->path() / "cwd", gone) == wanted && !gone) {
            auto name = read_file(it->path() / "comm");
            found.push_back(pid + " (" + name.substr(0, name.find('\n')) + ")");
        }
    }
    return found;
}

class ExecToolsTest : public E2eTest, public ::testing::WithParamInterface<const Tool*> {
  protected:
    void SetUp() override { TestDb(db()).exec(k_application); }

    const Tool& tool() const { return *GetParam(); }

    // Writes the tool's project with `migrations`, then runs, in the test's directory,
    // belay db exec --db app.db <options> -- <the tool's command>.
    RunResult exec(const std::vector<std::string>& options,
                   const std::vector<Migration>& migrations, RunOptions run = {}) const {
        tool().write_project(dir(), tool().ids, migrations);
        std::vector<std::string> args{"db", "exec", "--db", db().string()};
        args.insert(args.end(), options.begin(), options.end());
        args.push_back("--");
        const auto command = tool().command();
        args.insert(args.end(), command.begin(), command.end());
        return run_raw(args, std::move(run));
    }

    std::vector<std::string> snapshots() const { return names_ending_with(dir(), ".bak"); }

    // The versions the tool records once it has applied the first `applied` migrations: all of
    // them, or only the last for a tool that keeps the version it is at.
    std::vector<std::string> recorded(std::size_t applied) const {
        if (tool().keeps_one_version) {
            return {tool().ids.at(applied - 1)};
        }
        return {tool().ids.begin(), tool().ids.begin() + static_cast<std::ptrdiff_t>(applied)};
    }

    // The report's tool_records after the tool applied its first `applied` migrations.
    void expect_recorded(const nlohmann::json& report, std::size_t applied) const {
        if (tool().history_tool.empty()) {
            EXPECT_EQ(report["tool_records"], nlohmann::json::array()) << "it keeps no history";
            return;
        }
        ASSERT_EQ(report["tool_records"].size(), 1u) << report.dump(2);
        const auto& records = report["tool_records"][0];
        EXPECT_EQ(records["tool"], tool().history_tool);
        EXPECT_EQ(records["table"], tool().history_table);
        EXPECT_EQ(records["new_table"], true);
        EXPECT_EQ(records["added"].get<std::vector<std::string>>(), recorded(applied));
    }

    // The text report's history line after the tool applied its first `applied` migrations.
    std::string history_line(std::size_t applied) const {
        const auto versions = recorded(applied);
        std::string entries;
        for (const auto& version : versions) {
            entries += (entries.empty() ? "" : ", ") + version;
        }
        return "history    " + tool().history_tool + " (" + tool().history_table +
               "): created its table; " + (tool().keeps_one_version ? "now at " : "applied ") +
               entries + "\n";
    }

    // Runs what belay printed as `belay db restore ...` through the shell, as a user pastes it,
    // with --yes added.
    RunResult run_printed_restore(const std::string& err) const {
        std::smatch printed;
        const std::regex pattern("belay (db restore [^\n]*)");
        if (!std::regex_search(err, printed, pattern)) {
            ADD_FAILURE() << "no `belay db restore` command in:\n" << err;
            return {};
        }
        RunOptions shell;
        shell.program = "/bin/sh";
        return run_raw(
            {"-c", "exec '" + belay_binary().string() + "' " + printed[1].str() + " --yes"}, shell);
    }
};

TEST_P(ExecToolsTest, TwoMigrationsSucceedAndTheReportSaysWhatTheToolRecorded) {
    const auto before = database_contents(db());
    const auto result = exec({"--json"}, k_succeeding);
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    TestDb after(db(), true);
    EXPECT_EQ(after.column("SELECT body FROM notes"), std::vector<std::string>{"first release"});
    EXPECT_EQ(after.column("SELECT license FROM packages ORDER BY id"),
              (std::vector<std::string>{"MIT", "MIT"}));
    EXPECT_TRUE(after.has_object("notes_package"));
    const auto report = result.json();
    expect_recorded(report, 2);
    const auto changes = report["schema_changes"].dump();
    EXPECT_CONTAINS(changes, R"({"change":"added","name":"notes","type":"table"})");
    EXPECT_CONTAINS(changes, R"({"change":"changed","name":"packages","type":"table"})");
    EXPECT_CONTAINS(changes, R"({"change":"added","name":"notes_package","type":"index"})");
    // The snapshot beside the database holds the state before.
    const auto taken = snapshots();
    ASSERT_EQ(taken.size(), 1u) << ::testing::PrintToString(list_dir(dir()));
    EXPECT_TRUE(std::regex_match(taken.front(), std::regex(R"(app-\d{8}-\d{6}\.bak)")))
        << taken.front();
    EXPECT_EQ(report["snapshot"], (dir() / taken.front()).string());
    EXPECT_EQ(database_contents(dir() / taken.front()), before);
}

TEST_P(ExecToolsTest, AFailingMigrationLeavesTheFirstsWorkAndThePrintedRestoreUndoesIt) {
    const auto before = database_contents(db());
    const auto result = exec({}, k_failing_second);
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    {
        TestDb after(db(), true);
        EXPECT_EQ(after.column("SELECT body FROM notes"),
                  std::vector<std::string>{"first release"});
        EXPECT_EQ(after.columns("packages"), (std::vector<std::string>{"id", "name"}));
    }
    if (!tool().history_tool.empty()) {
        EXPECT_CONTAINS(result.out, history_line(1));
    }
    EXPECT_CONTAINS(result.err, "the command exited with status ");  // dbmate's is 2
    EXPECT_CONTAINS(result.err, "the database is as the command left it");
    const auto restored = run_printed_restore(result.err);
    ASSERT_EQ(restored.exit_code, 0) << describe(restored);
    EXPECT_EQ(database_contents(db()), before);
}

TEST_P(ExecToolsTest, AFailingMigrationWithRestoreOnFailureIsUndone) {
    const auto before = database_contents(db());
    const auto result = exec({"--restore-on-failure", "--json"}, k_failing_second);
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_EQ(database_contents(db()), before);
    const auto report = result.json();
    ASSERT_TRUE(report["restored"].is_object()) << result.out;
    EXPECT_EQ(report["restored"]["backup"], report["snapshot"]);
    ASSERT_TRUE(report["command"]["exit_status"].is_number()) << result.out;
    EXPECT_NE(report["command"]["exit_status"], 0);
    EXPECT_CONTAINS(report["error"]["message"].get<std::string>(), "was put back");
}

TEST_P(ExecToolsTest, AMigrationLeavingABrokenViewAndAForeignKeyViolationFailsTheChecks) {
    const auto result = exec({"--json"}, {k_create_notes, k_drop_downloads_and_a_package});
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    const auto report = result.json();
    EXPECT_EQ(report["command"]["exit_status"], 0) << "the tool itself succeeded";
    const auto errors = report["validation_errors"].get<std::vector<std::string>>();
    ASSERT_EQ(errors.size(), 2u) << report["validation_errors"].dump(2);
    const auto names = [&](const std::string& object) {
        return std::ranges::any_of(
            errors, [&](const std::string& error) { return error.contains(object); });
    };
    EXPECT_TRUE(names("download_totals")) << report["validation_errors"].dump(2);
    EXPECT_TRUE(names("releases")) << report["validation_errors"].dump(2);
    EXPECT_CONTAINS(report["error"]["message"].get<std::string>(), "fail validation");
}

TEST_P(ExecToolsTest, AMigrationThatHangsIsEndedAtTheTimeoutWithNothingLeftRunning) {
    const auto before = database_contents(db());
    const auto result = exec({"--timeout", "2", "--restore-on-failure", "--json"},
                             {k_create_notes, k_runaway_backfill});
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    const auto report = result.json();
    EXPECT_EQ(report["command"]["timed_out"], true);
    EXPECT_EQ(report["command"]["left_processes"], false);
    EXPECT_EQ(processes_working_in(dir()), std::vector<std::string>{});
    EXPECT_TRUE(report["restored"].is_object()) << result.out;
    EXPECT_EQ(database_contents(db()), before);
}

TEST_P(ExecToolsTest, ADryRunRunsTheToolOnACopyAndLeavesTheDatabaseByteIdentical) {
    const auto before = sha256_of(db());
    const auto scratch = dir() / "tmp";
    fs::create_directory(scratch);
    const auto result =
        exec({"--dry-run", "--json"}, k_succeeding, with_env({{"TMPDIR", scratch.string()}}));
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    const auto report = result.json();
    EXPECT_EQ(report["dry_run"], true);
    expect_recorded(report, 2);
    EXPECT_CONTAINS(report["schema_changes"].dump(), R"("name":"notes")");
    EXPECT_EQ(sha256_of(db()), before);
    EXPECT_EQ(snapshots(), std::vector<std::string>{});
    EXPECT_EQ(list_dir(scratch), std::vector<std::string>{});
}

TEST_P(ExecToolsTest, AFailingDryRunSaysSoAndLeavesTheDatabaseByteIdentical) {
    const auto before = sha256_of(db());
    const auto scratch = dir() / "tmp";
    fs::create_directory(scratch);
    const auto result =
        exec({"--dry-run"}, k_failing_second, with_env({{"TMPDIR", scratch.string()}}));
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_CONTAINS(result.err, "this was a dry run on a copy");
    EXPECT_EQ(sha256_of(db()), before);
    EXPECT_EQ(snapshots(), std::vector<std::string>{});
    EXPECT_EQ(list_dir(scratch), std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(Tools, ExecToolsTest, ::testing::Values(&k_dbmate, &k_alembic, &k_sqlite3),
                         [](const ::testing::TestParamInfo<const Tool*>& case_info) {
                             return case_info.param->name;
                         });

// A dry run whose command does not get the copy's path: dbmate without --url migrates the
// database that .env's DATABASE_URL names, the database itself. belay said "the database is
// unchanged" and exited 0; it now sees the change and fails the run.
TEST_F(E2eTest, ExecDryRunOfAToolThatMigratesTheDatabaseItselfFails) {
    TestDb(db()).exec(k_application);
    write_dbmate(dir(), k_dbmate.ids, k_succeeding);
    write_file(".env", "DATABASE_URL=sqlite:app.db\n");
    const auto result = run_raw({"db", "exec", "--db", db().string(), "--dry-run", "--", "dbmate",
                                 "--migrations-dir", "db/migrations", "--no-dump-schema", "up"});
    ASSERT_EQ(result.exit_code, 1) << describe(result);
    EXPECT_TRUE(TestDb(db(), true).has_object("notes")) << "dbmate migrated app.db itself";
    EXPECT_CONTAINS(result.out,
                    "(dry run, but the command wrote to the database itself: it CHANGED)");
    EXPECT_NOT_CONTAINS(result.out, "the database is unchanged");
    EXPECT_CONTAINS(result.err, "the command wrote to " + db().string() +
                                    " itself, although this was a dry run");
    EXPECT_EQ(names_ending_with(dir(), ".bak"), std::vector<std::string>{});
}

// What the check above must not mistake for a change: another connection reading a WAL
// database during the dry run (it keeps a -wal and a -shm beside it).
TEST_F(E2eTest, ExecDryRunWhileAnotherConnectionReadsAWalDatabaseSucceeds) {
    TestDb(db()).exec(std::string("PRAGMA journal_mode = WAL;") + k_application);
    TestDb reader(db(), true);
    ASSERT_EQ(reader.count("packages"), 2);
    write_sqlite3(dir(), k_sqlite3.ids, k_succeeding);
    const auto before = sha256_of(db());
    const auto command = sqlite3_command();
    std::vector<std::string> args{"db", "exec", "--db", db().string(), "--dry-run", "--json", "--"};
    args.insert(args.end(), command.begin(), command.end());
    const auto result = run_raw(args);
    ASSERT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_EQ(result.json()["database_changed"], false);
    EXPECT_EQ(sha256_of(db()), before);
}

}  // namespace
}  // namespace belay::testing
