// `db dump-schema`: the engine's side of belay::run_dump_schema (belay/api.hpp gives the
// contract; src/api calls it).
#pragma once

#include "belay/dump_schema.hpp"
#include "belay/error.hpp"

namespace belay::engine {

Result<DumpSchemaReport> run_dump_schema(const DumpSchemaOptions& options);

}  // namespace belay::engine
