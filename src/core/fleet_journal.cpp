#include "core/fleet_journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

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

std::string as_line(const nlohmann::ordered_json& line) {
    return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

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

Result<FleetJournal> FleetJournal::create(const std::filesystem::path& path,
                                          const nlohmann::ordered_json& header,
                                          const std::vector<FleetMember>& members) {
    auto fd = create_exclusive(path, FileOwnership{.mode = 0644});
    if (!fd) {
        return fail(path, ErrorCode::invalid_input,
                    "cannot create the fleet journal {}: {} (a journal is never overwritten: "
                    "name a new one)",
                    path.string(), fd.error().message);
    }
    FleetJournal journal(*fd, path);
    BELAY_TRY(lock_journal(*fd, path));
    std::string text = as_line(header);
    for (const auto& member : members) {
        nlohmann::ordered_json line{{"select", member.path.string()}};
        if (!member.problem.empty()) {
            line["problem"] = member.problem;
        }
        text += as_line(line);
    }
    BELAY_TRY(write_all(*fd, text, path));
    const auto parent = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
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
    return journal;
}

FleetJournal::FleetJournal(FleetJournal&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)),
      m_path(std::move(other.m_path)),
      m_mutex(std::move(other.m_mutex)) {}

FleetJournal::~FleetJournal() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

Result<void> FleetJournal::append(const nlohmann::ordered_json& line) {
    const std::lock_guard lock(*m_mutex);
    return write_all(m_fd, as_line(line), m_path);
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
