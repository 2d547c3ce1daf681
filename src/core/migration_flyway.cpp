#include "core/migration_flyway.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <map>
#include <string>

#include <fmt/format.h>

#include "belay/utf8.hpp"
#include "core/ascii.hpp"
#include "core/byte_order_mark.hpp"
#include "core/checksum.hpp"
#include "core/migration_files.hpp"
#include "core/migration_parser.hpp"
#include "core/migration_source.hpp"

namespace belay {

namespace fs = std::filesystem;

namespace {

// Flyway's version text: its '_' read as '.', digits and single dots only.
std::optional<Version> flyway_version(std::string_view text) {
    std::string dotted(text);
    std::ranges::replace(dotted, '_', '.');
    return Version::parse_dotted(dotted);
}

}  // namespace

std::optional<FlywayFileName> parse_flyway_file_name(std::string_view file_name) {
    if (!file_name.ends_with(".sql") || file_name.size() < 5) {
        return std::nullopt;
    }
    const char prefix = file_name.front();
    if (prefix != 'V' && prefix != 'U' && prefix != 'R') {
        return std::nullopt;
    }
    // Flyway splits at the first "__": the version before it, the description after it (a
    // versioned migration may have none: V2.sql).
    const auto rest = file_name.substr(1, file_name.size() - 5);
    const auto separator = rest.find("__");
    const auto version_text = rest.substr(0, separator);
    FlywayFileName name{prefix, std::nullopt,
                        separator == std::string_view::npos
                            ? std::string()
                            : std::string(rest.substr(separator + 2))};
    if (prefix == 'R') {
        // A repeatable migration has no version: "R__<description>.sql".
        return separator == 0 ? std::optional(name) : std::nullopt;
    }
    name.version = flyway_version(version_text);
    return name.version ? std::optional(name) : std::nullopt;
}

namespace {

// A migration file of the directory tree, with what its name says.
struct FlywayFile {
    fs::path path;
    FlywayFileName name;
};

// Both files of one version, as found so far.
struct VersionFiles {
    std::vector<FlywayFile> versioned;
    std::vector<FlywayFile> undo;
};

void add_misnamed(const fs::path& path, std::string_view name, Problems& problems) {
    if (name.ends_with(".sql") && (name.starts_with("before") || name.starts_with("after"))) {
        problems.add(path, fmt::format("{}: a Flyway callback script; belay does not run Flyway's "
                                       "callbacks: move it out of the migrations directory",
                                       path.string()));
        return;
    }
    problems.add(
        path, fmt::format("{}: not a Flyway migration file name; name versioned migrations "
                          "V<version>__<description>.sql (e.g. V2__add_users.sql, V1_1__fix.sql), "
                          "their undo migrations U<version>__<description>.sql and repeatable "
                          "migrations R__<description>.sql, or move this file out of the "
                          "migrations directory",
                          path.string()));
}

// The migration files of the tree, sorted by what their names say.
struct ClassifiedFiles {
    std::map<Version, VersionFiles> by_version;
    std::vector<FlywayFile> repeatables;
    std::vector<fs::path> configurations;  // checked once every migration is known
};

// Sorts one file of the tree into `files`, or reports why it cannot be.
void classify(const fs::path& path, ClassifiedFiles& files, Problems& problems) {
    const std::string_view name = file_name_of(path);
    if (name.ends_with(".sql.conf")) {
        files.configurations.push_back(path);
        return;
    }
    auto parsed = parse_flyway_file_name(name);
    if (!parsed) {
        add_misnamed(path, name, problems);
    } else if (parsed->prefix == 'R') {
        files.repeatables.push_back(FlywayFile{path, std::move(*parsed)});
    } else {
        auto& group = files.by_version[*parsed->version];
        (parsed->prefix == 'V' ? group.versioned : group.undo)
            .push_back(FlywayFile{path, std::move(*parsed)});
    }
}

// The device and inode of the directory `path` leads to, following links; std::nullopt when it
// cannot be examined.
std::optional<std::pair<dev_t, ino_t>> identity_of(const fs::path& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) {
        return std::nullopt;
    }
    return std::pair{status.st_dev, status.st_ino};
}

// Every file below `directory`, depth first, each directory's entries by name. Links to
// directories are followed, as Flyway follows them; one that leads back to a directory the walk
// is inside (`ancestors`) would be walked without end, and is a problem naming it.
void list_tree(const fs::path& directory, std::vector<fs::path>& files, Problems& problems,
               std::vector<std::pair<dev_t, ino_t>>& ancestors) {
    auto entries = sorted_entries(directory);
    if (!entries) {
        problems.add(std::move(entries.error()));
        return;
    }
    for (auto& entry : *entries) {
        std::error_code ec;
        if (is_ignored_file_name(entry.file_name())) {
            continue;
        }
        if (!entry.is_directory(ec)) {
            files.push_back(entry.take_path());
            continue;
        }
        const auto identity = identity_of(entry.path());
        if (identity && std::ranges::find(ancestors, *identity) != ancestors.end()) {
            problems.add(entry.path(),
                         fmt::format("{}: a link that leads back to a directory it is in, which "
                                     "Flyway would scan without end; remove it (or point it "
                                     "elsewhere)",
                                     entry.path().string()));
            continue;
        }
        ancestors.push_back(identity.value_or(std::pair<dev_t, ino_t>{}));
        list_tree(entry.path(), files, problems, ancestors);
        ancestors.pop_back();
    }
}

// Adds a problem for each of Flyway's placeholders (${name}, ${flyway:user}) in `contents`.
void report_placeholders(const fs::path& path, std::string_view contents, Problems& problems) {
    int line = 1;
    std::size_t counted = 0;  // line holds the number of the line at this offset
    for (std::size_t at = contents.find("${"); at != std::string_view::npos;
         at = contents.find("${", at + 2)) {
        line += static_cast<int>(std::ranges::count(contents.substr(counted, at - counted), '\n'));
        counted = at;
        const auto end = contents.find_first_of("}\n", at);
        if (end == std::string_view::npos || contents[end] != '}') {
            continue;  // no placeholder: Flyway replaces only a complete ${...}
        }
        problems.add_said(
            path, line,
            said("{}:{}: Flyway placeholder {}: belay does not replace Flyway's placeholders "
                 "(Flyway itself stops on one it has no value for); write the value into the "
                 "file",
                 path.string(), line, std::string(contents.substr(at, end + 1 - at))));
    }
}

// Reads Flyway's script configuration for `sql_file` (sql_file + ".conf"), if there is one:
// true when it says executeInTransaction=false. Any other setting is a problem, so that none
// is passed over in silence.
bool runs_without_transaction(const fs::path& sql_file, Problems& problems) {
    const fs::path conf = sql_file.string() + ".conf";
    std::error_code ec;
    if (!fs::exists(conf, ec)) {
        return false;
    }
    auto text = read_whole_file(conf);
    if (!text) {
        problems.add(std::move(text.error()));
        return false;
    }
    bool without = false;
    int line_number = 0;
    std::string_view rest = *text;
    while (!rest.empty()) {
        const auto end = std::min(rest.find('\n'), rest.size());
        auto line = rest.substr(0, end);
        rest.remove_prefix(std::min(end + 1, rest.size()));
        ++line_number;
        while (!line.empty() &&
               (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
            line.remove_suffix(1);
        }
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
            line.remove_prefix(1);
        }
        if (line.empty() || line.front() == '#' || line.front() == '!') {
            continue;
        }
        const auto setting = to_lower_ascii(line);
        std::string compact;
        std::ranges::copy_if(setting, std::back_inserter(compact),
                             [](char c) { return c != ' ' && c != '\t'; });
        if (compact == "executeintransaction=false" || compact == "executeintransaction=true") {
            without = compact.ends_with("false");
        } else if (compact != "encoding=utf-8" && compact != "encoding=utf8") {
            problems.add(conf, line_number,
                         fmt::format("{}:{}: '{}': belay follows only executeInTransaction (true "
                                     "or false) and encoding=UTF-8 in Flyway's script "
                                     "configuration; remove the line, or run this migration with "
                                     "Flyway",
                                     conf.string(), line_number, line));
        }
    }
    return without;
}

// The SQL belay runs from a Flyway file: without the byte-order mark Flyway skips, CRLF read
// as LF (the line numbers stay the file's).
std::string sql_of(std::string_view contents) {
    return crlf_as_lf(without_byte_order_mark(contents));
}

// The 1-based line of the first byte that is not part of well-formed UTF-8.
int first_invalid_utf8_line(std::string_view text) {
    int line = 1;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == '\n') {
            if (!is_valid_utf8(text.substr(start, i - start))) {
                return line;
            }
            ++line;
            start = i + 1;
        }
    }
    return line;
}

