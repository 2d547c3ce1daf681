# The SQLite belay links, chosen with BELAY_SQLITE (docs/building.md#sqlite):
#
#   bundled  (default) SQLite 3.52.0 compiled from the official amalgamation into a static library
#            of its own, libbelay-sqlite3.a; the tarball comes from the npm package `sqlite3`
#            (cmake/sqlite_pin.cmake), fetched by scripts/setup into third_party/
#   system   the system's libsqlite3 (Debian 12: libsqlite3-dev, SQLite 3.40.1)
#
# Either way the target belay_sqlite3 (belay::sqlite3, also in the installed CMake package) is
# "the SQLite belay runs on": belay's layers, its tests and a program that embeds belay link it,
# so that one process holds one copy of SQLite (two copies in one process can corrupt a database:
# each keeps its own POSIX locks). After this file:
#   BELAY_SQLITE_VERSION  the SQLite version linked, e.g. 3.52.0 (the system's: from its header)
#   BELAY_SQLITE_BUNDLED  ON or OFF
set(BELAY_SQLITE bundled CACHE STRING "Which SQLite belay links: bundled (SQLite ${BELAY_SQLITE_BUNDLED_VERSION}, compiled from the tarball scripts/setup fetches) or system (the system's libsqlite3)")
set_property(CACHE BELAY_SQLITE PROPERTY STRINGS bundled system)
include(${CMAKE_CURRENT_LIST_DIR}/sqlite_pin.cmake)

if(BELAY_SQLITE STREQUAL "system")
  find_package(SQLite3 REQUIRED)
  add_library(belay_sqlite3 INTERFACE)
  target_link_libraries(belay_sqlite3 INTERFACE SQLite::SQLite3)
  set(BELAY_SQLITE_VERSION ${SQLite3_VERSION})
  set(BELAY_SQLITE_BUNDLED OFF)
elseif(BELAY_SQLITE STREQUAL "bundled")
  include(${CMAKE_CURRENT_LIST_DIR}/sqlite_bundled.cmake)
  set(BELAY_SQLITE_VERSION ${BELAY_SQLITE_BUNDLED_VERSION})
  set(BELAY_SQLITE_BUNDLED ON)
else()
  message(FATAL_ERROR "BELAY_SQLITE is '${BELAY_SQLITE}': it must be bundled (the default) or "
                      "system")
endif()
add_library(belay::sqlite3 ALIAS belay_sqlite3)
set_target_properties(belay_sqlite3 PROPERTIES EXPORT_NAME sqlite3)
message(STATUS "belay links SQLite ${BELAY_SQLITE_VERSION} (BELAY_SQLITE=${BELAY_SQLITE})")
