// The top of the program: dispatch to a command, the one catch for broken invariants.
#pragma once

namespace belay::cli {

// Runs `belay` with the process's arguments and returns its exit code (docs/exit-codes.md).
int run(int argc, char** argv);

}  // namespace belay::cli
