#include "config_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "options.hpp"
#include "render.hpp"

namespace belay::cli {

namespace {

namespace po = boost::program_options;

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

// Why the file at `path` cannot be read as a config file; empty when it can. A symbolic link
// is followed, but one that dangles or loops is refused like a FIFO or a directory: quietly
// running with the defaults would use another history table and another backup directory.
// Only a regular file of a sane size is read: BELAY_CONFIG=/dev/zero or a FIFO must not read
// until memory runs out or block for ever.
std::string unusable(const std::string& path) {
    constexpr off_t k_max_config_bytes = 1024 * 1024;
    struct stat file {};
    if (::stat(path.c_str(), &file) != 0) {
        const int error = errno;
        std::error_code ec;
        const auto target = std::filesystem::read_symlink(path, ec);
        if (error == ELOOP) {
            return fmt::format(
                "config file {} is a symbolic link that loops ({}); point it at a config file "
                "or remove it",
                path, std::strerror(error));
        }
        if (!ec && error == ENOENT) {
            return fmt::format(
                "config file {} is a symbolic link to {}, which does not exist; restore that "
                "file, point the link at a config file, or remove the link",
                path, target.string());
        }
        return fmt::format("cannot read config file {}: {}", path, std::strerror(error));
    }
    if (!S_ISREG(file.st_mode)) {
        return fmt::format("config file {} is not a regular file; give the path of a belay.ini",
                           path);
    }
    if (file.st_size > k_max_config_bytes) {
        return fmt::format("config file {} is {} bytes, more than a config file can be (1 MiB)",
                           path, file.st_size);
    }
    return "";
}

// `text` without the blanks around it.
std::string_view trimmed(std::string_view text) {
    constexpr std::string_view k_blanks = " \t\r";
    const auto first = text.find_first_not_of(k_blanks);
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(k_blanks) - first + 1);
}

// Why `line` (its end-of-line CR aside) holds a control character, or empty when it holds none.
std::string control_character(std::string_view line) {
    if (line.ends_with('\r')) {
        line.remove_suffix(1);
    }
    for (const char c : line) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && byte != '\t') || byte == 0x7f) {
            return fmt::format("control character {} in `{}`: a config file is text; remove it",
                               printable(std::string(1, c)), printable(line));
        }
    }
    return "";
}

// The entry on `line` (a line of the file, numbered `number`), or nothing for a blank or
// comment line. Fails naming the line.
Result<std::optional<ConfigEntry>> parse_line(const std::string& path, std::string_view line,
                                              std::size_t number,
                                              const po::options_description& keys) {
    if (const auto control = control_character(line); !control.empty()) {
        return usage_error("config file {}:{}: {}", path, number, control);
    }
    const auto content = trimmed(line.substr(0, line.find('#')));
    if (content.empty()) {
        return std::nullopt;
    }
    if (content.starts_with('[')) {
        return usage_error(
            "config file {}:{}: `{}`: a config file has no sections; put every `key = value` "
            "at the top level",
            path, number, content);
    }
    const auto equals = content.find('=');
    if (equals == std::string_view::npos) {
        return usage_error("config file {}:{}: `{}` is not a `key = value` line", path, number,
                           content);
    }
    ConfigEntry entry{.key = std::string(trimmed(content.substr(0, equals))),
                      .value = std::string(trimmed(content.substr(equals + 1))),
                      .line = number};
    if (const auto refusal = config_key_refusal(entry.key); !refusal.empty()) {
        return usage_error("config file {}:{}: `{}` cannot be set in a config file {}", path,
                           number, entry.key, refusal);
    }
    if (keys.find_nothrow(entry.key, false) == nullptr) {
        return usage_error(
            "config file {}:{}: unknown key `{}`; a key is an option's long name without the "
            "dashes, as `belay db <command> --help` lists them",
            path, number, entry.key);
    }
    return entry;
}

// The entries of `text`, the contents of the config file `path`.
Result<std::vector<ConfigEntry>> parse_config_text(const std::string& path, std::string_view text,
                                                   const po::options_description& keys) {
    constexpr std::string_view k_byte_order_mark = "\xEF\xBB\xBF";
    if (text.starts_with(k_byte_order_mark)) {
        text.remove_prefix(k_byte_order_mark.size());
    }
    std::vector<ConfigEntry> entries;
    std::map<std::string, std::size_t> first_lines;
    std::size_t number = 0;
    for (std::size_t start = 0; start < text.size();) {
        auto end = text.find('\n', start);
        end = end == std::string_view::npos ? text.size() : end;
        auto entry = parse_line(path, text.substr(start, end - start), ++number, keys);
        start = end + 1;
        BELAY_TRY(entry);
        if (!*entry) {
            continue;
        }
        if (const auto [first, added] = first_lines.emplace((*entry)->key, number); !added) {
            return usage_error(
                "config file {}:{}: `{}` is set a second time (first on line {}); "
                "keep one",
                path, number, (*entry)->key, first->second);
        }
        entries.push_back(std::move(**entry));
    }
    return entries;
}

}  // namespace

Result<std::vector<ConfigEntry>> read_config_file(const std::string& path, bool named,
                                                  const po::options_description& keys) {
    struct stat link {};
    if (::lstat(path.c_str(), &link) != 0 && errno == ENOENT) {
        if (!named) {
            return std::vector<ConfigEntry>{};
        }
        return usage_error("cannot read config file {}: it does not exist", path);
    }
    if (const auto why = unusable(path); !why.empty()) {
        return usage_error("{}", why);
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return usage_error("cannot read config file {}", path);
    }
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    return parse_config_text(path, text, keys);
}

}  // namespace belay::cli
