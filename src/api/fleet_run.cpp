#include "api/fleet_run.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "belay/cancellation.hpp"
#include "core/backup_directory_index.hpp"
#include "core/utc_time.hpp"

namespace belay::fleet {

namespace {

constexpr std::size_t k_slowest = 5;

enum class Known : char { no, success, failure };

class Runner {
  public:
    Runner(const Run& run, FleetSummary& summary)
        : m_run(run), m_summary(summary), m_known(run.members->size(), Known::no) {}

    void run_all() {
        const auto total = m_run.members->size();
        take_earlier_results();
        const auto canary_end =
            std::min<std::size_t>(static_cast<std::size_t>(m_run.canary), total);
        run_range(0, canary_end);
        if (!stopping() && canary_failed(canary_end)) {
            stop("canary",
                 fmt::format("a canary database (one of the first {}) did not succeed; no other "
                             "database was started",
                             canary_end));
        }
        run_range(canary_end, total);
        if (cancellation_requested() && m_summary.stopped.empty()) {
            stop("interrupted",
                 "interrupted by a signal; the databases already started finished "
                 "or rolled back");
        }
        mark_not_started();
    }

  private:
    void take_earlier_results() {
        for (std::size_t i = 0; i < m_run.earlier.size(); ++i) {
            if (m_run.earlier[i]) {
                record(i, *m_run.earlier[i]);
                ++m_done;
            }
        }
    }

    bool canary_failed(std::size_t canary_end) const {
        return std::any_of(m_known.begin(), m_known.begin() + static_cast<long>(canary_end),
                           [](Known known) { return known == Known::failure; });
    }

    bool stopping() const { return m_stop.load() || cancellation_requested(); }

    void run_range(std::size_t begin, std::size_t end) {
        if (begin >= end || stopping()) {
            return;
        }
        m_next = begin;
        const auto threads =
            std::min<std::size_t>(static_cast<std::size_t>(m_run.jobs), end - begin);
        std::vector<std::jthread> workers;
        workers.reserve(threads);
        for (std::size_t t = 0; t < threads; ++t) {
            workers.emplace_back([this, end] { work(end); });
        }
    }

    void work(std::size_t end) {
        while (!stopping()) {
            const auto index = m_next.fetch_add(1);
            if (index >= end) {
                return;
            }
            if (m_known[index] == Known::no) {
                run_one(index);
            }
        }
    }

    void run_one(std::size_t index) {
        if (m_run.journal != nullptr) {
            if (auto ok = m_run.journal->append({{"start", index}}); !ok) {
                stop("journal", ok.error().message);
                return;
            }
        }
        const auto result = m_run.action((*m_run.members)[index], index);
        if (m_run.journal != nullptr) {
            if (auto ok = m_run.journal->append(end_line(index, result)); !ok) {
                stop("journal", ok.error().message);
            }
        }
        const std::lock_guard lock(m_mutex);
        record(index, result);
        ++m_done;
        if (m_run.max_failures && m_failures >= static_cast<std::size_t>(*m_run.max_failures) &&
            !m_stop.load()) {
            stop_locked("max_failures",
                        fmt::format("{} databases did not succeed (the limit is {}); no more "
                                    "were started",
                                    m_failures, *m_run.max_failures));
        }
        if (m_run.on_progress) {
            m_run.on_progress(FleetProgress{.done = m_done,
                                            .total = m_run.members->size(),
                                            .failures = m_failures,
                                            .last = &result});
        }
    }

    void record(std::size_t index, const FleetResult& result) {
        // A signal stopped it: it is not finished, and neither is the run.
        m_unfinished = m_unfinished || result.outcome == FleetOutcome::interrupted;
        const bool success = is_success(result.outcome);
        m_known[index] = success ? Known::success : Known::failure;
        m_failures += success ? 0 : 1;
        add_result(m_summary, result);
    }

    void stop(const char* kind, const std::string& reason) {
        const std::lock_guard lock(m_mutex);
        stop_locked(kind, reason);
    }

    void stop_locked(const char* kind, const std::string& reason) {
        if (m_stop.exchange(true)) {
            return;
        }
        m_summary.stopped = reason;
        m_summary.stopped_kind = kind;
        if (m_run.journal != nullptr) {
            // A journal that cannot take this line says as much by its missing end lines.
            (void)m_run.journal->append({{"stopped", reason}, {"kind", kind}});
        }
    }

    void mark_not_started() {
        bool left = false;
        for (std::size_t i = 0; i < m_known.size(); ++i) {
            if (m_known[i] == Known::no) {
                FleetResult result;
                result.database = (*m_run.members)[i].path.string();
                result.outcome = FleetOutcome::not_started;
                add_result(m_summary, result);
                left = true;
            }
        }
        left = left || m_unfinished;
        m_summary.finished = !left;
        if (!left && m_run.journal != nullptr) {
            (void)m_run.journal->append(
                {{"finished", iso8601_utc(std::chrono::system_clock::now())}});
        }
    }

