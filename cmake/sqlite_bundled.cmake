# BELAY_SQLITE=bundled (cmake/sqlite.cmake): SQLite's amalgamation, sqlite3.c, compiled once per
# build tree into the static library belay_sqlite3 (libbelay-sqlite3.a).
set(BELAY_SQLITE_TARBALL_FILE ${PROJECT_SOURCE_DIR}/${BELAY_SQLITE_CACHE_DIR}/${BELAY_SQLITE_TARBALL}
    CACHE FILEPATH "The sqlite-autoconf tarball of the bundled SQLite (scripts/setup fetches it)")
if(NOT EXISTS ${BELAY_SQLITE_TARBALL_FILE})
  message(FATAL_ERROR
          "belay's bundled SQLite ${BELAY_SQLITE_BUNDLED_VERSION} is missing: no "
          "${BELAY_SQLITE_TARBALL_FILE}.\nRun scripts/setup (it fetches the tarball from the npm "
          "package ${BELAY_SQLITE_NPM_PACKAGE}@${BELAY_SQLITE_NPM_VERSION} and checks its "
          "SHA-256), or configure with -DBELAY_SQLITE=system to link the system's libsqlite3 "
          "(Debian: libsqlite3-dev).")
endif()
file(SHA256 ${BELAY_SQLITE_TARBALL_FILE} belay_sqlite_sha256)
if(NOT belay_sqlite_sha256 STREQUAL BELAY_SQLITE_TARBALL_SHA256)
  message(FATAL_ERROR
          "${BELAY_SQLITE_TARBALL_FILE} has SHA-256 ${belay_sqlite_sha256}, but belay pins "
          "${BELAY_SQLITE_TARBALL_SHA256} (cmake/sqlite_pin.cmake): nothing is built from it. "
          "Delete it and run scripts/setup to fetch the pinned one, or configure with "
          "-DBELAY_SQLITE=system.")
endif()

# Only the two files the library needs come out of the tarball, and only when they are not
# there yet from this very tarball: a re-configure leaves them (and their object) untouched.
set(BELAY_SQLITE_SOURCE_DIR ${CMAKE_BINARY_DIR}/sqlite-${BELAY_SQLITE_BUNDLED_VERSION})
set(belay_sqlite_stamp ${BELAY_SQLITE_SOURCE_DIR}/.sha256)
set(belay_sqlite_extracted "")
if(EXISTS ${belay_sqlite_stamp})
  file(READ ${belay_sqlite_stamp} belay_sqlite_extracted)
endif()
if(NOT belay_sqlite_extracted STREQUAL belay_sqlite_sha256
   OR NOT EXISTS ${BELAY_SQLITE_SOURCE_DIR}/sqlite3.c)
  file(REMOVE_RECURSE ${BELAY_SQLITE_SOURCE_DIR})
  string(REGEX REPLACE "\\.tar\\.gz$" "" belay_sqlite_top ${BELAY_SQLITE_TARBALL})
  file(ARCHIVE_EXTRACT INPUT ${BELAY_SQLITE_TARBALL_FILE} DESTINATION ${CMAKE_BINARY_DIR}
       PATTERNS ${belay_sqlite_top}/sqlite3.c ${belay_sqlite_top}/sqlite3.h)
  file(RENAME ${CMAKE_BINARY_DIR}/${belay_sqlite_top} ${BELAY_SQLITE_SOURCE_DIR})
  file(WRITE ${belay_sqlite_stamp} ${belay_sqlite_sha256})
endif()

enable_language(C)
add_library(belay_sqlite3 STATIC ${BELAY_SQLITE_SOURCE_DIR}/sqlite3.c)
set_target_properties(belay_sqlite3 PROPERTIES OUTPUT_NAME belay-sqlite3
                                               POSITION_INDEPENDENT_CODE ON)
# A system header for belay's code, as /usr/include/sqlite3.h is: belay's warnings are not
# SQLite's. Installed as include/belay/sqlite3/sqlite3.h (target belay::sqlite3).
target_include_directories(
  belay_sqlite3 SYSTEM PUBLIC $<BUILD_INTERFACE:${BELAY_SQLITE_SOURCE_DIR}>
                              $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/belay/sqlite3>)
# pthreads for its mutexes, libdl for extension loading, libm for the math functions.
target_link_libraries(belay_sqlite3 PUBLIC Threads::Threads ${CMAKE_DL_LIBS} m)

# sqlite3.c is belay's only C file, and it is compiled the same way whatever the build type: as
# optimized as the library it replaces (a Debug belay steps through its own code, not SQLite's),
# with SQLite's own assert()s off (NDEBUG), without the sanitizers of a sanitizer build
# (CMAKE_CXX_FLAGS; the system's libsqlite3 is not instrumented either) and without debug
# information (as Debian's library: its functions are named in a backtrace, not its lines). The
# same command line in every build tree lets ccache (CMAKE_C_COMPILER_LAUNCHER, else the C++
# one's) reuse the object across build trees and build types: with -g, ccache would also hash
# each tree's directory.
foreach(config DEBUG RELEASE RELWITHDEBINFO MINSIZEREL)
  set(CMAKE_C_FLAGS_${config} "")
endforeach()
target_compile_options(belay_sqlite3 PRIVATE -O2)
if(NOT CMAKE_C_COMPILER_LAUNCHER AND CMAKE_CXX_COMPILER_LAUNCHER)
  set_target_properties(belay_sqlite3 PROPERTIES C_COMPILER_LAUNCHER "${CMAKE_CXX_COMPILER_LAUNCHER}")
