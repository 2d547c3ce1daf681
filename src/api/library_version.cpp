#include "belay/api.hpp"
#include "sqlite/database.hpp"

namespace belay {

std::string_view library_version() noexcept {
    return BELAY_VERSION;
}

std::string_view sqlite_library_version() noexcept {
    return sqlite::library_version();
}

std::string_view sqlite_source_id() noexcept {
    return sqlite::library_source_id();
}

bool sqlite_is_bundled() noexcept {
    return sqlite::library_is_bundled();
}

}  // namespace belay
