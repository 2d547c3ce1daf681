#include "options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string_view>

namespace belay::cli {

namespace {

// `text` begins with `prefix` but for ASCII case, as SQLite compares names (the CLI sees only
// belay's public headers, so not core/ascii.hpp).
bool starts_with_ascii_nocase(std::string_view text, std::string_view prefix) {
    const auto lower = [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    return text.size() >= prefix.size() &&
           std::ranges::equal(text.substr(0, prefix.size()), prefix, {}, lower, lower);
}

}  // namespace

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
        "migration layout: auto, sql-migrate, goose, dbmate, golang-migrate, pop or diesel");
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

// The options of every run of steps.
void add_run_options(po::options_description_easy_init add) {
    add("dry-run", po::bool_switch(), "rehearse on a temporary copy; change nothing");
    add("step-timeout", po::value<std::string>()->value_name("SECONDS")->default_value("30"),
        "time limit of each step (a file's Timeout directive wins)");
    add("validate", po::value<std::string>()->value_name("LEVEL")->default_value("normal"),
        "normal, full or strict");
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
            "goose, sql-migrate, golang-migrate, dbmate, pop or diesel (default: the table found)");
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

po::options_description command_options_description(const std::string& name) {
    const std::string command = name == "rollback" ? "down" : name;
    po::options_description specific("Options of db " + name);
    auto add = specific.add_options();
    if (is_run_command(command)) {
        add_run_options(add);
    }
    if (!add_step_options(add, command) && !add_backup_options(add, command)) {
        add_inspection_options(add, command);
    }
    return specific;
}

po::options_description all_options_description() {
    po::options_description all;
    all.add(common_options_description());
    // Options that several commands share (keep, dry-run) are added once. A config file never
    // names the backup to restore nor answers a restore's confirmation.
    // An option several commands have (step-timeout, say) must be added once, or the file
    // parser calls it ambiguous.
    for (const char* command :
         {"migrate", "status", "create", "backup", "check", "lint", "adopt", "dump-schema"}) {
        const auto description = command_options_description(command);
        for (const auto& option : description.options()) {
            if (all.find_nothrow(option->long_name(), false) == nullptr) {
                all.add(option);
            }
        }
    }
    po::options_description others;
    others.add_options()("keep-days", po::value<int>(), "");
    // Known to the file parser only so that parse_config_file can refuse them by name (a
    // config file never sets them; see is_command_line_only).
    for (const char* option :
         {"latest", "from-other-database", "yes", "backup", "steps", "version"}) {
        if (all.find_nothrow(option, false) == nullptr) {
            others.add_options()(option, po::value<std::string>(), "");
        }
    }
    all.add(others);
    return all;
}

namespace {

// Options that come only from the command line, never from the environment (ignored) nor a
// config file (refused): what a run restores, reverts or writes, where it goes and its
// confirmation must be said each time, never stand as a setting (configuration.md). `to`,
// `steps`, `version`: BELAY_TO set for `migrate` must never steer a `down`. `backup`,
// `latest`, `from-other-database`: which backup a restore writes over the database. `yes`:
// a confirmation. `out`: the one file a backup or a dump writes (a dump replaces it). `name`:
// the one migration db create writes. `verbose`: -v is for one run (-vv counts its repeats).
// `no-backup`: a run without its safety snapshot is chosen for that run, never standing.
bool is_command_line_only(const std::string& option) {
    static const std::set<std::string> k_options{"backup",  "latest",   "from-other-database",
                                                 "yes",     "to",       "steps",
                                                 "version", "out",      "name",
                                                 "verbose", "no-backup"};
    return k_options.contains(option);
}

// Why `key` cannot be set in a config file and what to do instead; empty when it can. Refused:
// the command-line-only options, and `config` (it names the file being read: one file naming
// another would be ignored).
std::string config_key_refusal(const std::string& key) {
    if (key == "to") {
        return "(it would steer every run, db down too); pass --to on the command line";
    }
    if (key == "name") {
        return "(it names the one migration db create writes, each time); remove it and pass the "
               "name where you mean it: belay db create NAME";
    }
    if (key == "verbose") {
        return "(-v is for one run; a standing log level is `log-level = info`); remove it and "
               "pass -v where you mean it";
    }
    if (key == "no-backup") {
        return "(a run without a snapshot is chosen for that run, never as a standing setting); "
               "remove it and pass --no-backup where you mean it";
    }
    if (key == "config") {
        return "(it names the file options are read from, so one file cannot name another); "
               "remove it and pass --config or set BELAY_CONFIG where you mean it";
    }
    if (is_command_line_only(key)) {
        return fmt::format(
            "(which backup a restore writes, what a run reverts or writes and every confirmation "
            "are given on the command line each time); remove it and pass --{} where you mean it",
            key);
    }
    return "";
}

// The line (from 1) of an INI file's `text` that first sets `key`, read as
// Boost.Program_options reads it (`#` starts a comment, blanks around the key); 0 when none.
std::size_t line_setting(std::string_view text, std::string_view key) {
    constexpr std::string_view k_blanks = " \t\r\n";
    std::size_t number = 0;
    for (std::size_t start = 0; start <= text.size(); ++number) {
        auto end = text.find('\n', start);
        end = end == std::string_view::npos ? text.size() : end;
        auto line = text.substr(start, end - start);
        start = end + 1;
        line = line.substr(0, line.find('#'));
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) {
            continue;
        }
        auto name = line.substr(0, equals);
        name.remove_prefix(std::min(name.find_first_not_of(k_blanks), name.size()));
        name = name.substr(0, name.find_last_not_of(k_blanks) + 1);
        if (name == key) {
            return number + 1;
        }
    }
    return 0;
}

// Refuses (naming the file, the line and the key) the first key of `parsed` that a config file
// cannot set.
Result<void> refuse_config_keys(const std::string& path, std::string_view text,
                                const po::parsed_options& parsed) {
    for (const auto& option : parsed.options) {
        const auto refusal = config_key_refusal(option.string_key);
        if (refusal.empty()) {
            continue;
        }
        const auto line = line_setting(text, option.string_key);
        return usage_error("config file {}{}: `{}` cannot be set in a config file {}", path,
                           line == 0 ? std::string() : fmt::format(":{}", line), option.string_key,
                           refusal);
    }
    return {};
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

Result<void> parse_config_file(const std::string& path, bool must_exist, po::variables_map& vm) {
    // Only a regular file of a sane size is read: BELAY_CONFIG=/dev/zero or a FIFO must not read
    // until memory runs out or block for ever.
    constexpr std::uintmax_t k_max_config_bytes = 1024 * 1024;
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) {
        if (!must_exist) {
            return {};
        }
        return usage_error("cannot read config file {}: it does not exist", path);
    }
    if (!std::filesystem::is_regular_file(status)) {
        return usage_error("config file {} is not a regular file; give the path of a belay.ini",
                           path);
    }
    if (const auto size = std::filesystem::file_size(path, ec); !ec && size > k_max_config_bytes) {
        return usage_error("config file {} is {} bytes, more than a config file can be (1 MiB)",
                           path, size);
    }
    std::ifstream in(path);
    if (!in) {
        return usage_error("cannot read config file {}", path);
    }
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    try {
        // store() reads the description through `parsed`: it must outlive both.
        const auto description = all_options_description();
        std::istringstream stream(text);
        const auto parsed = po::parse_config_file(stream, description, false);
        if (auto ok = refuse_config_keys(path, text, parsed); !ok) {
            return ok;
        }
        po::store(parsed, vm);
    } catch (const po::error& e) {
        return usage_error("config file {}: {}", path, e.what());
    }
    return {};
}

}  // namespace

