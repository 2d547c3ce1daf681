// Reading belay.ini (or the file --config or BELAY_CONFIG names): `key = value` lines, each
// kept with its line so that a message about a key or its value can name both.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "belay/error.hpp"

namespace belay::cli {

// One `key = value` line of a config file.
struct ConfigEntry {
    std::string key;
    std::string value;     // without the blanks around it; `#` and what follows cut off
    std::size_t line = 0;  // from 1
};

// The entries of the config file at `path`, in the file's order. A missing file is no entries
// unless `named` (given by --config or BELAY_CONFIG, so it must exist). A UTF-8 byte order mark
// at the start is skipped. Fails with invalid_input, naming the file (and the line, for what is
// on one) when the file cannot be used: a symbolic link that dangles or loops, not a regular
// file, over 1 MiB, unreadable; a control character; a line that is not `key = value`; a
// `[section]`; a key that no option of `keys` has; a key only the command line may set
// (configuration.md); a key set twice.
Result<std::vector<ConfigEntry>> read_config_file(
    const std::string& path, bool named, const boost::program_options::options_description& keys);

}  // namespace belay::cli
