// Reading a fleet journal back (fleet resume, fleet status --journal).
#include <algorithm>
#include <string_view>

#include "core/fleet_journal.hpp"
#include "core/regular_file.hpp"

namespace belay {

namespace {

constexpr std::uintmax_t k_max_journal_bytes = std::uintmax_t{1} << 32;

// The member a line's index names, or nullopt when it names none.
std::optional<std::size_t> member_index(const nlohmann::json& line, const char* key,
                                        const FleetJournalContents& contents) {
    const auto it = line.find(key);
    if (it == line.end() || !it->is_number_unsigned()) {
        return std::nullopt;
    }
    const auto index = it->get<std::size_t>();
    if (index >= contents.members.size()) {
        return std::nullopt;
    }
    return index;
}

// Applies one line after the header; false when it is not a journal line.
bool apply_line(const nlohmann::json& line, FleetJournalContents& contents) {
    if (!line.is_object()) {
        return false;
    }
    if (line.contains("select") && line["select"].is_string() && !contents.selection_complete) {
        contents.members.push_back(
            {line["select"].get<std::string>(), line.value("problem", std::string()),
             line.value("dev", std::uint64_t{0}), line.value("ino", std::uint64_t{0})});
        contents.started.push_back(false);
        contents.ends.emplace_back();
        contents.snapshots.emplace_back();
        contents.selection_complete =
            contents.members.size() == contents.header.value("selected", std::size_t{0});
        return true;
    }
    if (const auto i = member_index(line, "start", contents)) {
        contents.started[*i] = true;
        return true;
    }
    if (const auto i = member_index(line, "snapshot", contents)) {
        // The first: taken before the database's first step, the state its upgrade started from.
        if (contents.snapshots[*i].empty()) {
            contents.snapshots[*i] = line.value("path", std::string());
        }
        return true;
    }
    if (const auto i = member_index(line, "end", contents)) {
        // Only after its start, and a second end only after an interruption (a resume's).
        const auto& earlier = contents.ends[*i];
        if (!contents.started[*i] || (earlier && earlier->outcome != FleetOutcome::interrupted)) {
            return false;
        }
        contents.ends[*i] = result_of_end_line(line, contents.members[*i].path.string());
        return contents.ends[*i].has_value();
    }
    if (line.contains("stopped")) {
        contents.stopped = line.value("stopped", std::string());
        contents.stopped_kind = line.value("kind", std::string());
        return true;
    }
    if (line.contains("finished")) {
        // Only once every database has its end.
        contents.finished = std::ranges::all_of(
            contents.ends, [](const std::optional<FleetResult>& end) { return end.has_value(); });
        return contents.finished;
    }
    if (line.contains("resumed")) {
        // A resumed run goes on: an earlier interruption no longer stands.
        contents.stopped.clear();
        contents.stopped_kind.clear();
        return true;
    }
    return false;
}

}  // namespace

namespace {

Error not_a_journal(const std::filesystem::path& path) {
    return Error{ErrorCode::invalid_input,
                 fmt::format("{} is not a belay fleet journal (its first line is not a journal "
                             "header)",
                             path.string()),
                 {},
                 {.path = path, .line = 0, .migration = {}}};
}

Error edited(const std::filesystem::path& path, std::size_t number, std::string_view what) {
    return Error{ErrorCode::invalid_input,
                 fmt::format("{} line {}: {}; the journal was edited or damaged", path.string(),
                             number, what),
                 {},
                 {.path = path, .line = static_cast<int>(number), .migration = {}}};
}

bool is_header(const nlohmann::json& line) {
    return line.is_object() && line.contains("belay_fleet_journal") &&
           line["belay_fleet_journal"] == 1 && line.contains("selected") &&
           line["selected"].is_number_unsigned();
}

// Applies line `number` (its text `raw`, linked to `previous`) to `contents`.
Result<void> read_line(const std::filesystem::path& path, std::size_t number, std::string_view raw,
                       std::string& previous, FleetJournalContents& contents) {
    const auto link = split_link(raw);
    if (!link || link->first != journal_link(previous, link->second)) {
        return std::unexpected(
            number == 1 ? not_a_journal(path)
                        : edited(path, number, "it does not follow from the lines before it"));
    }
    previous = link->first;
    const auto line = nlohmann::json::parse(raw, nullptr, false);
    if (number == 1) {
        if (!is_header(line)) {
            return std::unexpected(not_a_journal(path));
        }
        contents.header = line;
        contents.selection_complete = line["selected"].get<std::size_t>() == 0;
        return {};
    }
    bool applied = false;
    try {
        applied = !line.is_discarded() && apply_line(line, contents);
    } catch (const nlohmann::json::exception&) {
        applied = false;  // a value of the wrong type
    }
    if (!applied) {
        return std::unexpected(edited(path, number, "not a line of a belay fleet journal"));
    }
    return {};
}

}  // namespace

Result<FleetJournalContents> read_fleet_journal(const std::filesystem::path& path) {
    if (const auto kind = non_regular_kind(path); !kind.empty()) {
        return fail(path, ErrorCode::invalid_input,
                    "{} is {}, not a fleet journal; give the journal file a fleet migrate wrote",
                    path.string(), kind);
    }
    auto file = RegularFile::open(path);
    BELAY_TRY(file);
    auto text = file->read_all(k_max_journal_bytes);
    BELAY_TRY(text);
    FleetJournalContents contents;
    std::string_view rest = *text;
    std::string previous;  // the last line's link
    for (std::size_t number = 1; !rest.empty(); ++number) {
        const auto newline = rest.find('\n');
        if (newline == std::string_view::npos) {
            break;  // a last line a crash cut short: it was never complete
        }
        BELAY_TRY(read_line(path, number, rest.substr(0, newline), previous, contents));
        rest.remove_prefix(newline + 1);
    }
    if (contents.header.is_null()) {
        return fail(path, ErrorCode::invalid_input, "{} is empty: not a belay fleet journal",
                    path.string());
    }
    return contents;
}

}  // namespace belay
