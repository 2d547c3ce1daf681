// `belay db dump-schema`: the schema as SQL, stable enough to commit, ending with the history.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "belay/options.hpp"

namespace belay {

struct DumpSchemaOptions {
    MigrateOptions run;                          // database, migrations, history table, timeouts
    std::optional<std::filesystem::path> out;    // write here (replacing it) instead of stdout
    std::optional<std::filesystem::path> check;  // compare this file with the migrations
    std::string written_by = "belay";  // the program the dump's first line names as its writer
};

struct DumpSchemaReport {
    std::string sql;                       // the dump (empty with check set)
    std::vector<std::string> differences;  // with check: what the file has wrong, line by line
    std::vector<std::string> notes;
};

}  // namespace belay
