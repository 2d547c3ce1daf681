// `belay completion bash`: a bash completion script made from the same tables as --help, so
// that it offers exactly the commands and options the binary accepts.
#pragma once

#include <string>

namespace belay::cli {

// The script: defines _belay and registers it for `belay` (source it, or install it as
// /usr/share/bash-completion/completions/belay).
std::string bash_completion_script();

}  // namespace belay::cli
