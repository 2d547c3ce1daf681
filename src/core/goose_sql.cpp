#include "core/goose_sql.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

#include "belay/utf8.hpp"

namespace belay {
namespace {

using Substituted = std::expected<std::string, SubstitutionError>;

bool is_ascii_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_name_char(char c) {
    return is_ascii_letter(c) || (c >= '0' && c <= '9') || c == '_';
}

bool is_space(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// Go's strconv.Atoi: an optional sign and decimal digits that fit 64 bits.
std::optional<long long> whole_number(std::string_view text) {
    text = trimmed(text);
    if (text.starts_with('+')) {
        text.remove_prefix(1);
        if (text.starts_with('-')) {
            return std::nullopt;
        }
    }
    long long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

// `value`'s bytes from `offset`, at most `length` of them, with goose's (Go's) clamping.
std::string substring(const std::string& value, long long offset, std::optional<long long> length) {
    const auto size = static_cast<long long>(value.size());
    long long from = offset < 0 ? offset + size : offset;
    from = std::clamp(from, 0LL, size);
    long long to = size;
    if (length) {
        to = *length >= 0 ? (*length > size ? size : from + *length)
                          : std::max(*length + size, from);
        to = std::min(to, size);
    }
    return value.substr(static_cast<std::size_t>(from), static_cast<std::size_t>(to - from));
}

// One line's substitution: a recursive descent over the grammar in goose_sql.hpp. Each part is
// read with `live` false to check the whole line's syntax first (goose parses the line before it
// expands any of it), then with `live` true to expand; a default that is not used is only read.
class Substitution {
  public:
    Substitution(std::string_view line, const EnvironmentLookup& environment)
        : m_line(line), m_environment(environment) {}

    Substituted run() {
        for (const bool live : {false, true}) {
            m_pos = 0;
            auto result = expression(false, live);
            if (!result || live) {
                return result;
            }
        }
        return {};
    }

  private:
    Substituted fail(std::size_t begin, std::size_t end, std::string reason) const {
        return std::unexpected(SubstitutionError{begin, std::min(end, m_line.size()), reason});
    }

    std::optional<std::string> lookup(const std::string& name, bool live) const {
        return live ? m_environment(name) : std::nullopt;
    }

    Substituted expression(bool nested, bool live);
    Substituted expansion(bool live);
    Substituted braced(std::size_t dollar, bool live);
    Substituted operation(std::size_t dollar, const std::string& name, bool live);
    Substituted substring_of(std::size_t dollar, const std::string& name, bool live);
    std::expected<std::string, SubstitutionError> name(std::size_t dollar);

    std::string_view m_line;
    const EnvironmentLookup& m_environment;
    std::size_t m_pos = 0;
};

Substituted Substitution::expression(bool nested, bool live) {
    std::string out;
    while (m_pos < m_line.size() && !(nested && m_line[m_pos] == '}')) {
        const std::string_view rest = m_line.substr(m_pos);
        if (rest.starts_with("\\\\") || rest.starts_with("$(")) {
            out += rest.substr(0, 2);
            m_pos += 2;
        } else if (rest.starts_with("\\$") || rest.starts_with("$$")) {
            out += '$';
            m_pos += 2;
        } else if (rest.starts_with('$') && rest.size() > 1) {
            auto expanded = expansion(live);
            if (!expanded) {
                return expanded;
            }
            out += *expanded;
        } else {
            out += m_line[m_pos++];
            while (m_pos < m_line.size() && m_line[m_pos] != '$' && m_line[m_pos] != '\\' &&
                   !(nested && m_line[m_pos] == '}')) {
                out += m_line[m_pos++];
            }
        }
    }
    return out;
}

std::expected<std::string, SubstitutionError> Substitution::name(std::size_t dollar) {
    const auto not_ascii = [&](std::string_view where) {
        // Quote the whole character (its UTF-8 continuation bytes too), not half of it.
        std::size_t end = m_pos + 1;
        while (end < m_line.size() && (static_cast<unsigned char>(m_line[end]) & 0xC0) == 0x80) {
            ++end;
        }
        return fail(dollar, end,
                    fmt::format("{} a character that is not ASCII; belay reads variable names of "
                                "ASCII letters, digits and _ only (goose also takes other "
                                "letters): rename the variable, or write $$ for a literal $",
                                where));
    };
    if (m_pos >= m_line.size() || !is_ascii_letter(m_line[m_pos])) {
        if (m_pos < m_line.size() && static_cast<unsigned char>(m_line[m_pos]) >= 0x80) {
            return not_ascii("starts the variable name with");
        }
        return fail(dollar, m_pos + 1,
                    "is not a variable: goose reads a name starting with a letter after '$' (or "
                    "'${'); write $$ (or \\$) for a literal $, or put '-- +goose ENVSUB OFF' "
                    "before this line");
    }
    const std::size_t start = m_pos;
    while (m_pos < m_line.size() && is_name_char(m_line[m_pos])) {
        ++m_pos;
    }
    if (m_pos < m_line.size() && static_cast<unsigned char>(m_line[m_pos]) >= 0x80) {
        return not_ascii("goes on with");
    }
    return std::string(m_line.substr(start, m_pos - start));
}

Substituted Substitution::expansion(bool live) {
    const std::size_t dollar = m_pos++;
    if (m_line[m_pos] == '{') {
        ++m_pos;
        return braced(dollar, live);
    }
    auto variable = name(dollar);
    if (!variable) {
        return std::unexpected(variable.error());
    }
    return lookup(*variable, live).value_or("");
}

Substituted Substitution::braced(std::size_t dollar, bool live) {
    auto variable = name(dollar);
    if (!variable) {
        return std::unexpected(variable.error());
    }
    if (m_pos >= m_line.size()) {
        return fail(dollar, m_pos, "has no closing '}'");
    }
    if (m_line[m_pos] == '}') {
        ++m_pos;
        return lookup(*variable, live).value_or("");
    }
    auto result = operation(dollar, *variable, live);
    if (!result) {
        return result;
    }
    if (m_pos >= m_line.size() || m_line[m_pos] != '}') {
        return fail(dollar, m_pos, "has no closing '}'");
    }
    ++m_pos;
    return result;
}

// After "${NAME": ":-word", "-word", "?word" or ":offset[:length]", up to (not over) the "}".
Substituted Substitution::operation(std::size_t dollar, const std::string& variable, bool live) {
    const auto value = lookup(variable, live);
    const char op = m_line[m_pos++];
    if (op == ':' && m_pos < m_line.size() && m_line[m_pos] == '-') {
        ++m_pos;
        const bool use_word = value.value_or("").empty();
        auto word = expression(true, live && use_word);
        return !word || use_word ? word : Substituted(*value);
    }
    if (op == ':') {
        return substring_of(dollar, variable, live);
    }
    if (op == '-' || op == '?') {
        const bool use_word = !value.has_value();
        auto word = expression(true, live && use_word);
        if (!word || !use_word) {
            return word ? Substituted(*value) : word;
        }
        if (op == '-' || !live) {
            return word;
        }
        return fail(dollar, m_pos + 1,
                    fmt::format("needs the environment variable {} to be set ({}); set it where "
                                "belay runs, or put '-- +goose ENVSUB OFF' before this line",
                                variable, word->empty() ? "not set" : *word));
    }
    return fail(dollar, m_pos,
                fmt::format("has '{}' after the name, where goose reads '}}', ':-', '-', '?' or "
                            "':offset[:length]'",
                            op));
}

Substituted Substitution::substring_of(std::size_t dollar, const std::string& variable, bool live) {
    const auto number = [&](bool stop_at_colon) -> std::optional<long long> {
        const std::size_t start = m_pos;
        while (m_pos < m_line.size() && m_line[m_pos] != '}' &&
               !(stop_at_colon && m_line[m_pos] == ':')) {
            ++m_pos;
        }
        return whole_number(m_line.substr(start, m_pos - start));
    };
    const auto bad = [&](std::string_view what) {
        return fail(dollar, m_pos + 1,
                    fmt::format("has no whole number where goose reads the {} of "
                                "'${{NAME:offset:length}}'",
                                what));
    };
    const auto offset = number(true);
    if (!offset) {
        return bad("offset");
    }
    std::optional<long long> length;
    if (m_pos >= m_line.size() || m_line[m_pos] != '}') {
        m_pos = std::min(m_pos + 1, m_line.size());
        length = number(false);
        if (!length) {
            return bad("length");
        }
    }
    return substring(lookup(variable, live).value_or(""), *offset, length);
}

// Go's strings.TrimSpace(line) == "" for the lines goose skips.
bool is_blank_line(std::string_view line) {
    return trimmed(line).empty();
}

// goose's endsWithSemicolon: the line's last character before a "--" comment (one that is not
// inside quotes) and trailing blanks is ";".
bool ends_with_semicolon(std::string_view line) {
    char quote = 0;
    std::size_t end = line.size();
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quote != 0) {
            quote = c == quote ? 0 : quote;
        } else if (c == '\'' || c == '"' || c == '`') {
            quote = c;
        } else if (c == '-' && line.substr(i, 2) == "--") {
            end = i;
            break;
        }
    }
    return trimmed(line.substr(0, end)).ends_with(';');
}

}  // namespace

EnvironmentLookup process_environment() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        return value == nullptr ? std::nullopt : std::optional<std::string>(value);
    };
}

