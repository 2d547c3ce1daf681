// `belay db lint`: warnings about the migration files, each with file and line.
#pragma once

#include <vector>

#include <filesystem>
#include <string>

#include "belay/message.hpp"
#include "belay/options.hpp"

namespace belay {

struct LintWarning {
    std::string rule;  // gap, no-down, empty-up, drop-table, drop-column, lost-column,
                       // not-null-without-default, no-effect-in-transaction, explicit-transaction,
                       // refused-statement, needs-no-transaction
    std::filesystem::path file;
    int line = 1;  // 1-based; 1 for what concerns the file as a whole
    Message message;
};

struct LintReport {
    std::vector<LintWarning> warnings;  // in file order
    std::vector<std::string> notes;     // what could not be checked, and why
};

}  // namespace belay
