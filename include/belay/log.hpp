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
// silences belay. Call it before belay's other calls, from one thread: it is not synchronised
// with lines being logged. Never fails.
void set_log(LogLevel level, LogSink sink = {});

}  // namespace belay
