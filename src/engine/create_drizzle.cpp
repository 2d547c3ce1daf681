#include "engine/create_drizzle.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/durable_file.hpp"
#include "core/migration_drizzle.hpp"
#include "core/migration_files.hpp"
#include "core/utc_time.hpp"

namespace belay::engine {

namespace fs = std::filesystem;

namespace {

// A random (version 4) UUID, as drizzle-kit's crypto.randomUUID() gives a snapshot's id.
std::string random_uuid() {
    std::random_device device;
    std::mt19937_64 generator{(static_cast<std::uint64_t>(device()) << 32) ^ device()};
    const std::uint64_t high = (generator() & ~0xf000ULL) | 0x4000ULL;  // version 4
    const std::uint64_t low =
        (generator() & ~(0xc000ULL << 48)) | (0x8000ULL << 48);  // RFC 4122 variant
    return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xffff,
                       high & 0xffff, low >> 48, low & 0xffffffffffffULL);
}

// The newest of drizzle-kit's snapshots in meta/: the last by name of the files not starting
// with '_', as drizzle-kit picks the one a new migration follows.
std::optional<fs::path> newest_snapshot(const fs::path& folder) {
    auto listing = sorted_entries(folder / "meta");
    std::optional<fs::path> newest;
    for (const auto& entry : listing ? *listing : std::vector<ListedEntry>{}) {
        std::error_code ec;
        if (!entry.file_name().starts_with('_') && entry.file_name().ends_with(".json") &&
            entry.is_regular_file(ec)) {
            newest = entry.path();
        }
    }
    return newest;
}

// The journal's text and entries: the folder's, checked; or a new one for a folder that holds
// no .sql file yet.
Result<std::pair<std::string, std::vector<DrizzleEntry>>> current_journal(const fs::path& folder) {
    const auto path = drizzle_journal_path(folder);
    // A journal that is lost (drizzle-kit's snapshots are there) or no file is refused as a
    // run refuses it (load_drizzle_folder), not started anew beside what drizzle-kit wrote.
    if (!has_drizzle_journal(folder) && !is_drizzle_folder(folder)) {
        auto listing = sorted_entries(folder);
        BELAY_TRY(listing);
        const auto sql = std::ranges::find_if(
            *listing, [](const ListedEntry& e) { return e.file_name().ends_with(".sql"); });
        if (sql != listing->end()) {
            return fail(path, ErrorCode::invalid_input,
                        "{} does not exist, but {} holds migrations ({}): this is no folder "
                        "drizzle-kit wrote; give the right folder ({}) or the right layout ({})",
                        path.string(), folder.string(), sql->path().string(),
                        Option::migrations_dir, Option::layout);
        }
        return std::pair{new_drizzle_journal(), std::vector<DrizzleEntry>{}};
    }
    auto migrations = load_drizzle_folder(folder);
    if (!migrations) {
        return std::unexpected(with_context(migrations.error(), "cannot add a migration"));
    }
    auto journal = read_drizzle_journal(folder);
    BELAY_TRY(journal);
    auto text = read_whole_file(path);
    BELAY_TRY(text);
    return std::pair{std::move(*text), std::move(journal->entries)};
}

// The next entry: idx one past the last, "when" later than every entry's.
DrizzleEntry next_entry(const std::vector<DrizzleEntry>& entries, const std::string& name,
                        bool timestamp, std::chrono::system_clock::time_point now) {
    DrizzleEntry entry;
    entry.idx = entries.empty() ? 0 : entries.back().idx + 1;
    entry.when =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    for (const auto& earlier : entries) {
        entry.when = std::max(entry.when, earlier.when + 1);
    }
    const auto prefix =
        timestamp ? format_utc(now, "%Y%m%d%H%M%S") : fmt::format("{:04}", entry.idx);
    entry.tag = fmt::format("{}_{}", prefix, name);
    return entry;
}

// The files of the new entry that are there already were left by a db create that did not
// finish (its journal entry was never written): all named at once, rather than failed on mid-way.
Result<void> refuse_leftovers(const std::vector<std::pair<fs::path, std::string>>& files,
                              const fs::path& journal_path, const DrizzleEntry& entry) {
    std::vector<std::string> left;
    for (const auto& file : files) {
        std::error_code ec;
        if (fs::exists(fs::symlink_status(file.first, ec))) {
            left.push_back(file.first.string());
        }
    }
    if (left.empty()) {
        return {};
    }
    return fail(fs::path(left.front()), ErrorCode::invalid_input,
                "{} exist{}, but {} lists no entry {}: left from a {} that did not finish. Remove "
                "{} (and keep what you wrote there elsewhere), then run {} again. Nothing was "
                "changed",
                fmt::join(left, " and "), left.size() == 1 ? "s" : "", journal_path.string(),
                entry.idx, named(Command::create), left.size() == 1 ? "it" : "them",
                named(Command::create));
}

// Removes what an interrupted db create left half-written: the temporaries of a migration file,
// a snapshot or the journal (a live writer holds its temporary locked, so it is not one of them).
void remove_abandoned_create_temporaries(const fs::path& folder, const fs::path& journal) {
    remove_abandoned_temporaries(folder,
                                 [](std::string_view name) { return name.ends_with(".sql"); });
    remove_abandoned_temporaries(folder / "meta", [](std::string_view name) {
        return name == "_journal.json" || name.ends_with("_snapshot.json");
    });
    if (journal.parent_path() != folder / "meta") {  // a symlinked journal's directory
        const auto journal_name = journal.filename().string();
        remove_abandoned_temporaries(journal.parent_path(),
                                     [&](std::string_view name) { return name == journal_name; });
    }
}

void remove_all(const std::vector<fs::path>& files) {
    for (const auto& file : files) {
        std::error_code ec;
        fs::remove(file, ec);
    }
}

}  // namespace

