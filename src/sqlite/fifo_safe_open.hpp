// Opening a file never blocks on a FIFO: belay refuses a FIFO at a database's name before it
// opens it, but the name can be swapped for one between that check and SQLite's open(2), and a
// FIFO opened for reading waits for a writer that never comes (a fleet run would hang on one
// tenant). So every open(2) of SQLite's unix VFS runs with O_NONBLOCK, and a FIFO or socket it
// reaches is closed again and reported as ENXIO: SQLite then says it cannot open the file.
#pragma once

namespace belay::sqlite {

// Replaces the unix VFS's open(2) (sqlite3_vfs::xSetSystemCall) once per process; every later
// call does nothing. Database::open calls it before its first open.
void install_fifo_safe_open();

}  // namespace belay::sqlite
