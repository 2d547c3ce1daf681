#include "belay/run_report.hpp"

namespace belay {

std::string_view to_string(StepResult result) {
    switch (result) {
        case StepResult::applied:
            return "applied";
        case StepResult::reverted:
            return "reverted";
        case StepResult::would_revert:
            return "would revert";
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

std::string_view to_string(Operation operation) {
    switch (operation) {
        case Operation::migrate:
            return "migrate";
        case Operation::down:
            return "down";
        case Operation::redo:
            return "redo";
        case Operation::reset:
            return "reset";
        case Operation::refresh:
            return "refresh";
    }
    return "unknown";
}

}  // namespace belay