Result<void> parse_options(const std::string& command, const std::vector<std::string>& args,
                           const po::options_description& description,
                           const po::positional_options_description& positional,
                           po::variables_map& vm) {
    try {
        po::store(po::command_line_parser(args).options(description).positional(positional).run(),
                  vm);
        po::store(po::parse_environment(description,
                                        [&](const std::string& variable) {
                                            return environment_name_to_option(description,
                                                                              variable);
                                        }),
                  vm);
    } catch (const po::error& e) {
        return usage_error("db {}: {}; see `belay db {} --help`", command, e.what(), command);
    }
    const bool explicit_config = vm.count("config") != 0;
    const auto config = explicit_config ? vm["config"].as<std::string>() : std::string("belay.ini");
    if (auto ok = parse_config_file(config, explicit_config, vm); !ok) {
        return ok;
    }
    try {
        po::notify(vm);
    } catch (const po::error& e) {
        return usage_error("db {}: {}", command, e.what());
    }
    return {};
}

Result<std::chrono::milliseconds> seconds_option(const po::variables_map& vm,
                                                 const std::string& option, bool zero_allowed) {
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
        return usage_error(
            "--{} {}: expected {} number of seconds from 0.001 to {:.0f}, e.g. "
            "--{} 30",
            option, text, zero_allowed ? "0 (do not wait) or a" : "a", k_max_seconds, option);
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(milliseconds)));
}

Result<CommonOptions> read_common_options(const po::variables_map& vm, bool require_database) {
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
    // SQLite compares names without ASCII case: Belay_Schema is belay_schema.
    if (options.db.history_table.empty() ||
        starts_with_ascii_nocase(options.db.history_table, "belay_") ||
        starts_with_ascii_nocase(options.db.history_table, "sqlite_")) {
        return usage_error(
            "--table {}: the history table needs a name of its own, not empty and not "
            "starting with belay_ or sqlite_ (in any case)",
            options.db.history_table);
    }
    if (const auto format = vm["format"].as<std::string>(); format != "auto") {
        options.db.layout = parse_layout(format);
        if (!options.db.layout) {
            return usage_error(
                "--format {}: expected auto, sql-migrate, goose, dbmate, golang-migrate, "
                "pop or diesel",
                format);
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
