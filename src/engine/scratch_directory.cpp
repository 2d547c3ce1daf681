#include "engine/scratch_directory.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace belay {

Result<ScratchDirectory> ScratchDirectory::create(std::string_view purpose) {
    std::error_code ec;
    auto base = std::filesystem::temp_directory_path(ec);
    if (ec) {
        base = "/tmp";
    }
    std::string pattern = (base / (std::string(purpose) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        return fail(ErrorCode::invalid_input,
                    "cannot create a scratch directory under {}: {}; set TMPDIR to a writable "
                    "directory",
                    base.string(), std::strerror(errno));
    }
    return ScratchDirectory(pattern);
}

ScratchDirectory::ScratchDirectory(ScratchDirectory&& other) noexcept
    : m_path(std::move(other.m_path)) {
    other.m_path.clear();
}

ScratchDirectory::~ScratchDirectory() {
    if (!m_path.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
}

}  // namespace belay
