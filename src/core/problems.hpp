// Problems found one after another and reported together as one error, a line each (loading a
// migrations directory reports every bad file at once).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "belay/error.hpp"
#include "belay/message.hpp"

namespace belay {

class Problems {
  public:
    // A problem about nothing in particular (or about more than one file).
    void add(std::string line);
    // A problem about one file or directory.
    void add(const std::filesystem::path& path, std::string line);
    // A problem at `line` of the file `path` (a migration's file, or the label of an embedded
    // migration's section).
    void add(const std::filesystem::path& path, int line, std::string text);
    // An error as a problem: its message with its terms, and what it is about (Error::subject).
    void add(Error error);
    // A problem about one file whose message names options or calls (kept as terms, for the
    // interface to word).
    void add_said(const std::filesystem::path& path, int line, Message said);

    bool empty() const { return m_lines.empty(); }
    std::size_t size() const { return m_lines.size(); }

    // The problems as one error with `code`, its message the lines joined by "\n". When every
    // problem is about the same file or directory, the error is about what the first is about
    // (that file, and the first problem's line); problems about several, or about nothing in
    // particular, are about no one thing.
    Error error(ErrorCode code = ErrorCode::invalid_input) const;

  private:
    void about(const Error::Subject& subject);

    std::vector<Message> m_lines;
    Error::Subject m_first;     // what the first problem is about
    bool m_one_subject = true;  // every problem so far is about m_first.path
};

}  // namespace belay
