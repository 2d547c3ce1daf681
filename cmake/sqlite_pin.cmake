# The SQLite belay bundles (BELAY_SQLITE=bundled, the default): the official sqlite-autoconf
# tarball, as the npm registry's `sqlite3` package carries it in its deps/ folder. The registry
# is where scripts/setup fetches it from (cmake/fetch_sqlite.cmake), by package name and
# version; the tarball's SHA-256 is pinned here and checked after every fetch and at every
# configure (cmake/sqlite.cmake), so a different file never reaches the compiler.
#
# To move to a newer SQLite: set the package version that carries it, the tarball's name and
# SQLite's version, run `cmake -P cmake/fetch_sqlite.cmake` (it refuses the new tarball and
# prints its SHA-256), check that checksum against the one sqlite.org publishes for the release,
# and set BELAY_SQLITE_TARBALL_SHA256 to it.
set(BELAY_SQLITE_NPM_PACKAGE sqlite3)
set(BELAY_SQLITE_NPM_VERSION 6.0.1)
set(BELAY_SQLITE_BUNDLED_VERSION 3.52.0)
set(BELAY_SQLITE_TARBALL sqlite-autoconf-3520000.tar.gz)
set(BELAY_SQLITE_TARBALL_SHA256 f6b50b0c103392af32a8be15b2b9d25959de9a00a70c3979128aafeaa5338b3f)
# Where scripts/setup keeps it, relative to the source tree (git-ignored).
set(BELAY_SQLITE_CACHE_DIR third_party)
