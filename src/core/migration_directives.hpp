// The directive lines of the single-file layouts, each read the way its own tool reads it, into
// one vocabulary the parser works with, and spelled back in that layout's words for messages.
//
//   sql-migrate  "-- +migrate <Keyword> [options]": any blanks around "--", any case, words
//                after a further "--" are a comment (belay's own format, see
//                migration_parser.hpp)
//   goose        a comment line holding "+goose", read as goose's extractAnnotation does: no
//                blank before "--", every "--" and the first "+goose" removed, the rest one of
//                Up, Down, StatementBegin, StatementEnd, NO TRANSACTION, ENVSUB ON, ENVSUB OFF
//                (any case); anything else is refused, as goose refuses it
//   dbmate       "--" at the start of the line, blanks, "migrate:up" or "migrate:down" (lower
//                case), then nothing or blanks and options such as "transaction:false"
//
// In goose and dbmate files belay's own Verify and Timeout directives are written as
// sql-migrate lines ("-- +migrate Verify"); no other sql-migrate directive is read there.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "belay/migration.hpp"

namespace belay {

enum class DirectiveKind {
    up,
    down,
    verify,
    no_transaction,
    timeout,
    statement_begin,
    statement_end,
    envsub_on,   // goose: substitute ${VAR} in the lines that follow
    envsub_off,  // goose: stop substituting
};

// One directive line, as written.
struct Directive {
    DirectiveKind kind = DirectiveKind::up;
    std::string_view keyword;               // the directive's word as written ("UP", "migrate:up")
    std::vector<std::string_view> options;  // the words after it, up to a "--" comment
    std::string_view text;                  // the whole line, trimmed, for messages
};

// What a line is: not a directive (std::monostate), a directive, or a line that is meant as
// one but that its tool would not read (the problem, worded for "<file>:<line>: ...").
using DirectiveReading = std::variant<std::monostate, Directive, std::string>;

// Reads `line` (without its line end) as a line of a `layout` file (sql_migrate, goose or
// dbmate). Never fails: a problem is a value of the result.
DirectiveReading read_directive(std::string_view line, Layout layout);

// How a `layout` file writes the directive `kind`, e.g. "-- +goose Up", "-- migrate:down",
// "-- +migrate Verify". For a kind the layout has no directive for, sql-migrate's spelling.
std::string spelled(Layout layout, DirectiveKind kind);

// The words every directive of `layout` starts with: "-- +migrate", "-- +goose", "-- migrate:".
std::string_view directive_prefix(Layout layout);

}  // namespace belay
