#include "core/problems.hpp"

#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"

namespace belay {

void Problems::about(const Error::Subject& subject) {
    if (m_lines.empty()) {
        m_first = subject;
        m_one_subject = !subject.path.empty();
    } else if (subject.path != m_first.path) {
        m_one_subject = false;
    }
}

void Problems::add(std::string line) {
    about({});
    m_lines.push_back(std::move(line));
}

void Problems::add(const std::filesystem::path& path, std::string line) {
    about({.path = path, .line = 0, .migration = {}});
    m_lines.push_back(std::move(line));
}

void Problems::add(const std::filesystem::path& path, int line, std::string text) {
    about({.path = path, .line = line, .migration = {}});
    m_lines.push_back(std::move(text));
}

void Problems::add(Error error) {
    about(error.subject);
    m_lines.push_back(error.what());
}

void Problems::add_said(const std::filesystem::path& path, int line, Message said) {
    about({.path = path, .line = line, .migration = {}});
    m_lines.push_back(std::move(said));
}

Error Problems::error(ErrorCode code) const {
    auto error = error_of(code, joined(m_lines, "\n"));
    if (m_one_subject) {
        error.subject = m_first;
    }
    return error;
}

}  // namespace belay