Result<std::vector<fs::path>> create_drizzle_migration(const fs::path& folder,
                                                       const std::string& name, bool timestamp,
                                                       std::chrono::system_clock::time_point now) {
    auto journal = current_journal(folder);
    BELAY_TRY(journal);
    const auto entry = next_entry(journal->second, name, timestamp, now);
    const auto journal_path = drizzle_journal_path(folder);
    auto journal_text = drizzle_journal_with(journal->first, journal_path, entry);
    BELAY_TRY(journal_text);
    std::vector<std::pair<fs::path, std::string>> files{
        {folder / (entry.tag + ".sql"),
         fmt::format("-- {}: describe what this migration changes and why.\n", name)}};
    if (const auto previous = newest_snapshot(folder)) {
        auto previous_text = read_whole_file(*previous);
        BELAY_TRY(previous_text);
        auto snapshot = drizzle_custom_snapshot(*previous_text, *previous, random_uuid());
        BELAY_TRY(snapshot);
        files.emplace_back(
            folder / "meta" / (entry.tag.substr(0, entry.tag.find('_')) + "_snapshot.json"),
            std::move(*snapshot));
    }
    BELAY_TRY(refuse_leftovers(files, journal_path, entry));
    std::error_code ec;
    const auto target =
        fs::is_symlink(journal_path, ec) ? fs::canonical(journal_path, ec) : journal_path;
    remove_abandoned_create_temporaries(folder, target);
    fs::create_directories(folder / "meta", ec);
    std::vector<fs::path> written;
    for (const auto& [path, contents] : files) {
        if (auto ok = write_new_file_durably(path, contents, FileOwnership{}); !ok) {
            remove_all(written);
            return std::unexpected(ok.error());
        }
        written.push_back(path);
    }
    // A symlinked journal is replaced where it points (target), so that the link stays and the
    // file the project shares gets the entry.
    auto ownership =
        has_drizzle_journal(folder) ? ownership_of(target) : Result<FileOwnership>(FileOwnership{});
    auto ok = ownership
                  ? write_new_file_durably(target, *journal_text, *ownership, ExistingFile::replace)
                  : Result<void>(std::unexpected(ownership.error()));
    if (!ok) {
        remove_all(written);
        return std::unexpected(ok.error());
    }
    written.push_back(target);
    return written;
}

}  // namespace belay::engine
