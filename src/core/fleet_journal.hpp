// A fleet run's journal: one JSON document per line, each written with one write(2) and made
// durable (fdatasync) before the run goes on, so that after a crash or kill -9 it says which
// databases finished, how, and which did not. Only its last line can be cut short; reading
// skips such a line, and reopening to resume cuts it off first. Each line ends with "c": the
// first 16 hex digits of SHA-256 over the previous line's "c" and this line's text before it,
// so that a line edited, dropped or added by hand (or damaged) breaks the chain and is named.
//
//   {"belay_fleet_journal":1,"command":"migrate","started_at":...,"options":{...},"selected":N}
//   {"select":"tenants/a.db"}                     N lines, the selection in order
//   {"select":"tenants/b.db","problem":"..."}
//   {"start":0}                                    database 0 (the first selected) begins
//   {"snapshot":0,"path":"tenants/a-20261207-101500.bak"}
//   {"end":0,"outcome":"migrated","before":"2","after":"5",...}
//   {"stopped":"..."}                              no more databases will be started
//   {"resumed":"2026-12-07T10:20:00Z"}             fleet resume took over
//   {"finished":"2026-12-07T10:21:00Z"}            every database has an end
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "belay/fleet.hpp"
#include "core/error.hpp"

namespace belay {

class FleetJournal {
  public:
    // Creates `path` (it must not exist), writes the header and the selection, and makes them
    // durable with the directory entry. The journal stays locked (flock) while this object lives.
    static Result<FleetJournal> create(const std::filesystem::path& path,
                                       const nlohmann::ordered_json& header,
                                       const std::vector<FleetMember>& members);
    // Opens an existing journal to append to it (fleet resume): locks it (busy when another run
    // holds it) and cuts off a last line a crash left incomplete.
    static Result<FleetJournal> reopen(const std::filesystem::path& path);

    FleetJournal(FleetJournal&& other) noexcept;
    FleetJournal& operator=(FleetJournal&&) = delete;
    FleetJournal(const FleetJournal&) = delete;
    FleetJournal& operator=(const FleetJournal&) = delete;
    ~FleetJournal();

    // Appends one line durably; safe to call from several threads. Once an append failed (a
    // full disk, a failed fdatasync), every later one fails with that error: the journal ends
    // at the line that failed.
    Result<void> append(const nlohmann::ordered_json& line);
    const std::filesystem::path& path() const { return m_path; }

  private:
    FleetJournal(int fd, std::filesystem::path path) : m_fd(fd), m_path(std::move(path)) {}
    // `line` as text with its link in the chain, which it then extends.
    std::string chained(const nlohmann::ordered_json& line);
    // Takes the chain up from the last complete line, which ends at `length` (reopen).
    Result<void> read_last_link(off_t length);
    int m_fd = -1;
    std::filesystem::path m_path;
    std::string m_chain;            // the last line's "c"
    std::optional<Error> m_failed;  // the first append that failed
    std::unique_ptr<std::mutex> m_mutex = std::make_unique<std::mutex>();
};

// A line's link: the first 16 hex digits of SHA-256 over `previous` (the last line's link, empty
// for the first line), a newline and `body` (the line's text up to its link).
std::string journal_link(std::string_view previous, std::string_view body);
// The link a complete line ends with (`,"c":"<16 hex>"}`), and the text before it; nullopt for a
// line without one.
std::optional<std::pair<std::string, std::string_view>> split_link(std::string_view line);

// What a journal says.
struct FleetJournalContents {
    nlohmann::json header;
    std::vector<FleetMember> members;
    std::vector<bool> started;                     // per member
    std::vector<std::optional<FleetResult>> ends;  // per member: its end line, if written
    std::vector<std::string> snapshots;            // per member: the first snapshot line's path
    std::string stopped;                           // the last "stopped" line's reason
    std::string stopped_kind;                      // canary, max_failures, interrupted or journal
    bool finished = false;
    bool selection_complete = false;  // all `selected` select lines are there
};

// Reads a journal. Fails with invalid_input naming the file and line for a file that is not a
// fleet journal or a line in the middle that is not one of its lines.
Result<FleetJournalContents> read_fleet_journal(const std::filesystem::path& path);

// The end line of `result` for database `index`, and back.
nlohmann::ordered_json end_line(std::size_t index, const FleetResult& result);
std::optional<FleetResult> result_of_end_line(const nlohmann::json& line,
                                              const std::string& database);

}  // namespace belay
