// A private temporary directory for rehearsals (the dry run's copy, the round trip's database).
#pragma once

#include <filesystem>
#include <string_view>

#include "core/error.hpp"

namespace belay {

// Made under $TMPDIR (else /tmp) with mkdtemp, and removed with its content when the object
// goes (also on error and on SIGINT/SIGTERM, which end a run through the normal return path).
class ScratchDirectory {
  public:
    // `purpose` starts the directory's name ("belay-dry-run" -> belay-dry-run-XXXXXX). Fails
    // with invalid_input naming the base directory when it cannot be made.
    static Result<ScratchDirectory> create(std::string_view purpose);
    ScratchDirectory(ScratchDirectory&& other) noexcept;
    ScratchDirectory& operator=(ScratchDirectory&&) = delete;
    ~ScratchDirectory();

    const std::filesystem::path& path() const { return m_path; }

  private:
    explicit ScratchDirectory(std::filesystem::path path) : m_path(std::move(path)) {}
    std::filesystem::path m_path;
};

}  // namespace belay
