// The command line's words for the library's messages: an Option is its flag (--lock-timeout),
// a Call is the command to run (belay db restore --db app.db app-20261123-101500.bak), its
// values quoted for a POSIX shell where they need it.
#pragma once

#include <string>
#include <string_view>

#include "belay/error.hpp"
#include "belay/message.hpp"

namespace belay::cli {

std::string_view flag_of(Option option);
std::string words(const Message& message);
std::string words(const Call& call);
// Each word quoted for a POSIX shell where it needs it: mkdir -p 'no dir/it'\''s'.
std::string words(const ShellCommand& command);
// The error's message (its `said`, or `message` alone when the two disagree) in these words.
std::string words(const Error& error);

// `text` as one word of a POSIX shell command: as it is when it is plain, else single-quoted.
std::string shell_quote(std::string_view text);

}  // namespace belay::cli