// Reads one file of a migration: its contents, checked for what belay cannot run.
std::optional<std::string> read_checked(const fs::path& path, Problems& problems) {
    auto contents = read_whole_file(path);
    if (!contents) {
        problems.add(std::move(contents.error()));
        return std::nullopt;
    }
    if (auto text = check_no_nul_byte(path, *contents); !text) {
        problems.add(std::move(text.error()));
        return std::nullopt;
    }
    if (!is_valid_utf8(*contents)) {
        // Flyway decodes the file as UTF-8 and runs (and checksums) U+FFFD for such bytes.
        const auto line = first_invalid_utf8_line(*contents);
        problems.add(path, line,
                     fmt::format("{}:{}: bytes that are not UTF-8 (Flyway reads its files as "
                                 "UTF-8 and would run U+FFFD in their place); save the file as "
                                 "UTF-8 (e.g. iconv -f latin1 -t utf-8)",
                                 path.string(), line));
        return std::nullopt;
    }
    const auto before = problems.size();
    report_placeholders(path, *contents, problems);
    if (problems.size() != before) {
        return std::nullopt;
    }
    return std::move(*contents);
}

// The migration of one version: its versioned file and, if any, its undo file.
std::optional<Migration> assemble(const VersionFiles& files, Problems& problems) {
    if (files.versioned.size() > 1 || files.undo.size() > 1) {
        const auto& same = files.versioned.size() > 1 ? files.versioned : files.undo;
        problems.add(fmt::format(
            "{} and {} have the same version ({} and {} are both {}); give each migration its "
            "own version",
            same[0].path.string(), same[1].path.string(), same[0].name.version->text(),
            same[1].name.version->text(), same[1].name.version->numeric()));
        return std::nullopt;
    }
    if (files.versioned.empty()) {
        const auto& undo = files.undo.front();
        problems.add(undo.path, fmt::format("{}: an undo migration without a versioned migration "
                                            "of version {}; add the V file or remove this one",
                                            undo.path.string(), undo.name.version->text()));
        return std::nullopt;
    }
    const auto& versioned = files.versioned.front();
    auto up = read_checked(versioned.path, problems);
    const auto* undo = files.undo.empty() ? nullptr : &files.undo.front();
    auto down = undo != nullptr ? read_checked(undo->path, problems) : std::optional<std::string>();
    if (!up || (undo != nullptr && !down)) {
        return std::nullopt;
    }
    Migration migration{
        .version = *versioned.name.version,
        .name = versioned.name.description,
        .path = versioned.path,
        .up = SqlSection{true, sql_of(*up), 1, {}},
        .down = {},
        .verify = {},
        .up_no_transaction = runs_without_transaction(versioned.path, problems),
        .down_no_transaction = false,
        .timeout = std::nullopt,
        // belay's checksum covers both files, as for golang-migrate's pairs.
        .checksum = migration_checksum(down ? *up + std::string(1, '\0') + *down : *up),
        .layout = Layout::flyway,
    };
    if (undo != nullptr) {
        migration.down = SqlSection{true, sql_of(*down), 1, undo->path};
        migration.down_no_transaction = runs_without_transaction(undo->path, problems);
    }
    return migration;
}

