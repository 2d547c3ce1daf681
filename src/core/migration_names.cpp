#include <string>
#include <string_view>

#include "belay/create.hpp"

namespace belay {

std::string normalise_migration_name(std::string_view name) {
    const auto is_upper = [](char c) { return c >= 'A' && c <= 'Z'; };
    const auto is_lower_or_digit = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    };
    std::string result;
    bool pending_separator = false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        if (!is_upper(c) && !is_lower_or_digit(c)) {
            pending_separator = !result.empty();
            continue;
        }
        // CamelCase words: "AddUsers" -> add_users, "HTTPServer" -> http_server.
        const bool word_starts =
            is_upper(c) && i > 0 &&
            (is_lower_or_digit(name[i - 1]) || (is_upper(name[i - 1]) && i + 1 < name.size() &&
                                                name[i + 1] >= 'a' && name[i + 1] <= 'z'));
        if ((pending_separator || word_starts) && !result.empty()) {
            result += '_';
        }
        pending_separator = false;
        result += is_upper(c) ? static_cast<char>(c | 0x20) : c;
    }
    return result;
}

std::string increment_version(std::string_view digits) {
    std::string result(digits.empty() ? "0" : digits);
    for (auto it = result.rbegin(); it != result.rend(); ++it) {
        if (*it != '9') {
            ++*it;
            return result;
        }
        *it = '0';
    }
    return "1" + result;
}

}  // namespace belay
