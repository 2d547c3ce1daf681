#include "core/log.hpp"

#include <memory>
#include <mutex>
#include <utility>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace belay {

namespace {

spdlog::level::level_enum spdlog_level(LogLevel level) {
    switch (level) {
        case LogLevel::trace:
            return spdlog::level::trace;
        case LogLevel::debug:
            return spdlog::level::debug;
        case LogLevel::info:
            return spdlog::level::info;
        case LogLevel::warning:
            return spdlog::level::warn;
        case LogLevel::error:
            return spdlog::level::err;
        case LogLevel::off:
            break;
    }
    return spdlog::level::off;
}

LogLevel belay_level(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
            return LogLevel::trace;
        case spdlog::level::debug:
            return LogLevel::debug;
        case spdlog::level::info:
            return LogLevel::info;
        case spdlog::level::warn:
            return LogLevel::warning;
        default:
            return LogLevel::error;
    }
}

// Hands each message (without the pattern) to the program's function.
class FunctionSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    explicit FunctionSink(LogSink to) : m_sink(std::move(to)) {}

  protected:
    void sink_it_(const spdlog::details::log_msg& message) override {
        m_sink(belay_level(message.level),
               std::string_view(message.payload.data(), message.payload.size()));
    }
    void flush_() override {}

  private:
    LogSink m_sink;
};

std::shared_ptr<spdlog::logger> make_logger(LogLevel level, LogSink sink) {
    std::shared_ptr<spdlog::sinks::sink> target;
    if (sink) {
        target = std::make_shared<FunctionSink>(std::move(sink));
    } else {
        target = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    }
    auto made = std::make_shared<spdlog::logger>("belay", std::move(target));
    made->set_pattern("belay: %l: %v");
    made->set_level(spdlog_level(level));
    return made;
}

// Swapped whole by set_log; each line logs through a copy taken under the mutex, so a logger
// is never destroyed while a line is going through it (on this thread or another).
struct Current {
    std::mutex mutex;
    std::shared_ptr<spdlog::logger> logger = make_logger(LogLevel::warning, {});
};

Current& current() {
    static Current instance;
    return instance;
}

}  // namespace

std::shared_ptr<spdlog::logger> logger() {
    auto& state = current();
    const std::lock_guard lock(state.mutex);
    return state.logger;
}

void set_log(LogLevel level, LogSink sink) {
    auto made = make_logger(level, std::move(sink));
    auto& state = current();
    const std::lock_guard lock(state.mutex);
    state.logger.swap(made);
    // The old logger is released after the lock, and lives on in any line still going
    // through it.
}

}  // namespace belay
