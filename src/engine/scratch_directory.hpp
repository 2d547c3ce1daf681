// A private temporary directory for rehearsals (the dry run's copy, the round trip's database).
#pragma once

#include <filesystem>
#include <string_view>
#include <utility>

#include "core/error.hpp"

namespace belay::engine {

// Made under $TMPDIR (else /tmp) with mkdtemp, and removed with its content when the object
// goes (also on error and on SIGINT/SIGTERM, which end a run through the normal return path).
// A run killed with SIGKILL cannot remove its directory: the next create() of the same purpose
// by the same user removes every such directory whose owner is gone (each holds a lock on a
// file inside it while its run lives).
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
    int m_owner_fd = -1;  // the owner file, locked while this object lives
};

// Fails with invalid_input, naming `scratch` and the bytes needed and free, when `scratch` has
// not room for a copy of `database` (about its size and its -wal file's, plus a margin).
Result<void> check_room_for_copy(const std::filesystem::path& database,
                                 const std::filesystem::path& scratch);

}  // namespace belay::engine
