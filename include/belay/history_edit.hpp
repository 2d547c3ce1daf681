// `db adopt`, `db baseline`, `db repair` and `db force`: edits of the history alone, each after
// a snapshot.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <string_view>

#include "belay/message.hpp"
#include "belay/options.hpp"
#include "belay/version.hpp"

namespace belay {

enum class HistoryEdit {
    adopt,     // turn another tool's history table into belay's
    baseline,  // record migrations as applied on a database that existed before belay
    repair,    // clear failed and dirty marks, re-record changed checksums
    force,     // make the history say exactly "everything up to VERSION is applied"
};

std::string_view to_string(HistoryEdit edit);

struct HistoryEditOptions {
    DatabaseOptions db;
    HistoryEdit edit = HistoryEdit::repair;
    std::optional<Version> target;         // baseline and force: VERSION
    std::optional<std::string> from_tool;  // adopt: the tool, one of goose, sql-migrate,
                                           // golang-migrate, dbmate, pop, diesel, sqlx,
                                           // prisma
    // repair and force rewrite what belay knows: they run only with assume_yes or when
    // confirm returns true for the question (empty: no terminal to ask on, refused).
    bool assume_yes = false;
    std::function<bool(const Message&)> confirm;
};

struct HistoryEditReport {
    std::string database;
    std::string version_before = "0";
    // Unset when the history could not be read after the edit, which stands (reason logged).
    std::optional<std::string> version_after = "0";
    std::vector<Message> changes;         // one line per change made, in order
    std::vector<Message> notes;           // what was seen and left alone
    std::optional<std::string> snapshot;  // taken before the first change
    std::optional<Call> undo;             // the call that undoes the edit, with snapshot
};

}  // namespace belay
