#include "sqlite/copy_check.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sqlite/database.hpp"
#include "sqlite/schema_inspection.hpp"
#include "sqlite/sqlite_hints.hpp"
#include "sqlite/statement.hpp"

namespace belay::sqlite {

namespace {

// The schema objects whose SQL mentions `function` ("generated column of table t", ...): where
// a call of a function this SQLite lacks hides. Empty when none is found or on error.
std::vector<std::string> objects_calling(Database& db, const std::string& function) {
    std::vector<std::string> found;
    auto statement = db.prepare(
        "SELECT type, name FROM sqlite_schema WHERE instr(lower(sql), lower(?1)) > 0 "
        "ORDER BY rowid");
    if (!statement) {
        return found;
    }
    statement->bind(1, function);
    // A hint's detail: an error only ends the list early.
    (void)statement->each_row([&](const Statement& row) {
        found.push_back(fmt::format("{} {}", row.column_text(0), row.column_text(1)));
    });
    return found;
}

// The cause of a failed check of `copy`, with what to do when it is a function this SQLite
// lacks: quick_check evaluates generated columns (and an index on an expression), so such a
// schema fails every check, of every copy, until the object changes.
std::string explain_check_failure(Database& copy, const Error& cause) {
    const auto function = missing_function(cause.message);
    if (function.empty()) {
        return cause.message;
    }
    const auto objects = objects_calling(copy, function);
    if (!newer_sqlite_hint(cause.message).empty()) {
        // The cause says already that the function is a newer SQLite's, and what to do.
        return fmt::format(
            "{}. The schema calls {}(){}, and SQLite checks every row of a generated column or "
            "expression index with it, so no check (and no backup) of this database can pass "
            "on this SQLite",
            cause.message, function,
            objects.empty() ? std::string()
                            : fmt::format(" (called from: {})", fmt::join(objects, ", ")));
    }
    return fmt::format(
        "{}. The schema calls {}(), which this SQLite ({}) does not have{}; SQLite checks every "
        "row of a generated column or expression index with it, so no check (and no backup) of "
        "this database can pass. Change or drop {} in a new migration (or use a belay built "
        "with an SQLite that has {}())",
        cause.message, function, library_version(),
        objects.empty() ? std::string()
                        : fmt::format(" (called from: {})", fmt::join(objects, ", ")),
        objects.empty() ? std::string("the object that calls it") : std::string("it"), function);
}

}  // namespace

Result<void> verify_copy(const std::filesystem::path& copy, const std::filesystem::path& source,
                         std::int64_t page_count, const std::string& fingerprint) {
    auto db = Database::open(copy, OpenMode::immutable_evidence);
    if (!db) {
        return fail(ErrorCode::snapshot_failed, "cannot verify the copy of {}: {}", source.string(),
                    db.error().message);
    }
    // quick_check reads every page once with a pread per page. A memory map would halve its
    // time (0.75 -> 0.41 s per GiB), but every mapped page counts in belay's resident set, which
    // then grows with the database (1 GiB for 1 GiB); belay keeps its RSS small instead.
    auto problems = check_integrity(*db, false);
    auto pages = problems ? db->query_int("PRAGMA page_count") : std::unexpected(problems.error());
    auto copied = pages ? schema_fingerprint(*db, "") : std::unexpected(pages.error());
    if (!copied) {
        return fail(ErrorCode::snapshot_failed,
                    "cannot verify the copy of {}: {}; no backup was kept", source.string(),
                    explain_check_failure(*db, copied.error()));
    }
    if (!problems->empty() || *pages != page_count || *copied != fingerprint) {
        return fail(ErrorCode::snapshot_failed,
                    "the copy of {} failed verification ({}; {} of {} pages; schema {}); no "
                    "backup was kept",
                    source.string(),
                    problems->empty() ? std::string("quick_check ok") : problems->front(), *pages,
                    page_count, *copied == fingerprint ? "matches" : "differs");
    }
    return db->close();
}

std::vector<std::string> problems_in_copy(const std::filesystem::path& copy,
                                          std::int64_t page_count, const std::string& fingerprint) {
    std::vector<std::string> problems;
    auto db = Database::open(copy, OpenMode::immutable_evidence);
    auto hardened = db ? db->harden_for_untrusted_content() : std::unexpected(db.error());
    auto integrity = hardened ? check_integrity(*db, false) : std::unexpected(hardened.error());
    if (!integrity) {
        problems.push_back("it is not a readable SQLite database: " + integrity.error().message);
        return problems;
    }
    for (const auto& problem : *integrity) {
        problems.push_back("quick_check: " + problem);
    }
    const auto pages = db->query_int("PRAGMA page_count");
    if (!pages || *pages != page_count) {
        problems.push_back(fmt::format("it has {} pages, {} were copied",
                                       pages ? fmt::to_string(*pages) : pages.error().message,
                                       page_count));
    }
    const auto schema = schema_fingerprint(*db, "");
    if (!schema) {
        problems.push_back("cannot read its schema: " + schema.error().message);
    } else if (*schema != fingerprint) {
        problems.push_back("its schema differs from the one recorded when it was taken");
    }
    return problems;
}

}  // namespace belay::sqlite
