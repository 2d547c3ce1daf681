# CPack: `cpack -G DEB` in the build directory (scripts/package) makes two Debian packages:
#   belay_<version>_<arch>.deb         the binary, its man page, bash completion and manual;
#                                      Depends computed by dpkg-shlibdeps from the binary
#   libbelay-dev_<version>_<arch>.deb  libbelay.a, include/belay/ and the CMake package, with
#                                      the -dev packages a static libbelay needs to link
# Both descriptions say which SQLite they carry: a bundled build's binary has SQLite compiled in
# (no libsqlite3-0 in its Depends) and its -dev package holds libbelay-sqlite3.a and sqlite3.h;
# a system build's depend on Debian's libsqlite3.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME belay)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "belay")
set(CPACK_PACKAGE_CONTACT "belay maintainers <maintainers@belay.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime development)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)

if(BELAY_SQLITE_BUNDLED)
  set(BELAY_SQLITE_DEV_DEPENDS "")
  set(BELAY_SQLITE_WORDS
      " It carries its own SQLite ${BELAY_SQLITE_VERSION}, compiled in from the official
 sqlite-autoconf release; it does not use the system's libsqlite3.")
  set(BELAY_SQLITE_DEV_WORDS
      " It carries SQLite ${BELAY_SQLITE_VERSION}, compiled from the official sqlite-autoconf
 release: libbelay-sqlite3.a and its sqlite3.h (include/belay/sqlite3/), the target
 belay::sqlite3.")
else()
  set(BELAY_SQLITE_DEV_DEPENDS "libsqlite3-dev, ")
  set(BELAY_SQLITE_WORDS
      " It runs on the system's SQLite (libsqlite3-0; built against ${BELAY_SQLITE_VERSION}).")
  set(BELAY_SQLITE_DEV_WORDS
      " It links the system's SQLite (libsqlite3-dev; built against ${BELAY_SQLITE_VERSION}),
 the target belay::sqlite3.")
endif()

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME belay)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION database)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
    "Backup-first schema migrations for SQLite
 belay takes a verified online snapshot of an SQLite database before every run, then applies
 versioned SQL migrations one step at a time, each in its own transaction, validated and
 bounded by a timeout. It restores, prunes and checks backups for recovery.
 .
${BELAY_SQLITE_WORDS}")

set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME libbelay-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
# libbelay.a is compiled against this fmt and spdlog (their headers are part of its ABI), so
# the -dev package asks for exactly the versions it was built with; g++ 12 for C++23's
# <expected> in the headers.
function(belay_installed_version package out)
  execute_process(COMMAND dpkg-query -W -f=\${Version} ${package} OUTPUT_VARIABLE version
                  RESULT_VARIABLE status ERROR_QUIET)
  if(status EQUAL 0 AND version)
    set(${out} "${package} (= ${version})" PARENT_SCOPE)
  else()
    set(${out} "${package}" PARENT_SCOPE)
  endif()
endfunction()
belay_installed_version(libfmt-dev BELAY_FMT_DEPENDS)
belay_installed_version(libspdlog-dev BELAY_SPDLOG_DEPENDS)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS
    "${BELAY_SQLITE_DEV_DEPENDS}libssl-dev, zlib1g-dev, ${BELAY_FMT_DEPENDS}, ${BELAY_SPDLOG_DEPENDS}, g++ (>= 4:12), cmake (>= 3.25)")
set(CPACK_COMPONENT_DEVELOPMENT_DESCRIPTION
    "Backup-first schema migrations for SQLite (C++ library)
 The belay library for programs that migrate their own SQLite database at start-up, with a
 verified snapshot first: headers (belay/belay.hpp), a static library and a CMake package
 (find_package(belay), target belay::belay).
 .
${BELAY_SQLITE_DEV_WORDS} A program links it for its own SQLite calls, so
 that it holds one SQLite.")

include(CPack)
