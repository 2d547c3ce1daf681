#include "core/fleet_journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/checksum.hpp"
#include "core/durable_file.hpp"

namespace belay {

namespace {

constexpr int k_journal_format = 1;

Result<void> write_all(int fd, const std::string& bytes, const std::filesystem::path& path) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const auto written = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            return fail(path, ErrorCode::step_failed, "cannot write the fleet journal {}: {}",
                        path.string(), std::strerror(errno));
        }
        done += static_cast<std::size_t>(written);
    }
    if (::fdatasync(fd) != 0) {
        return fail(path, ErrorCode::step_failed, "cannot make the fleet journal {} durable: {}",
                    path.string(), std::strerror(errno));
    }
    return {};
}

constexpr std::string_view k_link_key = R"(,"c":")";
constexpr std::size_t k_link_digits = 16;

Result<void> lock_journal(int fd, const std::filesystem::path& path) {
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        return fail(path, ErrorCode::busy,
                    "another fleet run is writing the journal {}; wait for it to end",
                    path.string());
    }
    return {};
}

// The length of the journal up to its last complete line.
Result<off_t> complete_length(int fd, const std::filesystem::path& path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        return fail(path, ErrorCode::invalid_input, "cannot read {}: {}", path.string(),
                    std::strerror(errno));
    }
    off_t end = st.st_size;
    char c = 0;
    while (end > 0 && ::pread(fd, &c, 1, end - 1) == 1 && c != '\n') {
        --end;
    }
    return end;
}

std::string text_or_empty(const nlohmann::json& line, const char* key) {
    const auto it = line.find(key);
    return it != line.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string journal_link(std::string_view previous, std::string_view body) {
    std::string text(previous);
    text += '\n';
    text += body;
    return sha256_hex(text).substr(0, k_link_digits);
}

std::optional<std::pair<std::string, std::string_view>> split_link(std::string_view line) {
    const auto tail = k_link_key.size() + k_link_digits + 2;  // the key, the digits, "}
    if (line.size() <= tail || !line.ends_with("\"}") ||
        line.substr(line.size() - tail, k_link_key.size()) != k_link_key) {
        return std::nullopt;
    }
    auto link = std::string(line.substr(line.size() - k_link_digits - 2, k_link_digits));
    return std::pair{std::move(link), line.substr(0, line.size() - tail)};
}

std::string FleetJournal::chained(const nlohmann::ordered_json& line) {
    auto body = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    body.pop_back();  // the closing brace: the link goes before it
    m_chain = journal_link(m_chain, body);
    return body + std::string(k_link_key) + m_chain + "\"}\n";
}

Result<FleetJournal> FleetJournal::create(const std::filesystem::path& path,
                                          const nlohmann::ordered_json& header,
                                          const std::vector<FleetMember>& members) {
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::symlink_status(path, ec))) {
        return fail(
            path, ErrorCode::invalid_input,
            "the fleet journal {} exists already; a journal is never overwritten: name a "
            "new one (another run may have just taken that name, or be running under it), or, "
            "if its run ended before it finished, finish it with {}",
            path.string(),
            run(Command::fleet_resume,
                {Argument{.option = std::nullopt, .value = path.string(), .placeholder = false}}));
    }
    auto fd = create_exclusive(path, FileOwnership{.mode = 0644});
    if (!fd) {
        return fail(path, ErrorCode::invalid_input, "cannot create the fleet journal {}: {}",
                    path.string(), fd.error().message);
    }
    FleetJournal journal(*fd, path);
    BELAY_TRY(lock_journal(*fd, path));
    std::string text = journal.chained(header);
    for (const auto& member : members) {
        nlohmann::ordered_json line{{"select", member.path.string()}};
        if (!member.problem.empty()) {
            line["problem"] = member.problem;
        } else {
            line["dev"] = member.device;
            line["ino"] = member.inode;
        }
        text += journal.chained(line);
    }
    BELAY_TRY(write_all(*fd, text, path));
    const auto parent =
        path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    BELAY_TRY(sync_directory(parent));
    return journal;
}

