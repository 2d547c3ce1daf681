// Opening a file never blocks on a FIFO: belay refuses a FIFO at a database's name before it
// opens it, but the name can be swapped for one between that check and SQLite's open(2), and a
// FIFO opened for reading waits for a writer that never comes (a fleet run would hang on one
// tenant). So every open(2) of SQLite's unix VFS runs with O_NONBLOCK, and a FIFO or socket it
// reaches is closed again and reported as ENXIO: SQLite then says it cannot open the file.
#pragma once

#include <cstdint>
#include <optional>

namespace belay::sqlite {

// A file as stat(2) names it.
struct FileIdentity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    bool operator==(const FileIdentity&) const = default;
};

// While one lives, the first file the unix VFS's open(2) reaches on this thread is recorded:
// sqlite3_open_v2 opens the main database file first, so this is the file a connection reads,
// whatever its path named a moment before or after.
class FirstOpenRecorder {
  public:
    FirstOpenRecorder();
    ~FirstOpenRecorder();
    FirstOpenRecorder(const FirstOpenRecorder&) = delete;
    FirstOpenRecorder& operator=(const FirstOpenRecorder&) = delete;
    const std::optional<FileIdentity>& file() const { return m_file; }

  private:
    std::optional<FileIdentity> m_file;
    std::optional<FileIdentity>* m_outer = nullptr;
};

// Replaces the unix VFS's open(2) (sqlite3_vfs::xSetSystemCall) once per process; every later
// call does nothing. Database::open calls it before its first open.
void install_fifo_safe_open();

}  // namespace belay::sqlite
