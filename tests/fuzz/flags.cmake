# Included by the top-level CMakeLists.txt before any target when BELAY_FUZZ is ON: every belay
# source is then compiled with libFuzzer's coverage instrumentation and ASan + UBSan, so the fuzz
# targets in this folder see the real parser and splitter. See docs/fuzzing.md.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "BELAY_FUZZ needs clang (libFuzzer is part of clang); configure with "
                      "-DCMAKE_CXX_COMPILER=clang++-16, as scripts/fuzz does")
endif()

# libstdc++ 12 offers std::expected only when __cpp_concepts >= 202002L, which clang (through
# 18) does not claim although from clang 16 on it implements what <expected> needs (P0848,
# conditionally trivial special members). clang 14 does not: there <expected> cannot compile.
include(CheckCXXSourceCompiles)
set(BELAY_EXPECTED_PROBE [=[
#include <expected>
#include <string>
std::expected<std::string, int> f(int x) { if (x) return std::unexpected(x); return "a"; }
int main(int argc, char**) { return f(argc).has_value() ? 0 : 1; }
]=])
set(CMAKE_REQUIRED_FLAGS "-std=c++2b")
check_cxx_source_compiles("${BELAY_EXPECTED_PROBE}" BELAY_HAS_STD_EXPECTED)
if(NOT BELAY_HAS_STD_EXPECTED)
  set(BELAY_CONCEPTS_FLAGS -U__cpp_concepts -D__cpp_concepts=202002L)
  list(JOIN BELAY_CONCEPTS_FLAGS " " CMAKE_REQUIRED_FLAGS)
  string(PREPEND CMAKE_REQUIRED_FLAGS "-std=c++2b ")
  check_cxx_source_compiles("${BELAY_EXPECTED_PROBE}" BELAY_HAS_STD_EXPECTED_WITH_CONCEPTS)
  if(NOT BELAY_HAS_STD_EXPECTED_WITH_CONCEPTS)
    message(FATAL_ERROR "${CMAKE_CXX_COMPILER} ${CMAKE_CXX_COMPILER_VERSION} cannot compile "
                        "std::expected from this standard library; use clang 16 or later")
  endif()
  add_compile_options(${BELAY_CONCEPTS_FLAGS})
endif()
unset(CMAKE_REQUIRED_FLAGS)

# C++ only: a bundled SQLite (sqlite3.c, cmake/sqlite_bundled.cmake) is compiled as in every
# other build, uninstrumented, like the system's library (scripts/fuzz links that one).
add_compile_options(
  "$<$<COMPILE_LANGUAGE:CXX>:-fsanitize=fuzzer-no-link,address,undefined;-fno-sanitize-recover=undefined;-fno-omit-frame-pointer>")
add_link_options(-fsanitize=address,undefined)
