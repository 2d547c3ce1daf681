// Files that are either complete or absent: every file belay writes is born under a temporary
// name with its final mode, flushed, then renamed without ever replacing an existing file.
// OS errors are turned into Error values here, in one place, naming the path and errno's text.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace belay {

// A fresh name beside `path` for a file that becomes `path` once complete:
// "<path>.tmp-<16 random hex digits>".
std::filesystem::path temporary_sibling(const std::filesystem::path& path);

// Who should own a new file and with which permission bits (taken from the database file).
struct FileOwnership {
    mode_t mode = 0644;
    uid_t uid = static_cast<uid_t>(-1);  // -1: leave as created
    gid_t gid = static_cast<gid_t>(-1);
};

// The mode bits (permission bits only) and owner of `path`; fails if it cannot be stat'ed.
Result<FileOwnership> ownership_of(const std::filesystem::path& path);

// Creates `path` exclusively (O_CREAT|O_EXCL|O_NOFOLLOW) with `ownership.mode` from the first
// moment (umask does not widen or narrow it), chowns it when running as root, and returns the
// open descriptor. Fails if the path exists, is a symlink, or cannot be created.
Result<int> create_exclusive(const std::filesystem::path& path, const FileOwnership& ownership);

// A temporary file being written, held with an exclusive flock for as long as this object
// lives, so that remove_abandoned_temporaries can tell it from one a killed process left.
class HeldTemporary {
  public:
    // create_exclusive + hold. Fails like create_exclusive.
    static Result<HeldTemporary> create(const std::filesystem::path& path,
                                        const FileOwnership& ownership);
    // Takes the exclusive flock on `fd`, just created at `path` by create_exclusive. Until it
    // holds the lock, another process's remove_abandoned_temporaries cannot tell the file from
    // an abandoned one and may remove it: once locked, the file is checked to be still the one
    // at `path`, and created afresh (and locked) when it is not. Waits for a process that holds
    // the lock meanwhile (a sweep, for as long as it takes to unlink). Takes `fd` over, closing
    // it on failure.
    static Result<HeldTemporary> hold(int fd, const std::filesystem::path& path,
                                      const FileOwnership& ownership);
    HeldTemporary(HeldTemporary&& other) noexcept;
    HeldTemporary& operator=(HeldTemporary&&) = delete;
    ~HeldTemporary();  // closes (releasing the lock); the file itself stays unless removed
    int fd() const { return m_fd; }

  private:
    explicit HeldTemporary(int fd) : m_fd(fd) {}
    int m_fd;
};

// The final name a temporary from temporary_sibling stands for: "x.bak" for
// "x.bak.tmp-0123456789abcdef"; std::nullopt for any other name.
std::optional<std::string> final_name_of_temporary(std::string_view name);

// Removes files in `directory` that temporary_sibling named for a final name `is_ours` accepts
// (with any "-journal", "-wal" or "-shm" beside them, and such files left without their
// temporary) when no live process holds them: what a killed belay left behind. Every other file
// stays. Returns how many it removed; errors are ignored (the files simply stay).
int remove_abandoned_temporaries(const std::filesystem::path& directory,
                                 const std::function<bool(std::string_view)>& is_ours);
// The same over `names`, the entries of `directory` a caller already knows of (a watched
// directory's temporaries, backup_directory_index.hpp) instead of a listing.
int remove_abandoned_temporaries(const std::filesystem::path& directory,
                                 const std::function<bool(std::string_view)>& is_ours,
                                 const std::vector<std::string>& names);

// True for a temporary's name (final_name_of_temporary) and for the "-journal", "-wal" and
// "-shm" names beside one.
bool is_temporary_name(std::string_view name);

// The names in `directory` that is_temporary_name accepts, from a listing.
std::vector<std::string> list_temporaries(const std::filesystem::path& directory);

// Whether a live process holds (is still writing) a temporary for `final_name` in `directory`.
// A temporary this user may not open to tell counts as held.
bool has_live_temporary(const std::filesystem::path& directory, std::string_view final_name);
// The same among `names`, the temporaries of `directory` a caller already knows of.
bool has_live_temporary(const std::filesystem::path& directory, std::string_view final_name,
                        const std::vector<std::string>& names);

// fsync of a file by path, and of a directory (so that a rename in it is durable).
Result<void> sync_file(const std::filesystem::path& path);

// fsync of an open file on a thread of its own, so that the caller can verify and hash the
// file while the kernel writes it out. `fd` must stay open until wait() returns or the object
// is destroyed (which waits too).
class BackgroundFlush {
  public:
    BackgroundFlush(int fd, std::filesystem::path path);
    BackgroundFlush(BackgroundFlush&&) = default;
    BackgroundFlush& operator=(BackgroundFlush&&) = default;
    ~BackgroundFlush() = default;  // the future's destructor waits for the thread

    // Waits for the fsync; fails naming the path if it failed. Call once.
    Result<void> wait();

  private:
    std::filesystem::path m_path;
    std::future<int> m_errno;  // 0 on success
};
Result<void> sync_directory(const std::filesystem::path& directory);

// Renames `from` to `to` only if `to` does not exist (renameat2 RENAME_NOREPLACE, or link +
// unlink where the filesystem lacks it). Never replaces and never follows a symlink at `to`.
Result<void> rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to);

// rename_no_replace, but a `to` that exists already is no error: false, and `from` stays.
Result<bool> rename_unless_taken(const std::filesystem::path& from,
                                 const std::filesystem::path& to);

// Keeps a second name for an existing file: link() `from` to `to` (which must not exist). The
// file itself is not touched and `from` keeps its name. Fails naming both paths (EPERM or
// ENOTSUP where the filesystem has no hard links).
Result<void> link_no_replace(const std::filesystem::path& from, const std::filesystem::path& to);

// The file a database path stands for: `path` with every symlink in its last component followed
// (relative targets taken from the link's directory), so that two paths for one file agree on
// the file to replace and on the run lock beside it. A dangling symlink gives the path it points
// at; `path` itself when it is not a symlink; after 40 links (a loop) the last one reached, which
// opening then refuses (ELOOP).
std::filesystem::path follow_symlinks(const std::filesystem::path& path);

enum class ExistingFile { refuse, replace };

// Writes `contents` to `path` durably: temporary file beside it with `ownership`, write, fsync,
// rename (rename_no_replace unless `existing` is replace), fsync of the directory. With
// refuse, fails if `path` exists; with replace, a reader sees the old file or the new one,
// never a part.
Result<void> write_new_file_durably(const std::filesystem::path& path, std::string_view contents,
                                    const FileOwnership& ownership,
                                    ExistingFile existing = ExistingFile::refuse);

// write_new_file_durably with refuse, but a `path` that exists already is no error: false,
// and nothing is written.
Result<bool> write_new_file_unless_taken(const std::filesystem::path& path,
                                         std::string_view contents, const FileOwnership& ownership);

// Bytes free for an unprivileged writer in the filesystem holding `directory`.
Result<std::uintmax_t> available_space(const std::filesystem::path& directory);

}  // namespace belay
