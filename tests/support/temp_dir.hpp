// A fresh directory per test, removed with everything in it when the test ends.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace belay::testing {

class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(std::string_view name) const { return m_path / name; }

    // Writes `contents` to `name` (creating parent folders) and returns the full path.
    std::filesystem::path write(std::string_view name, std::string_view contents) const;

  private:
    std::filesystem::path m_path;
};

// Reads a whole file as bytes; throws std::runtime_error if it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace belay::testing