Result<FleetJournal> FleetJournal::reopen(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        return fail(path, ErrorCode::invalid_input, "cannot open the fleet journal {}: {}",
                    path.string(), std::strerror(errno));
    }
    FleetJournal journal(fd, path);
    BELAY_TRY(lock_journal(fd, path));
    auto length = complete_length(fd, path);
    BELAY_TRY(length);
    if (::ftruncate(fd, *length) != 0 || ::fsync(fd) != 0) {
        return fail(path, ErrorCode::invalid_input, "cannot cut the unfinished last line of {}: {}",
                    path.string(), std::strerror(errno));
    }
    BELAY_TRY(journal.read_last_link(*length));
    return journal;
}

FleetJournal::FleetJournal(FleetJournal&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)),
      m_path(std::move(other.m_path)),
      m_chain(std::move(other.m_chain)),
      m_failed(std::move(other.m_failed)),
      m_mutex(std::move(other.m_mutex)) {}

FleetJournal::~FleetJournal() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

Result<void> FleetJournal::append(const nlohmann::ordered_json& line) {
    const std::lock_guard lock(*m_mutex);
    if (m_failed) {
        return std::unexpected(*m_failed);
    }
    // After a failure the line may be whole, cut short or missing, and may not be durable:
    // nothing more is written after it, so the journal ends there for a resume to read (and
    // cut off a torn end).
    auto written = write_all(m_fd, chained(line), m_path);
    if (!written) {
        m_failed = written.error();
    }
    return written;
}

Result<void> FleetJournal::read_last_link(off_t length) {
    // The last complete line ends at `length`; it is at most a few kilobytes long.
    std::string tail(std::min<off_t>(length, 1 << 20), '\0');
    const auto start = length - static_cast<off_t>(tail.size());
    if (::pread(m_fd, tail.data(), tail.size(), start) != static_cast<ssize_t>(tail.size())) {
        return fail(m_path, ErrorCode::invalid_input, "cannot read {}: {}", m_path.string(),
                    std::strerror(errno));
    }
    if (!tail.empty() && tail.back() == '\n') {
        tail.pop_back();
    }
    const auto last = std::string_view(tail).substr(tail.rfind('\n') + 1);
    const auto link = split_link(last);
    if (!link) {
        return fail(m_path, ErrorCode::invalid_input,
                    "{}: its last line is not a line of a belay fleet journal", m_path.string());
    }
    m_chain = link->first;
    return {};
}

nlohmann::ordered_json end_line(std::size_t index, const FleetResult& result) {
    nlohmann::ordered_json line{{"end", index}, {"outcome", to_string(result.outcome)}};
    const auto add = [&line](const char* key, const std::string& value) {
        if (!value.empty()) {
            line[key] = value;
        }
    };
    add("before", result.version_before);
    add("after", result.version_after);
    line["steps"] = result.steps;
    add("migration", result.migration);
    add("error", result.error);
    add("snapshot", result.snapshot);
    line["ms"] = result.duration_ms;
    return line;
}

std::optional<FleetResult> result_of_end_line(const nlohmann::json& line,
                                              const std::string& database) {
    const auto outcome = fleet_outcome_from_string(text_or_empty(line, "outcome"));
    if (!outcome) {
        return std::nullopt;
    }
    FleetResult result;
    result.database = database;
    result.outcome = *outcome;
    result.version_before = text_or_empty(line, "before");
    result.version_after = text_or_empty(line, "after");
    result.steps = line.value("steps", 0);
    result.migration = text_or_empty(line, "migration");
    result.error = text_or_empty(line, "error");
    result.snapshot = text_or_empty(line, "snapshot");
    result.duration_ms = line.value("ms", std::int64_t{0});
    return result;
}

}  // namespace belay
