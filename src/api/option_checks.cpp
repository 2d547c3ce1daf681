#include "api/option_checks.hpp"

#include "belay/utf8.hpp"
#include "engine/migrate.hpp"
#include "engine/utf8_paths.hpp"

namespace belay {

Result<void> check_database_options(const DatabaseOptions& options) {
    BELAY_TRY(engine::check_lock_timeout(options));
    BELAY_TRY(engine::refuse_non_utf8_paths(options));
    if (const auto problem = history_table_problem(options.history_table); !problem.empty()) {
        return fail(ErrorCode::invalid_input, "{} \"{}\": {}", Option::history_table,
                    escape_invalid_utf8(options.history_table), problem);
    }
    return {};
}

}  // namespace belay