std::expected<std::string, SubstitutionError> substitute_variables(
    std::string_view line, const EnvironmentLookup& environment) {
    if (!is_valid_utf8(line)) {
        return std::unexpected(SubstitutionError{
            0, line.size(),
            "holds bytes that are not UTF-8, which goose's substitution would replace with "
            "U+FFFD; save the file as UTF-8, or put '-- +goose ENVSUB OFF' before this line"});
    }
    if (line.find('$') == std::string_view::npos) {
        return std::string(line);  // nothing to substitute, no escape to read
    }
    return Substitution(line, environment).run();
}

bool GooseStatements::takes(std::string_view line) const {
    return m_started || !(trimmed(line).starts_with("--") || line.empty());
}

void GooseStatements::add(std::string_view line, int line_number) {
    m_started = true;
    if (m_text_line == 0 && !is_blank_line(line)) {
        m_text_line = line_number;
    }
    if (!m_in_block && ends_with_semicolon(line)) {
        m_started = false;
        m_text_line = 0;
    }
}

void GooseStatements::statement_end() {
    m_in_block = false;
    m_started = false;
    m_text_line = 0;
}

int GooseStatements::unfinished_at_section_end() {
    const int line = m_text_line;
    *this = GooseStatements{};
    return line;
}

}  // namespace belay