endif()

# What SQLite's own configure script finds on Debian (glibc), which a bare compile of the
# amalgamation would not assume: without HAVE_USLEEP a busy connection retries once a second
# instead of within milliseconds; pread/pwrite save a seek per page; fdatasync is what
# Debian's library syncs with; the _r time functions keep 'localtime' thread-safe.
target_compile_definitions(
  belay_sqlite3
  PRIVATE NDEBUG HAVE_FDATASYNC=1 HAVE_GMTIME_R=1 HAVE_ISNAN=1 HAVE_LOCALTIME_R=1
          HAVE_NANOSLEEP=1 HAVE_PREAD=1 HAVE_PWRITE=1 HAVE_USLEEP=1 HAVE_UTIME=1)

# Compile-time options (https://sqlite.org/compile.html). The rule: nothing a migration, a
# database or a program embedding belay may rely on today with Debian's libsqlite3 goes away or
# changes meaning. docs/building.md lists them with the same reasons.
#
# SQLite's recommended options (compile.html section 2), where they change nothing SQL can see:
target_compile_definitions(
  belay_sqlite3
  PRIVATE
    # sqlite3_status() memory accounting off: a faster malloc; nothing in belay reads it.
    SQLITE_DEFAULT_MEMSTATUS=0
    # LIKE and GLOB are false for a BLOB operand. Debian's library is built so too.
    SQLITE_LIKE_DOESNT_MATCH_BLOBS
    # Interfaces deprecated for years; belay calls none (the build would fail if it did).
    SQLITE_OMIT_DEPRECATED
    # Shared-cache mode: belay never asks for it, and SQLite discourages it. (A migration's
    # `ATTACH 'file:x?cache=shared'` still attaches x, with a cache of its own.)
    SQLITE_OMIT_SHARED_CACHE
    # alloca() for some temporary buffers instead of malloc().
    SQLITE_USE_ALLOCA
    # A function that sets a subtype must say so when registered; SQLite's built-in ones (JSON)
    # do, and belay registers none.
    SQLITE_STRICT_SUBTYPE=1)
# Recommended ones belay does not take, and why:
#   SQLITE_DQS=0                     migrations in the wild write "text" for a string literal
#                                    (Debian's library and every earlier belay accept it); DQS
#                                    stays at SQLite's default, on.
#   SQLITE_THREADSAFE=0              a program embedding belay may use SQLite from several
#                                    threads; SQLITE_THREADSAFE=1 (serialized) as Debian's.
#   SQLITE_DEFAULT_WAL_SYNCHRONOUS=1 a committed step must survive a power cut in WAL mode too:
#                                    synchronous stays FULL, as in Debian's library.
#   SQLITE_MAX_EXPR_DEPTH=0          the depth limit (1000) guards the parser's stack against
#                                    hostile schemas; a migration that passes today passes.
#   SQLITE_OMIT_DECLTYPE             belay reads columns' declared types
#                                    (sqlite3_table_column_metadata).
#   SQLITE_OMIT_PROGRESS_CALLBACK    belay's step timeout and Ctrl-C use the progress handler.
#   SQLITE_OMIT_AUTOINIT             programs embedding belay open databases without calling
#                                    sqlite3_initialize() first.
#
# Features Debian 12's libsqlite3 enables (`PRAGMA compile_options` there), so that a migration
# or a program using them works as it does today:
target_compile_definitions(
  belay_sqlite3
  PRIVATE
    SQLITE_THREADSAFE=1
    SQLITE_ENABLE_COLUMN_METADATA
    SQLITE_ENABLE_DBSTAT_VTAB
    SQLITE_ENABLE_FTS3
    SQLITE_ENABLE_FTS3_PARENTHESIS
    SQLITE_ENABLE_FTS4
    SQLITE_ENABLE_FTS5
    SQLITE_ENABLE_MATH_FUNCTIONS
    SQLITE_ENABLE_PREUPDATE_HOOK
    SQLITE_ENABLE_RTREE
    SQLITE_ENABLE_SESSION
    SQLITE_ENABLE_STMTVTAB
    SQLITE_SOUNDEX
    # Deleted content is overwritten with zeros (PRAGMA secure_delete on by default), so a
    # backup, a copy of the file, does not carry rows the database no longer holds.
    SQLITE_SECURE_DELETE
    SQLITE_USE_URI=1
    SQLITE_MAX_VARIABLE_NUMBER=250000)
# Debian options not taken, and why:
#   SQLITE_ENABLE_UPDATE_DELETE_LIMIT  `DELETE ... LIMIT` / `UPDATE ... ORDER BY ... LIMIT`:
#                                      the amalgamation's parser is generated without that
#                                      grammar, so no define can turn it on (the one SQL
#                                      difference from Debian's library: docs/building.md).
#   SQLITE_ENABLE_FTS3_TOKENIZER       the two-argument fts3_tokenizer() takes a C pointer from
#                                      SQL, which SQLite documents as a security risk; a
#                                      migration cannot use it meaningfully.
#   SQLITE_ENABLE_UNLOCK_NOTIFY        only means something in shared-cache mode (omitted).
#   SQLITE_OMIT_LOOKASIDE              a slower malloc path; nothing visible depends on it.
#   SQLITE_MAX_SCHEMA_RETRY=25         SQLite's default (50) only retries more.
