#include "sqlite/consistent_read.hpp"

#include <utility>

#include "core/log.hpp"

#include "sqlite/database.hpp"
#include "sqlite/schema_inspection.hpp"

namespace belay::sqlite {

namespace {

// Tries at pinning a WAL snapshot before the copy falls back to the backup API.
constexpr int k_pin_attempts = 20;

// Begins the read transaction on `source`. In WAL mode, also returns the wal-index header
// that transaction's snapshot is, when the header read just before BEGIN and just after the
// first read are the same (every header change increments its iChange); a writer committing
// in between makes it try again, a few times.
Result<std::optional<WalIndexHeader>> begin_pinned_read(Database& source) {
    // Outside a transaction: also opens the WAL and maps the wal-index for the reads below.
    auto mode = source.query_text("PRAGMA journal_mode");
    BELAY_TRY(mode);
    for (int attempt = 1;; ++attempt) {
        auto before = *mode == "wal" ? read_wal_index_header(source) : std::nullopt;
        BELAY_TRY(source.exec("BEGIN; SELECT count(*) FROM sqlite_schema;"));
        auto after = before ? read_wal_index_header(source) : std::nullopt;
        if (!before || (after && after->raw == before->raw)) {
            return after;
        }
        if (attempt == k_pin_attempts) {
            logger()->debug("the WAL of {} changed at every attempt to pin a snapshot",
                            source.path().string());
            return std::nullopt;
        }
        BELAY_TRY(source.exec("COMMIT"));
    }
}

}  // namespace

Result<SourceFacts> begin_consistent_read(Database& source) {
    auto pinned = begin_pinned_read(source);
    BELAY_TRY(pinned);
    auto count = source.query_int("PRAGMA page_count");
    BELAY_TRY(count);
    auto size = source.query_int("PRAGMA page_size");
    BELAY_TRY(size);
    auto fingerprint = schema_fingerprint(source, "");
    BELAY_TRY(fingerprint);
    auto mode = source.query_text("PRAGMA journal_mode");
    BELAY_TRY(mode);
    const bool wal = *mode == "wal";
    return SourceFacts{*count, *size, *fingerprint, wal,
                       wal ? *pinned : std::optional<WalIndexHeader>()};
}

std::optional<RawCopyPlan> plan_raw_copy(Database& source, const SourceFacts& facts) {
    RawCopyPlan plan{facts.page_count, facts.page_size, {}, facts.wal};
    if (!facts.wal) {
        return plan;  // the SHARED lock keeps the main file exactly the committed database
    }
    if (!facts.wal_index) {
        return std::nullopt;
    }
    const auto& header = *facts.wal_index;
    if (header.max_frame != 0 &&
        (header.page_count != facts.page_count || header.page_size != facts.page_size ||
         header.backfilled > header.max_frame)) {
        logger()->debug(
            "the wal-index of {} disagrees with its read transaction; using the "
            "backup API",
            source.path().string());
        return std::nullopt;
    }
    if (header.backfilled == header.max_frame) {
        return plan;  // every frame is in the main file already, and nothing writes it now
    }
    auto frames = latest_wal_frames(source, header);
    if (!frames) {
        logger()->debug("{}; using the backup API", frames.error().message);
        return std::nullopt;
    }
    plan.wal_frames = std::move(*frames);
    return plan;
}

Result<void> end_consistent_read(Database& source) {
    return source.exec("COMMIT");
}

}  // namespace belay::sqlite
