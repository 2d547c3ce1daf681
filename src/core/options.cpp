#include "belay/options.hpp"

#include <fmt/format.h>

#include "belay/utf8.hpp"
#include "core/ascii.hpp"
#include "core/durable_file.hpp"

namespace belay {

std::filesystem::path DatabaseOptions::backup_directory() const {
    if (!backup_dir.empty()) {
        return backup_dir;
    }
    // Beside the file itself, where the run lock and a restore's file live too: `--db
    // /srv/current/app.db` linked to /data/app.db keeps its backups in /data.
    return follow_symlinks(database).parent_path();
}

namespace {

// The first control character in `text` (valid UTF-8) as an escape: \x09, \x7f, \u0085 for
// the C1 controls (U+0080 to U+009F, 0xC2 0x80 to 0xC2 0x9F in UTF-8); empty when it has none.
std::string first_control_character(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x20 || byte == 0x7f) {
            return fmt::format("\\x{:02x}", byte);
        }
        const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
        if (byte == 0xc2 && next >= 0x80 && next <= 0x9f) {
            return fmt::format("\\u{:04x}", next);
        }
    }
    return "";
}

}  // namespace

std::string history_table_problem(std::string_view name) {
    if (name.empty() || starts_with_ascii_nocase(name, "belay_") ||
        starts_with_ascii_nocase(name, "sqlite_")) {
        return "the history table needs a name of its own, not empty and not starting with "
               "belay_ or sqlite_ (in any case)";
    }
    if (!is_valid_utf8(name)) {
        return "the history table's name is not valid UTF-8 (the bytes that are not are shown as "
               "\\xNN); belay names the table in its messages and JSON reports, which hold UTF-8 "
               "only: choose a UTF-8 name";
    }
    if (const auto control = first_control_character(name); !control.empty()) {
        return fmt::format(
            "the history table's name holds the control character {}; belay names the table "
            "in its messages, one line of text each: choose a name without control characters",
            control);
    }
    return "";
}

}  // namespace belay
