// What belay says while it works ("applying 0002_add_email", a skipped check, a warning), and
// where it goes. By default, warnings and errors go to stderr as "belay: <level>: <message>".
#pragma once

#include <functional>
#include <string_view>

namespace belay {

enum class LogLevel { trace, debug, info, warning, error, off };

// Receives each line at or above the chosen level; called on the thread that logs it.
using LogSink = std::function<void(LogLevel level, std::string_view message)>;

// From now on, lines at `level` and above go to `sink` (empty: stderr, as by default); `off`
// silences belay. Safe to call at any time from any thread, also while other threads log: a
// line being logged finishes with the sink it started with. Never fails.
void set_log(LogLevel level, LogSink sink = {});

}  // namespace belay