// A repeatable migration: its file, which always runs inside a transaction.
std::optional<RepeatableMigration> assemble_repeatable(const FlywayFile& file, Problems& problems) {
    auto contents = read_checked(file.path, problems);
    if (!contents) {
        return std::nullopt;
    }
    if (runs_without_transaction(file.path, problems)) {
        const auto conf = file.path.string() + ".conf";
        problems.add(fs::path(conf),
                     fmt::format("{}: executeInTransaction=false for a repeatable migration; "
                                 "belay runs a repeatable migration only inside a transaction: "
                                 "one that fails half-way cannot be rolled back, and running it "
                                 "again on its next change would build on what it left. Remove "
                                 "the setting, or put the statements that need it in a "
                                 "versioned migration (V<version>__<description>.sql) with a "
                                 ".conf of its own",
                                 conf));
        return std::nullopt;
    }
    return RepeatableMigration{.name = file.name.description,
                               .path = file.path,
                               .up = SqlSection{true, sql_of(*contents), 1, {}},
                               .checksum = migration_checksum(*contents),
                               .layout = Layout::flyway};
}

// The repeatable migrations in Flyway's order. Two of one description (as Flyway reads it: '_'
// is a space) are refused naming both, as Flyway refuses them.
std::vector<RepeatableMigration> assemble_repeatables(std::vector<FlywayFile> files,
                                                      Problems& problems) {
    std::ranges::stable_sort(files, [](const FlywayFile& left, const FlywayFile& right) {
        return flyway_description_less(left.name.description, right.name.description);
    });
    std::vector<RepeatableMigration> repeatables;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const auto description = flyway_description(files[i].name.description);
        if (i > 0 && flyway_description(files[i - 1].name.description) == description) {
            problems.add(fmt::format(
                "{} and {} are repeatable migrations of the same description ('{}': Flyway reads "
                "'_' as a space), which Flyway refuses too; give each its own description",
                files[i - 1].path.string(), files[i].path.string(), description));
            continue;
        }
        if (auto repeatable = assemble_repeatable(files[i], problems)) {
            repeatables.push_back(std::move(*repeatable));
        }
    }
    return repeatables;
}

}  // namespace

