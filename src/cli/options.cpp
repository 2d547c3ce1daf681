#include "options.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <set>
#include <string_view>

#include "belay/utf8.hpp"
#include "config_file.hpp"
#include "render.hpp"

namespace belay::cli {

po::options_description common_options_description() {
    po::options_description common("Common options");
    auto add = common.add_options();
    add("db", po::value<std::string>()->value_name("PATH"), "the SQLite database file");
    add("migrations", po::value<std::string>()->value_name("DIR")->default_value("migrations"),
        "directory of migration files");
    add("backup-dir", po::value<std::string>()->value_name("DIR"),
        "where backups go (default: the database's directory)");
    add("table", po::value<std::string>()->value_name("NAME")->default_value("schema_migrations"),
        "name of the history table");
    add("format", po::value<std::string>()->value_name("LAYOUT")->default_value("auto"),
        "migration layout: auto, sql-migrate, goose, dbmate, golang-migrate, pop, diesel, sqlx, "
        "prisma, drizzle or flyway");
    add("config", po::value<std::string>()->value_name("FILE"),
        "INI file of options (default: ./belay.ini if present)");
    add("lock-timeout", po::value<std::string>()->value_name("SECONDS")->default_value("5"),
        "how long to wait for another run or writer");
    add("json", po::bool_switch(), "print the result as one JSON document");
    add("verbose,v", po::bool_switch(), "more log output on stderr (-vv: even more)");
    add("quiet,q", po::bool_switch(), "only errors on stderr");
    add("log-level", po::value<std::string>()->value_name("LEVEL"),
        "trace, debug, info, warn, error or off");
    return common;
}

namespace {

bool is_run_command(const std::string& command) {
    return command == "migrate" || command == "down" || command == "redo" || command == "reset" ||
           command == "refresh";
}

// What bounds and checks each step: a run's, and each database's of a fleet migrate.
void add_step_limits(po::options_description_easy_init add) {
    add("step-timeout", po::value<std::string>()->value_name("SECONDS")->default_value("30"),
        "time limit of each step (a file's Timeout directive wins)");
    add("validate", po::value<std::string>()->value_name("LEVEL")->default_value("normal"),
        "normal, full or strict");
}

// The options of every run of steps.
void add_run_options(po::options_description_easy_init add, const std::string& command) {
    add("dry-run", po::bool_switch(), "rehearse on a temporary copy; change nothing");
    if (command != "migrate") {
        add("allow-missing-down", po::bool_switch(),
            "revert a migration without a Down section as a no-op, as goose does");
    }
    add_step_limits(add);
    add("no-backup", po::bool_switch(), "take NO snapshot before the run (not recommended)");
}

// The options of the commands that run steps or edit the history. False: not one of them.
bool add_step_options(po::options_description_easy_init& add, const std::string& command) {
    if (command == "migrate") {
        add("to", po::value<std::string>()->value_name("VERSION"), "stop after this version");
        add("allow-out-of-order", po::bool_switch(),
            "apply pending migrations older than the newest applied one");
        add("backup-only", po::bool_switch(), "take the snapshot and stop");
        add("keep", po::value<int>()->value_name("N"),
            "after a successful run, prune this database's backups to the newest N");
    } else if (command == "down") {
        add("steps", po::value<int>()->value_name("N"),
            "revert the newest N applied migrations (default 1)");
        add("to", po::value<std::string>()->value_name("VERSION"),
            "revert everything newer than VERSION, which stays applied (0: everything)");
    } else if (command == "reset" || command == "refresh" || command == "repair") {
        add("yes", po::bool_switch(), "do not ask for confirmation");
    } else if (command == "baseline" || command == "force") {
        add("version", po::value<std::string>()->value_name("VERSION"),
            command == "baseline" ? "the newest migration the database already has"
                                  : "the version the history should say is current");
        if (command == "force") {
            add("yes", po::bool_switch(), "do not ask for confirmation");
        }
    } else {
        return false;
    }
    return true;
}

// The options of the commands that take, restore or prune backups. False: not one of them.
bool add_backup_options(po::options_description_easy_init& add, const std::string& command) {
    if (command == "backup") {
        add("out", po::value<std::string>()->value_name("PATH"),
            "write the backup here instead of the backup directory");
        add("no-verify", po::bool_switch(), "skip quick_check, page count and schema checks");
    } else if (command == "restore") {
        add("backup", po::value<std::string>()->value_name("PATH"), "the backup to restore");
        add("latest", po::bool_switch(), "restore this database's newest intact backup");
        add("yes", po::bool_switch(), "do not ask for confirmation");
        add("from-other-database", po::bool_switch(),
            "with --yes: allow a backup whose sidecar names another database");
    } else if (command == "prune") {
        add("keep", po::value<int>()->value_name("N"), "keep the newest N backups (default 10)");
        add("keep-days", po::value<int>()->value_name("D"), "keep backups younger than D days");
        add("dry-run", po::bool_switch(), "only show what would be removed");
    } else {
        return false;
    }
    return true;
}

// db exec's options.
void add_exec_options(po::options_description_easy_init& add) {
    add("dry-run", po::bool_switch(), "run the command on a scratch copy; change nothing");
    add("restore-on-failure", po::bool_switch(),
        "put the snapshot back when the command or a check fails");
    add("timeout", po::value<std::string>()->value_name("SECONDS"),
        "end the command (its whole process group) after this long");
    add("validate", po::value<std::string>()->value_name("LEVEL")->default_value("normal"),
        "normal, full or strict (strict: new dangling foreign keys fail)");
    add("env", po::value<std::vector<std::string>>()->value_name("NAME=VALUE")->composing(),
        "set in the command's environment ({db} replaced); repeatable");
}

// The options of the commands that look at files or the database without changing it (and of
// create and adopt).
void add_inspection_options(po::options_description_easy_init& add, const std::string& command) {
    if (command == "status") {
        add("exit-code", po::bool_switch(), "exit 6 when anything is pending or wrong");
    } else if (command == "create") {
        add("name", po::value<std::string>()->value_name("NAME"), "what the migration does");
        add("timestamp", po::bool_switch(), "version from the UTC time instead of a sequence");
    } else if (command == "adopt") {
        add("from", po::value<std::string>()->value_name("TOOL"),
            "goose, sql-migrate, golang-migrate, dbmate, pop, diesel, sqlx, prisma, drizzle or "
            "flyway (default: the table found)");
    } else if (command == "dump-schema") {
        add("out", po::value<std::string>()->value_name("FILE"),
            "write the dump to FILE (replacing it) instead of stdout");
        add("check", po::value<std::string>()->value_name("FILE"),
            "compare FILE with the schema the migrations build; exit 6 when it differs");
    } else if (command == "lint") {
        add("strict", po::bool_switch(), "exit 6 when there is any warning");
    } else if (command == "check") {
        add("backups", po::bool_switch(), "also verify every backup of this database");
        add("roundtrip", po::bool_switch(),
            "also check that each migration's Down undoes its Up, on a scratch database");
        add("step-timeout", po::value<std::string>()->value_name("SECONDS")->default_value("30"),
            "time limit of each round-trip step");
    }
}

}  // namespace

// The options of `belay fleet <command>` (commands "fleet-migrate", ...), besides the
// selection's --db, which the fleet command reads itself.
void add_fleet_options(po::options_description_easy_init& add, const std::string& command) {
    if (command != "fleet-resume") {
        add("db-list", po::value<std::vector<std::string>>()->value_name("FILE")->composing(),
            "a file of database paths, one per line (-: standard input); repeatable");
        add("shard", po::value<std::string>()->value_name("I/N"),
            "take only this stable share of the selection (0/4 ... 3/4)");
    }
    if (command == "fleet-status") {
        // Status only reads: every core by default.
        add("jobs,j", po::value<int>()->value_name("N"),
            "databases at a time (default: one per core)");
    } else {
        add("jobs,j", po::value<int>()->value_name("N")->default_value(1), "databases at a time");
    }
    if (command == "fleet-resume") {
        add("journal", po::value<std::string>()->value_name("JOURNAL"),
            "the journal of the run to finish");
    }
    if (command == "fleet-migrate") {
        add("dry-run", po::bool_switch(),
            "rehearse each database on a temporary copy; change nothing");
        add_step_limits(add);
        add("to", po::value<std::string>()->value_name("VERSION"), "stop after this version");
        add("allow-out-of-order", po::bool_switch(),
            "apply pending migrations older than the newest applied one");
        add("canary", po::value<int>()->value_name("K")->default_value(0),
            "migrate the first K databases first; stop if any of them fails");
        add("journal", po::value<std::string>()->value_name("FILE"),
            "the run's journal (default: belay-fleet-YYYYMMDD-HHMMSS.journal here)");
        add("no-rehearsal", po::bool_switch(),
            "skip the rehearsal of the migrations on an empty scratch database");
        add("keep", po::value<int>()->value_name("N"),
            "after each database's successful run, prune its backups to the newest N");
    }
    if (command == "fleet-migrate" || command == "fleet-backup") {
        add("max-failures", po::value<int>()->value_name("F"),
            "start no more databases after F have failed");
    }
    if (command == "fleet-status") {
        add("all", po::bool_switch(), "list every database, not only those that need attention");
        add("exit-code", po::bool_switch(), "exit 6 when any database needs attention");
        add("journal",
            po::value<std::vector<std::string>>()->value_name("FILE")->composing()->multitoken(),
            "read these journals instead of the databases (--journal a.journal b.journal ..., "
            "or repeated)");
    }
    if (command == "fleet-check") {
        add("backups", po::bool_switch(), "verify every backup of each database too");
    }
}

po::options_description command_options_description(const std::string& name) {
    const std::string command = name == "rollback" ? "down" : name;
    po::options_description specific(name.starts_with("fleet-")
                                         ? "Options of fleet " + name.substr(6)
                                         : "Options of db " + name);
    auto add = specific.add_options();
    if (command.starts_with("fleet-")) {
        add_fleet_options(add, command);
        return specific;
    }
    if (is_run_command(command)) {
        add_run_options(add, command);
    }
    if (command == "exec") {
        add_exec_options(add);
        return specific;
    }
    if (!add_step_options(add, command) && !add_backup_options(add, command)) {
        add_inspection_options(add, command);
    }
    return specific;
}

po::options_description all_options_description() {
    po::options_description all;
    all.add(common_options_description());
    // An option several commands have (step-timeout, say) is added once. The options that a
    // config file never sets are refused by name before a key is looked up (config_file.cpp).
    for (const char* command : {"migrate", "down", "status", "create", "backup", "check", "lint",
                                "adopt", "dump-schema", "exec"}) {
        const auto description = command_options_description(command);
        for (const auto& option : description.options()) {
            if (all.find_nothrow(option->long_name(), false) == nullptr) {
                all.add(option);
            }
        }
    }
    all.add_options()("keep-days", po::value<int>(), "");
    return all;
}

// What a run restores, reverts or writes, where it goes and its confirmation must be said each
// time, never stand as a setting (configuration.md). `to`, `steps`, `version`: BELAY_TO set
// for `migrate` must never steer a `down`. `backup`, `latest`, `from-other-database`: which
// backup a restore writes over the database. `yes`: a confirmation. `out`: the one file a
// backup or a dump writes (a dump replaces it). `name`: the one migration db create writes.
// `verbose`: -v is for one run (-vv counts its repeats). `no-backup`: a run without its safety
// snapshot is chosen for that run, never standing. `env`: what one wrapped command is given.
// `restore-on-failure`: whether a failed exec puts a snapshot back over the database.
const std::vector<std::string>& fleet_resume_fixed_options() {
    static const std::vector<std::string> k_fixed{"migrations", "backup-dir", "table", "format",
                                                  "lock-timeout"};
    return k_fixed;
}

bool is_command_line_only(const std::string& option) {
    static const std::set<std::string> k_options{"backup",
                                                 "latest",
                                                 "from-other-database",
                                                 "yes",
                                                 "to",
                                                 "steps",
                                                 "version",
                                                 "out",
                                                 "name",
                                                 "verbose",
                                                 "no-backup",
                                                 "env",
                                                 "restore-on-failure"};
    return k_options.contains(option);
}

Origin ParsedOptions::origin(const std::string& option) const {
    const auto found = m_origins.find(option);
    return found == m_origins.end() ? Origin{} : found->second;
}

void ParsedOptions::record(const std::string& option, Origin origin) {
    m_origins.emplace(option, std::move(origin));
}

bool ParsedOptions::on_command_line(const std::string& option) const {
    return origin(option).place == Origin::Place::command_line;
}

std::string ParsedOptions::overruled(const std::string& first, const std::string& second) const {
    const bool first_given = on_command_line(first);
    if (first_given == on_command_line(second)) {
        return "";
    }
    return first_given ? second : first;
}

std::string ParsedOptions::named(const std::string& option) const {
    const auto where = origin(option);
    switch (where.place) {
        case Origin::Place::environment:
            return where.variable;
        case Origin::Place::config_file:
            return fmt::format("`{}` (config file {}:{})", option, where.file, where.line);
        case Origin::Place::command_line:
            break;
    }
    return "--" + option;
}

std::string ParsedOptions::example(const std::string& option, std::string_view value) const {
    const auto where = origin(option);
    switch (where.place) {
        case Origin::Place::environment:
            return fmt::format("{}={}", where.variable, value);
        case Origin::Place::config_file:
            return fmt::format("{} = {}", option, value);
        case Origin::Place::command_line:
            break;
    }
    return fmt::format("--{} {}", option, value);
}

std::unexpected<Error> ParsedOptions::bad_value(const std::string& option,
                                                std::string_view why) const {
    const auto where = origin(option);
    // The value as a message can hold it: UTF-8 (its JSON too), one line, no escape sequences.
    const auto value = printable(escape_invalid_utf8(where.text));
    switch (where.place) {
        case Origin::Place::environment:
            return usage_error("environment variable {}={}: {}", where.variable, value, why);
        case Origin::Place::config_file:
            return usage_error("config file {}:{}: {} = {}: {}", where.file, where.line, option,
                               value, why);
        case Origin::Place::command_line:
            break;
    }
    if (value.empty()) {
        return usage_error("--{}: {}", option, why);
    }
    return usage_error("--{} {}: {}", option, value, why);
}

namespace {

// Whether a standing value (BELAY_*, belay.ini) of `option` is left unread for `command`:
// fleet resume reads none of the options its journal records, nor any it does not take (a
// standing `keep`, say, which the journal records too).
bool ignores_standing_value(const std::string& command, const po::options_description& description,
                            const std::string& option) {
    if (command != "fleet-resume") {
        return false;
    }
    const auto& fixed = fleet_resume_fixed_options();
    return std::ranges::find(fixed, option) != fixed.end() ||
           description.find_nothrow(option, false) == nullptr;
}

// BELAY_STEP_TIMEOUT -> "step-timeout" when the command has that option, else "" (ignored).
std::string environment_name_to_option(const po::options_description& description,
                                       const std::string& variable) {
    static const std::string k_prefix = "BELAY_";
    if (!variable.starts_with(k_prefix) || variable == "BELAY_CONFIG") {
        return variable == "BELAY_CONFIG" ? "config" : "";
    }
    std::string option;
    for (char c : variable.substr(k_prefix.size())) {
        option += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const bool known = description.find_nothrow(option, false) != nullptr;
    return known && !is_command_line_only(option) ? option : "";
}

// Stores the values of one place (`origins[i]` is where `parsed.options[i]` was given) where
// no earlier place gave the option. Each is read as its option's type first, so that a value
// that does not read is named where it was given.
Result<void> store_place(const po::parsed_options& parsed, const std::vector<Origin>& origins,
                         ParsedOptions& vm) {
    for (std::size_t i = 0; i < parsed.options.size(); ++i) {
        const auto& option = parsed.options[i];
        if (vm.count(option.string_key) != 0 && !vm[option.string_key].defaulted()) {
            continue;  // given in a place that wins
        }
        vm.record(option.string_key, origins[i]);
        const auto& semantic = *parsed.description->find(option.string_key, false).semantic();
        boost::any value;
        try {
            semantic.parse(value, option.value, false);
        } catch (const po::error&) {
            return vm.bad_value(option.string_key, semantic.max_tokens() == 0
                                                       ? "expected true or false (or 1 or 0)"
                                                       : "expected a whole number");
        }
    }
    try {
        po::store(parsed, vm);
    } catch (const po::error& e) {
        return usage_error("{}", e.what());
    }
    return {};
}

// The BELAY_* variables of `description`'s options, an empty one counting as unset.
Result<void> store_environment(const std::string& command,
                               const po::options_description& description, ParsedOptions& vm) {
    po::parsed_options parsed(&description);
    std::vector<Origin> origins;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const auto equals = text.find('=');
        if (equals == std::string_view::npos || equals + 1 == text.size()) {
            continue;
        }
        const std::string variable(text.substr(0, equals));
        const auto option = environment_name_to_option(description, variable);
        if (option.empty() || ignores_standing_value(command, description, option)) {
            continue;
        }
        const std::string value(text.substr(equals + 1));
        parsed.options.emplace_back(option, std::vector<std::string>{value});
        origins.push_back(Origin{.place = Origin::Place::environment,
                                 .variable = variable,
                                 .file = {},
                                 .line = 0,
                                 .text = value});
    }
    return store_place(parsed, origins, vm);
}

// The config file's keys, a key with an empty value counting as unset.
Result<void> store_config_file(const std::string& command,
                               const po::options_description& description, const std::string& path,
                               bool named, ParsedOptions& vm) {
    // store() reads the description through `parsed`: it must outlive both.
    const auto keys = all_options_description();
    auto entries = read_config_file(path, named, keys);
    BELAY_TRY(entries);
    po::parsed_options parsed(&keys);
    std::vector<Origin> origins;
    for (const auto& entry : *entries) {
        if (entry.value.empty() || ignores_standing_value(command, description, entry.key)) {
            continue;
        }
        parsed.options.emplace_back(entry.key, std::vector<std::string>{entry.value});
        origins.push_back(Origin{.place = Origin::Place::config_file,
                                 .variable = {},
                                 .file = path,
                                 .line = entry.line,
                                 .text = entry.value});
    }
    return store_place(parsed, origins, vm);
}

}  // namespace

Result<void> parse_options(const std::string& command, const std::vector<std::string>& args,
                           const po::options_description& description,
                           const po::positional_options_description& positional,
                           ParsedOptions& vm) {
    try {
        const auto parsed =
            po::command_line_parser(args).options(description).positional(positional).run();
        po::store(parsed, vm);
        for (const auto& option : parsed.options) {
            vm.record(option.string_key,
                      Origin{.place = Origin::Place::command_line,
                             .variable = {},
                             .file = {},
                             .line = 0,
                             .text = option.value.empty() ? "" : option.value.front()});
        }
    } catch (const po::error& e) {
        // "fleet-migrate" is `belay fleet migrate`.
        const auto named =
            command.starts_with("fleet-") ? "fleet " + command.substr(6) : "db " + command;
        return usage_error("{}: {}; see `belay {} --help`", named, e.what(), named);
    }
    BELAY_TRY(store_environment(command, description, vm));
    const bool explicit_config = vm.count("config") != 0;
    const auto config = explicit_config ? vm["config"].as<std::string>() : std::string("belay.ini");
    BELAY_TRY(store_config_file(command, description, config, explicit_config, vm));
    try {
        po::notify(vm);
    } catch (const po::error& e) {
        return usage_error("{}{}: {}", command.starts_with("fleet-") ? "" : "db ",
                           command.starts_with("fleet-") ? "fleet " + command.substr(6) : command,
                           e.what());
    }
    return {};
}

Result<std::chrono::milliseconds> seconds_option(const ParsedOptions& vm, const std::string& option,
                                                 bool zero_allowed) {
    // The library takes timeouts up to 1e9 s; a larger number of seconds would not fit the
    // milliseconds it counts in.
    constexpr double k_max_seconds = 1e9;
    const auto text = vm[option].as<std::string>();
    double seconds = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    const bool number =
        ec == std::errc() && end == text.data() + text.size() && std::isfinite(seconds);
    const double milliseconds = seconds * 1000.0;
    // Less than half a millisecond rounds to 0 ms, which would silently mean "no wait" or an
    // instant timeout: only an explicit 0 may say so.
    const bool in_range =
        number && milliseconds <= k_max_seconds * 1000.0 &&
        (zero_allowed ? (seconds == 0 || milliseconds >= 1.0) : milliseconds >= 1.0);
    if (!in_range) {
        return vm.bad_value(
            option, fmt::format("expected {} number of seconds from 0.001 to {:.0f}, e.g. {}",
                                zero_allowed ? "0 (do not wait) or a" : "a", k_max_seconds,
                                vm.example(option, "30")));
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(milliseconds)));
}

