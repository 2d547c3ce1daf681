#include "core/error.hpp"

namespace belay {

Error with_context(Error error, std::string_view context) {
    error.message = fmt::format("{}: {}", context, error.message);
    return error;
}

}  // namespace belay
