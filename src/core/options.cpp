#include "belay/options.hpp"

#include "core/durable_file.hpp"

namespace belay {

std::filesystem::path DatabaseOptions::backup_directory() const {
    if (!backup_dir.empty()) {
        return backup_dir;
    }
    // Beside the file itself, where the run lock and a restore's file live too: `--db
    // /srv/current/app.db` linked to /data/app.db keeps its backups in /data.
    return follow_symlinks(database).parent_path();
}

}  // namespace belay