namespace {

// Why a path that is not UTF-8 is refused, up to what to rename (as the library words it).
constexpr std::string_view k_not_utf8_path =
    "this path is not valid UTF-8 (the bytes that are not are shown as \\xNN). belay writes "
    "paths into backup sidecars and reports as JSON, which holds UTF-8 only, so it works only "
    "with UTF-8 paths. Nothing was changed; rename";

// The values that pick out the database, its backups and its history, refused as the library
// would refuse them but named where they were set: the library can name them only as flags. A
// path given as a flag is left to the library, whose refusal --json reports as a document
// (an error in an environment variable or the config file is reported on stderr only, as for
// every other option).
Result<void> check_database_values(const ParsedOptions& vm, const DatabaseOptions& db) {
    if (!vm.on_command_line("db") && !is_valid_utf8(db.database.native())) {
        return vm.bad_value("db", fmt::format("{} the file (or the directory that holds it) to a "
                                              "UTF-8 name",
                                              k_not_utf8_path));
    }
    if (!vm.on_command_line("backup-dir") && !is_valid_utf8(db.backup_dir.native())) {
        return vm.bad_value("backup-dir",
                            fmt::format("{} the directory to a UTF-8 name", k_not_utf8_path));
    }
    if (const auto problem = history_table_problem(db.history_table); !problem.empty()) {
        return vm.bad_value("table", problem);
    }
    return {};
}

}  // namespace

