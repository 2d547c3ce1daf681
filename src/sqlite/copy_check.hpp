// Checking a copy of a database: opened immutable (OpenMode::immutable_evidence), so a -journal
// or -wal beside it is never read, nothing is created beside it, and its bytes never change;
// then quick_check, its page count and its schema fingerprint.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace belay::sqlite {

// Checks a copy of `source` just written to `copy` against what was read from the source:
// quick_check, `page_count` and the schema `fingerprint`. Fails with snapshot_failed naming the
// source and what differs; when the copy cannot be checked at all, with SQLite's reason, the
// copy's path and, for a function this SQLite lacks, the schema objects that call it and what
// to do.
Result<void> verify_copy(const std::filesystem::path& copy, const std::filesystem::path& source,
                         std::int64_t page_count, const std::string& fingerprint);

// What is wrong with the database file `copy`, opened with SQLite's defences for untrusted
// files, against the `page_count` and schema `fingerprint` it should have: quick_check's
// findings, another page count, another schema, or that it is not a readable SQLite database at
// all. Empty when it is intact.
std::vector<std::string> problems_in_copy(const std::filesystem::path& copy,
                                          std::int64_t page_count, const std::string& fingerprint);

}  // namespace belay::sqlite
