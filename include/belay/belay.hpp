// belay's public C++ API in one include: migrate an SQLite database from a program, with a
// verified snapshot first, and back up, restore, prune and check it.
//
// Every call that can fail returns Result<T> (belay/error.hpp): the value, or an Error whose
// code is the CLI's exit status for the same failure and whose message names the file, line,
// migration or path and what to do next. No call throws for bad input, and none leaves a
// database or a backup changed when it fails before its first step. Each call opens the
// database itself and closes it before returning; none keeps a connection between calls.
//
// Start at belay/database.hpp; docs/embedding.md walks through a program that migrates itself
// at start-up.
#pragma once

#include "belay/api.hpp"
#include "belay/backup.hpp"
#include "belay/cancellation.hpp"
#include "belay/check.hpp"
#include "belay/create.hpp"
#include "belay/database.hpp"
#include "belay/dump_schema.hpp"
#include "belay/error.hpp"
#include "belay/exec.hpp"
#include "belay/fleet.hpp"
#include "belay/history_edit.hpp"
#include "belay/lint.hpp"
#include "belay/log.hpp"
#include "belay/migrate.hpp"
#include "belay/migrations.hpp"
#include "belay/options.hpp"
#include "belay/restore.hpp"
#include "belay/status.hpp"
#include "belay/utf8.hpp"