std::vector<fs::path> flyway_tree(const fs::path& directory, Problems& problems) {
    std::vector<fs::path> files;
    std::vector<std::pair<dev_t, ino_t>> ancestors;
    if (const auto identity = identity_of(directory)) {
        ancestors.push_back(*identity);
    }
    list_tree(directory, files, problems, ancestors);
    return files;
}

Result<FlywayMigrations> load_flyway_directory(const fs::path& directory) {
    Problems problems;
    std::vector<fs::path> paths = flyway_tree(directory, problems);
    ClassifiedFiles files;
    for (const auto& path : paths) {
        classify(path, files, problems);
    }
    for (const auto& conf : files.configurations) {
        const fs::path script = conf.string().substr(0, conf.string().size() - 5);
        if (std::ranges::find(paths, script) == paths.end()) {
            problems.add(conf, fmt::format("{}: Flyway script configuration without its "
                                           "migration {}; add the migration or remove this file",
                                           conf.string(), script.string()));
        }
    }
    FlywayMigrations migrations;
    for (const auto& [version, group] : files.by_version) {
        if (auto migration = assemble(group, problems)) {
            migrations.versioned.push_back(std::move(*migration));
        }
    }
    migrations.repeatables = assemble_repeatables(std::move(files.repeatables), problems);
    if (!problems.empty()) {
        return std::unexpected(problems.error());
    }
    return migrations;
}

}  // namespace belay
