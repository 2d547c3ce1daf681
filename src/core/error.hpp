// Building errors inside belay (the types are public: belay/error.hpp).
#pragma once

#include <string>
#include <utility>

#include <fmt/format.h>

#include "belay/error.hpp"

namespace belay {

// Shorthand for building an unexpected Error with a fmt-style message.
template <typename... Args>
std::unexpected<Error> fail(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
    return std::unexpected(Error{code, fmt::format(format, std::forward<Args>(args)...)});
}

// Returns a copy of `error` whose message starts with `context` ("<context>: <message>").
Error with_context(Error error, std::string_view context);

}  // namespace belay
