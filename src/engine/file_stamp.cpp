#include "engine/file_stamp.hpp"

#include <sys/stat.h>

#include <string>

namespace belay::engine {

namespace {

std::int64_t nanoseconds(const timespec& time) {
    return static_cast<std::int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
}

FileStamp stamp_file(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        return {};
    }
    return FileStamp{.exists = true,
                     .inode = info.st_ino,
                     .size = static_cast<std::uintmax_t>(info.st_size),
                     .modified_ns = nanoseconds(info.st_mtim),
                     .changed_ns = nanoseconds(info.st_ctim)};
}

}  // namespace

DatabaseStamp stamp_database_files(const std::filesystem::path& database) {
    DatabaseStamp stamp{.database = stamp_file(database.string()),
                        .wal = stamp_file(database.string() + "-wal")};
    if (stamp.wal.size == 0) {
        stamp.wal = {};
    }
    return stamp;
}

}  // namespace belay::engine
