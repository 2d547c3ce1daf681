#include "core/run_report.hpp"

namespace belay {

std::string_view to_string(StepResult result) {
    switch (result) {
        case StepResult::applied:
            return "applied";
        case StepResult::failed:
            return "failed";
        case StepResult::would_apply:
            return "would apply";
        case StepResult::would_fail:
            return "would fail";
        case StepResult::not_run:
            return "not run";
    }
    return "unknown";
}

}  // namespace belay
