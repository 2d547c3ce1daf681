#include "core/problems.hpp"

#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"

namespace belay {

void Problems::add(std::string line) {
    m_lines.push_back(std::move(line));
}

void Problems::add(const std::filesystem::path& path, std::string line) {
    if (m_lines.empty()) {
        m_first.path = path;
    }
    m_lines.push_back(std::move(line));
}

void Problems::add(Error error) {
    if (m_lines.empty()) {
        m_first = std::move(error.subject);
    }
    m_lines.push_back(std::move(error.message));
}

Error Problems::error(ErrorCode code) const {
    auto error = error_of(code, Message(fmt::format("{}", fmt::join(m_lines, "\n"))));
    if (m_lines.size() == 1) {
        error.subject = m_first;
    }
    return error;
}

}  // namespace belay