Result<CommonOptions> read_common_options(const ParsedOptions& vm, bool require_database) {
    CommonOptions options;
    const bool has_database = vm.count("db") != 0 && !vm["db"].as<std::string>().empty();
    if (require_database && !has_database) {
        return usage_error(
            "no database given: pass --db PATH, set BELAY_DB, or put `db = PATH` in "
            "belay.ini");
    }
    if (has_database) {
        options.db.database = vm["db"].as<std::string>();
    }
    options.db.migrations_dir = vm["migrations"].as<std::string>();
    options.db.history_table = vm["table"].as<std::string>();
    if (vm.count("backup-dir")) {
        options.db.backup_dir = vm["backup-dir"].as<std::string>();
    }
    BELAY_TRY(check_database_values(vm, options.db));
    if (const auto format = vm["format"].as<std::string>(); format != "auto") {
        options.db.layout = parse_layout(format);
        if (!options.db.layout) {
            return vm.bad_value("format",
                                "expected auto, sql-migrate, goose, dbmate, golang-migrate, pop, "
                                "diesel, sqlx, prisma, drizzle or flyway");
        }
    }
    auto lock_timeout = seconds_option(vm, "lock-timeout", true);
    BELAY_TRY(lock_timeout);
    options.db.lock_timeout = *lock_timeout;
    options.json = vm["json"].as<bool>();
    options.quiet = vm["quiet"].as<bool>();
    options.verbosity = vm["verbose"].as<bool>() ? 1 : 0;
    options.log_level = vm.count("log-level") ? vm["log-level"].as<std::string>() : "";
    return options;
}

}  // namespace belay::cli