    const Run& m_run;
    FleetSummary& m_summary;
    std::vector<Known> m_known;
    std::mutex m_mutex;
    std::atomic<std::size_t> m_next{0};
    std::atomic<bool> m_stop{false};
    std::size_t m_done = 0;
    bool m_unfinished = false;  // a database ended interrupted
    std::size_t m_failures = 0;
};

// A directory with this many databases' snapshots is watched rather than listed by each: below
// it a listing is cheap, and a watch is a kernel resource this user has a limited number of.
constexpr std::size_t k_watch_from = 8;

std::vector<std::filesystem::path> shared_backup_directories(const Run& run) {
    if (run.snapshots == nullptr) {
        return {};
    }
    std::map<std::filesystem::path, std::size_t> databases;
    auto options = *run.snapshots;
    for (const auto& member : *run.members) {
        options.database = member.path;
        ++databases[options.backup_directory()];
    }
    std::vector<std::filesystem::path> shared;
    for (const auto& [directory, count] : databases) {
        if (count >= k_watch_from) {
            shared.push_back(directory.empty() ? std::filesystem::path(".") : directory);
        }
    }
    return shared;
}

}  // namespace

namespace {

constexpr int k_max_jobs = 256;
// What one database's run may hold open at once: the database, its -wal, -shm and -journal,
// the run lock, a backup and its temporary, a scratch copy and directories being synced.
constexpr rlim_t k_descriptors_per_job = 16;
constexpr rlim_t k_descriptors_spare = 32;

// Raises the limit of open files to what `jobs` databases at a time need (up to the hard
// limit); fails naming both when the hard limit is too low, before any database is opened
// (out of descriptors, a healthy database would be reported unreadable).
Result<void> make_room_for_jobs(int jobs) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return {};
    }
    // Descriptors open already (inherited from the parent, say) are not free for the jobs.
    std::error_code ec;
    rlim_t open_now = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        ++open_now;
    }
    const rlim_t needed =
        k_descriptors_spare + open_now + k_descriptors_per_job * static_cast<rlim_t>(jobs);
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
        const rlim_t wanted =
            limit.rlim_max == RLIM_INFINITY ? needed : std::min(needed, limit.rlim_max);
        limit.rlim_cur = wanted;
        (void)::setrlimit(RLIMIT_NOFILE, &limit);
        if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < needed) {
            if (jobs == 1) {
                return fail(ErrorCode::invalid_input,
                            "one database at a time needs about {} open files ({} are open "
                            "already), and this process may open only {}: raise the limit "
                            "(ulimit -n)",
                            needed, open_now, limit.rlim_cur);
            }
            return fail(ErrorCode::invalid_input,
                        "{} {} needs about {} open files ({} are open already), and this process "
                        "may open only {} (ulimit -n); lower {} or raise the limit",
                        Option::jobs, jobs, needed, open_now, limit.rlim_cur, Option::jobs);
        }
    }
    return {};
}

}  // namespace

Result<void> prepare_jobs(int jobs) {
    if (jobs < 1 || jobs > k_max_jobs) {
        return fail(ErrorCode::invalid_input, "{} {}: run 1 to {} databases at a time",
                    Option::jobs, jobs, k_max_jobs);
    }
    return make_room_for_jobs(jobs);
}

void run_members(const Run& run, FleetSummary& summary) {
    const BackupDirectoryWatch watch(shared_backup_directories(run));
    Runner runner(run, summary);
    runner.run_all();
    finish_summary(summary);
}

void add_result(FleetSummary& summary, const FleetResult& result) {
    ++summary.counts[static_cast<std::size_t>(result.outcome)];
    const bool not_started = result.outcome == FleetOutcome::not_started;
    if (summary.list_all || (!is_success(result.outcome) && !not_started)) {
        summary.attention.push_back(result);
    }
    if (not_started) {
        return;
    }
    auto& slowest = summary.slowest;
    const auto slower = [](const FleetResult& a, const FleetResult& b) {
        return a.duration_ms > b.duration_ms;
    };
    if (slowest.size() < k_slowest || slower(result, slowest.back())) {
        slowest.insert(std::upper_bound(slowest.begin(), slowest.end(), result, slower), result);
        if (slowest.size() > k_slowest) {
            slowest.pop_back();
        }
    }
}

void finish_summary(FleetSummary& summary) {
    std::ranges::stable_sort(summary.attention, {}, &FleetResult::database);
}

}  // namespace belay::fleet
