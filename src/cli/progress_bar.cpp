#include "progress_bar.hpp"

#include <unistd.h>

#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "command.hpp"

namespace belay::cli {

namespace {

constexpr std::int64_t k_min_bytes = 64LL * 1024 * 1024;
constexpr int k_width = 30;

class ProgressBar {
  public:
    void update(std::int64_t done, std::int64_t total, std::int64_t page_size) {
        if (total < k_min_bytes) {
            return;
        }
        const auto now = std::chrono::steady_clock::now();
        if (done < total && now - m_last_draw < std::chrono::milliseconds(100)) {
            return;
        }
        m_last_draw = now;
        const double seconds = std::chrono::duration<double>(now - m_start).count();
        const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
        const double left = rate > 0 ? static_cast<double>(total - done) / rate : 0.0;
        const int filled =
            static_cast<int>(k_width * static_cast<double>(done) / static_cast<double>(total));
        const auto pages = [page_size](std::int64_t bytes) {
            return page_size > 0 ? bytes / page_size : bytes;
        };
        print_to_stderr("\r[{:#<{}}{:<{}}] {}/{} pages  {:.1f} MB/s  ETA {:.0f}s {}", "", filled,
                        "", k_width - filled, pages(done), pages(total), rate / 1e6, left,
                        done >= total ? "\n" : "");
    }

  private:
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point m_last_draw{};
};

}  // namespace

std::function<void(std::int64_t, std::int64_t, std::int64_t)> progress_bar_for(
    const CommonOptions& options) {
    if (options.json || options.quiet || options.log_level == "off" ||
        ::isatty(STDERR_FILENO) == 0) {
        return nullptr;
    }
    auto bar = std::make_shared<ProgressBar>();
    return [bar](std::int64_t done, std::int64_t total, std::int64_t page_size) {
        bar->update(done, total, page_size);
    };
}

}  // namespace belay::cli
