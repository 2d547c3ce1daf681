#include "engine/shell_quote.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include <fmt/format.h>

namespace belay::engine {

std::string shell_quote(const std::string& text) {
    const bool plain = !text.empty() && std::ranges::all_of(text, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_./=:+@%", c);
    });
    if (plain) {
        return text;
    }
    std::string quoted = "'";
    for (char c : text) {
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return quoted + "'";
}

std::string restore_command_for(const std::filesystem::path& database,
                                const std::filesystem::path& snapshot) {
    return fmt::format("belay db restore --db {} {}", shell_quote(database.string()),
                       shell_quote(snapshot.string()));
}

}  // namespace belay::engine
