# Fetches the SQLite source belay bundles (cmake/sqlite_pin.cmake) into third_party/:
#
#   cmake -P cmake/fetch_sqlite.cmake        (scripts/setup runs it)
#
# `npm pack` downloads the pinned version of the npm package (npm checks the registry's own
# integrity hash), only the sqlite-autoconf tarball is taken out of it, and that tarball's
# SHA-256 must be the pinned one: otherwise nothing is kept and this script fails. A tarball
# already in place with the pinned checksum is kept as it is (no network); one with another
# checksum is fetched again. Needs npm (scripts/setup installs Debian's).
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/sqlite_pin.cmake)
get_filename_component(source_dir ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)
set(cache ${source_dir}/${BELAY_SQLITE_CACHE_DIR})
set(target ${cache}/${BELAY_SQLITE_TARBALL})
set(package ${BELAY_SQLITE_NPM_PACKAGE}@${BELAY_SQLITE_NPM_VERSION})

if(EXISTS ${target})
  file(SHA256 ${target} have)
  if(have STREQUAL BELAY_SQLITE_TARBALL_SHA256)
    return()
  endif()
  message(STATUS "${target} has SHA-256 ${have}, not the pinned "
                 "${BELAY_SQLITE_TARBALL_SHA256}: fetching it again")
endif()

find_program(BELAY_NPM npm)
if(NOT BELAY_NPM)
  message(FATAL_ERROR "fetching SQLite ${BELAY_SQLITE_BUNDLED_VERSION} needs npm (the npm "
                      "package ${package} carries its source): run scripts/setup as root, which "
                      "installs it, or configure with -DBELAY_SQLITE=system")
endif()

string(RANDOM LENGTH 8 suffix)
set(work ${cache}/.fetch-${suffix})
file(MAKE_DIRECTORY ${work})
message(STATUS "fetching ${BELAY_SQLITE_TARBALL} (SQLite ${BELAY_SQLITE_BUNDLED_VERSION}) from "
               "the npm package ${package}")
execute_process(COMMAND ${BELAY_NPM} pack --silent ${package} WORKING_DIRECTORY ${work}
                RESULT_VARIABLE status OUTPUT_VARIABLE packed ERROR_VARIABLE npm_errors
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT status EQUAL 0 OR NOT EXISTS ${work}/${packed})
  file(REMOVE_RECURSE ${work})
  message(FATAL_ERROR "`npm pack ${package}` failed (${status}): ${npm_errors}\nbelay's bundled "
                      "SQLite comes from that package: check that the npm registry is reachable "
                      "(npm config get registry), or configure with -DBELAY_SQLITE=system")
endif()
file(ARCHIVE_EXTRACT INPUT ${work}/${packed} DESTINATION ${work}
     PATTERNS package/deps/${BELAY_SQLITE_TARBALL})
set(fetched ${work}/package/deps/${BELAY_SQLITE_TARBALL})
if(NOT EXISTS ${fetched})
  file(REMOVE_RECURSE ${work})
  message(FATAL_ERROR "the npm package ${package} has no deps/${BELAY_SQLITE_TARBALL}: "
                      "cmake/sqlite_pin.cmake names a tarball that package does not carry")
endif()
file(SHA256 ${fetched} got)
if(NOT got STREQUAL BELAY_SQLITE_TARBALL_SHA256)
  file(REMOVE_RECURSE ${work})
  message(FATAL_ERROR "${BELAY_SQLITE_TARBALL} from the npm package ${package} has SHA-256 "
                      "${got}, but belay pins ${BELAY_SQLITE_TARBALL_SHA256} "
                      "(cmake/sqlite_pin.cmake). It was not kept and nothing will be built "
                      "from it: the registry served a different file than the one belay was "
                      "tested with. Report it; to build now, configure with "
                      "-DBELAY_SQLITE=system")
endif()
file(RENAME ${fetched} ${target})
file(REMOVE_RECURSE ${work})
message(STATUS "${target}: SHA-256 ${got} as pinned")
